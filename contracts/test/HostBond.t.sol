// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { HostBond } from "../src/HostBond.sol";
import { IHostBond } from "../src/interfaces/IHostBond.sol";
import { IModelRegistry } from "../src/interfaces/IModelRegistry.sol";
import { IRevenueLedger } from "../src/interfaces/IRevenueLedger.sol";
import { ISlaOracle } from "../src/interfaces/ISlaOracle.sol";
import { RevenueLedger } from "../src/RevenueLedger.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { HomeFixtures } from "./mocks/HomeFixtures.sol";
import { HomeMockOracle } from "./mocks/HomeMockOracle.sol";
import { MockStablecoin } from "./mocks/MockStablecoin.sol";

contract HostBondTest is HomeFixtures {
    uint32 internal constant ARB = 42_161;
    uint32 internal constant SOL = MessageCodec.SOLANA_CHAIN_ID;
    uint16 internal constant SLASH_BPS = 2_000; // 20% of the bond per breached epoch at most
    uint16 internal constant NOTICE = 2;

    address internal vault = makeAddr("homeVault");
    address internal backer = makeAddr("backer");

    MockStablecoin internal usd;
    HomeMockOracle internal oracle;
    RevenueLedger internal ledger;
    HostBond internal bond;
    uint256 internal modelId;

    function setUp() public {
        _deployRegistry();
        modelId = _mint();
        usd = new MockStablecoin();
        oracle = new HomeMockOracle();
        ledger = new RevenueLedger(owner);
        bond = _newBond(SLASH_BPS, NOTICE);
        vm.startPrank(owner);
        ledger.setMessenger(address(messenger), true);
        bond.setPaymentChains(_chains(ARB, BASE_CHAIN, SOL));
        registry.setNettingVault(home, _account(vault));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ helpers

    function _newBond(uint16 slashBps, uint16 notice) internal returns (HostBond) {
        return new HostBond(
            owner,
            IERC20(address(usd)),
            registry,
            ISlaOracle(address(oracle)),
            IRevenueLedger(address(ledger)),
            home,
            slashBps,
            notice
        );
    }

    function _chains(uint32 a, uint32 b, uint32 c) internal pure returns (uint32[] memory list) {
        list = new uint32[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _deposit(address from, uint256 amount) internal {
        usd.mint(from, amount);
        vm.startPrank(from);
        usd.approve(address(bond), amount);
        bond.deposit(modelId, amount);
        vm.stopPrank();
    }

    /// @dev `chain` reports its whole epoch as one final batch.
    function _receipts(uint64 epoch, uint32 chain, uint256 total) internal {
        messenger.deliver(
            ledger,
            chain,
            MessageCodec.encodeReceiptBatch(
                MessageCodec.ReceiptBatch(modelId, epoch, chain, 0, total == 0 ? 0 : 1, total, bytes32(0), true)
            )
        );
    }

    function _allReceipts(uint64 epoch, uint256 arb, uint256 base, uint256 sol) internal {
        _receipts(epoch, ARB, arb);
        _receipts(epoch, BASE_CHAIN, base);
        _receipts(epoch, SOL, sol);
    }

    function _warpTo(uint64 epoch) internal {
        vm.warp(registry.epochStart(modelId, epoch));
    }

    function _afterEpoch(uint64 epoch) internal {
        vm.warp(registry.epochEnd(modelId, epoch));
    }

    /// @dev When the payment chains' no-verdict escape for `epoch` opens.
    function _graceOver(uint64 epoch) internal view returns (uint256) {
        return registry.epochEnd(modelId, epoch) + uint256(GRACE) * EPOCH;
    }

    function _bond() internal view returns (IHostBond.Bond memory) {
        return bond.bondOf(modelId);
    }

    // ------------------------------------------------------------ constructor, owner

    function test_constructor_setsState() public view {
        assertEq(bond.owner(), owner);
        assertEq(address(bond.token()), address(usd));
        assertEq(address(bond.registry()), address(registry));
        assertEq(address(bond.oracle()), address(oracle));
        assertEq(address(bond.ledger()), address(ledger));
        assertEq(bond.homeChain(), home);
        assertEq(bond.slashBps(), SLASH_BPS);
        assertEq(bond.noticeEpochs(), NOTICE);
        uint32[] memory chains = bond.paymentChains();
        assertEq(chains.length, 3);
        assertEq(chains[0], ARB);
        assertEq(chains[1], BASE_CHAIN);
        assertEq(chains[2], SOL);
    }

    function test_constructor_revertsOnInvalidArguments() public {
        vm.expectRevert(abi.encodeWithSelector(IHostBond.InvalidSlashBps.selector, uint16(0)));
        _newBond(0, NOTICE);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.InvalidSlashBps.selector, uint16(10_001)));
        _newBond(10_001, NOTICE);
        vm.expectRevert(IHostBond.ZeroNotice.selector);
        _newBond(SLASH_BPS, 0);
        vm.expectRevert(IHostBond.ZeroAddress.selector);
        new HostBond(
            owner,
            IERC20(address(0)),
            registry,
            ISlaOracle(address(oracle)),
            IRevenueLedger(address(ledger)),
            home,
            SLASH_BPS,
            NOTICE
        );
        vm.expectRevert(IHostBond.ZeroAddress.selector);
        new HostBond(
            owner,
            IERC20(address(usd)),
            IModelRegistry(address(0)),
            ISlaOracle(address(oracle)),
            IRevenueLedger(address(ledger)),
            home,
            SLASH_BPS,
            NOTICE
        );
    }

    function test_setPaymentChains_setsAndEmits() public {
        uint32[] memory chains = new uint32[](1);
        chains[0] = SOL;
        vm.expectEmit(address(bond));
        emit IHostBond.PaymentChainsSet(chains);
        vm.prank(owner);
        bond.setPaymentChains(chains);
        assertEq(bond.paymentChains().length, 1);
        assertEq(bond.paymentChains()[0], SOL);
    }

    function test_setPaymentChains_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        bond.setPaymentChains(_chains(ARB, BASE_CHAIN, SOL));
    }

    function test_setPaymentChains_revertsOnZeroOrRepeatedChain() public {
        uint32[] memory tooMany = new uint32[](bond.MAX_PAYMENT_CHAINS() + 1);
        for (uint256 i; i < tooMany.length; ++i) {
            tooMany[i] = uint32(i + 1);
        }
        vm.startPrank(owner);
        vm.expectRevert(IHostBond.InvalidPaymentChains.selector);
        bond.setPaymentChains(_chains(ARB, 0, SOL));
        vm.expectRevert(IHostBond.InvalidPaymentChains.selector);
        bond.setPaymentChains(_chains(ARB, SOL, ARB));
        vm.expectRevert(IHostBond.InvalidPaymentChains.selector);
        bond.setPaymentChains(tooMany);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ deposit

    function test_deposit_pullsTheAmountAndCoversFromTheCurrentEpoch() public {
        _warpTo(3);
        usd.mint(creator, 1_000e6);
        vm.startPrank(creator);
        usd.approve(address(bond), 1_000e6);
        vm.expectEmit(address(bond));
        emit IHostBond.BondDeposited(modelId, creator, 1_000e6, 1_000e6);
        bond.deposit(modelId, 1_000e6);
        vm.stopPrank();
        assertEq(usd.balanceOf(creator), 0);
        assertEq(usd.balanceOf(address(bond)), 1_000e6);
        IHostBond.Bond memory b = _bond();
        assertEq(b.amount, 1_000e6);
        assertEq(b.coveredFrom, 3);
        assertEq(b.unlockEpoch, 0);
        assertEq(b.nextUnsettled, 3);
        assertTrue(b.bonded);

        // anyone may add to it; coverage stays where it began
        _warpTo(5);
        usd.mint(backer, 250e6);
        vm.startPrank(backer);
        usd.approve(address(bond), 250e6);
        vm.expectEmit(address(bond));
        emit IHostBond.BondDeposited(modelId, backer, 250e6, 1_250e6);
        bond.deposit(modelId, 250e6);
        vm.stopPrank();
        b = _bond();
        assertEq(b.amount, 1_250e6);
        assertEq(b.coveredFrom, 3);
        assertEq(usd.balanceOf(address(bond)), 1_250e6);
    }

    function test_deposit_revertsOnZeroAmount() public {
        vm.expectRevert(IHostBond.ZeroAmount.selector);
        bond.deposit(modelId, 0);
    }

    function test_deposit_revertsForAnUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, uint256(99)));
        bond.deposit(99, 1);
    }

    function test_deposit_revertsOnceAnUnlockWasRequested() public {
        _deposit(creator, 100e6);
        vm.prank(creator);
        bond.requestUnlock(modelId);
        usd.mint(backer, 1);
        vm.startPrank(backer);
        usd.approve(address(bond), 1);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.UnlockPending.selector, modelId, uint64(NOTICE)));
        bond.deposit(modelId, 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ settle: breached epochs

    /// The slash is the bond share (20%) when the buyers paid more; split by revenue, paid to the home vault.
    function test_settle_slashesTheBondShareSplitByRevenue() public {
        _deposit(creator, 1_000e6);
        _deposit(backer, 500e6);
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 3_000e6, 1_000e6, 0);
        _afterEpoch(0);

        vm.expectEmit(address(bond));
        emit IHostBond.TopUpAssigned(modelId, 0, ARB, 225e6);
        vm.expectEmit(address(bond));
        emit IHostBond.TopUpAssigned(modelId, 0, BASE_CHAIN, 75e6);
        vm.expectEmit(address(bond));
        emit IHostBond.EpochSettled(modelId, 0, 300e6);
        vm.expectEmit(address(bond));
        emit IHostBond.Slashed(modelId, 0, 300e6);
        vm.prank(stranger);
        assertEq(bond.settle(modelId, 0), 300e6);

        assertEq(usd.balanceOf(vault), 300e6);
        assertEq(usd.balanceOf(address(bond)), 1_200e6);
        assertEq(_bond().amount, 1_200e6);
        assertEq(_bond().nextUnsettled, 1);
        (bool settled, uint256 amount) = bond.slashOf(modelId, 0);
        assertTrue(settled);
        assertEq(amount, 300e6);
        assertEq(bond.topUpOf(modelId, 0, ARB), 225e6);
        assertEq(bond.topUpOf(modelId, 0, BASE_CHAIN), 75e6);
        assertEq(bond.topUpOf(modelId, 0, SOL), 0);
    }

    /// Buyers never get more than they paid minus their refunds: 500 paid, 90% refund -> at most 50.
    function test_settle_slashIsCappedAtPaidMinusRefunds() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 9_000);
        _allReceipts(0, 300e6, 200e6, 0);
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 50e6);
        assertEq(usd.balanceOf(vault), 50e6);
        assertEq(_bond().amount, 950e6);
        assertEq(bond.topUpOf(modelId, 0, ARB), 30e6);
        assertEq(bond.topUpOf(modelId, 0, BASE_CHAIN), 20e6);
    }

    /// A full refund leaves nothing to top up: settled, nothing slashed.
    function test_settle_fullRefundSlashesNothing() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 10_000);
        _allReceipts(0, 300e6, 200e6, 7);
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 0);
        assertEq(usd.balanceOf(vault), 0);
        assertEq(_bond().amount, 1_000e6);
        (bool settled,) = bond.slashOf(modelId, 0);
        assertTrue(settled);
    }

    /// The rounding dust goes to the last chain with revenue; a chain with none (listed after it) gets nothing.
    function test_settle_dustGoesToTheLastChainWithRevenue() public {
        _deposit(creator, 50); // slash = 50 * 20% = 10 (buyers paid 300, 10% refunded: cap 270)
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 100, 200, 0);
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 10);
        assertEq(bond.topUpOf(modelId, 0, ARB), 3); // floor(10 * 100 / 300)
        assertEq(bond.topUpOf(modelId, 0, BASE_CHAIN), 7); // 10 - 3: the dust
        assertEq(bond.topUpOf(modelId, 0, SOL), 0);
    }

    function test_settle_revertsWhileReceiptsAreIncomplete() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 1_000);
        _receipts(0, ARB, 100e6);
        // BASE reported a batch, but not its final one
        messenger.deliver(
            ledger,
            BASE_CHAIN,
            MessageCodec.encodeReceiptBatch(
                MessageCodec.ReceiptBatch(modelId, 0, BASE_CHAIN, 0, 1, 5e6, bytes32(0), false)
            )
        );
        _receipts(0, SOL, 0);
        _afterEpoch(0);
        vm.expectRevert(
            abi.encodeWithSelector(IHostBond.ReceiptsIncomplete.selector, modelId, uint64(0), uint32(BASE_CHAIN))
        );
        bond.settle(modelId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IHostBond.ReceiptsIncomplete.selector, modelId, uint64(0), uint32(BASE_CHAIN))
        );
        bond.topUpFor(modelId, 0, ARB);
        (bool settled,) = bond.slashOf(modelId, 0);
        assertFalse(settled);

        messenger.deliver(
            ledger,
            BASE_CHAIN,
            MessageCodec.encodeReceiptBatch(
                MessageCodec.ReceiptBatch(modelId, 0, BASE_CHAIN, 1, 1, 5e6, bytes32(0), true)
            )
        );
        // min(200, 110 * 90%) = 99
        assertEq(bond.settle(modelId, 0), 99e6);
        assertEq(bond.topUpOf(modelId, 0, ARB), 90e6);
        assertEq(bond.topUpOf(modelId, 0, BASE_CHAIN), 9e6);
    }

    /// Settled once: a second settle (or topUpFor) returns the recorded slash and moves no money.
    function test_settle_secondCallIsANoOp() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 300e6, 200e6, 0);
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 200e6);

        vm.recordLogs();
        assertEq(bond.settle(modelId, 0), 200e6);
        assertEq(bond.topUpFor(modelId, 0, ARB), 120e6);
        assertEq(bond.topUpFor(modelId, 0, BASE_CHAIN), 80e6);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(usd.balanceOf(vault), 200e6);
        assertEq(_bond().amount, 800e6);
    }

    function test_settle_revertsWithoutANettingVault() public {
        vm.prank(owner);
        registry.setNettingVault(home, bytes32(0));
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 300e6, 200e6, 0);
        _afterEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NoNettingVault.selector, home));
        bond.settle(modelId, 0);

        // a vault that is no EVM address is refused too
        vm.prank(owner);
        registry.setNettingVault(home, keccak256("solana-vault"));
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NoNettingVault.selector, home));
        bond.settle(modelId, 0);

        vm.prank(owner);
        registry.setNettingVault(home, _account(vault));
        assertEq(bond.settle(modelId, 0), 200e6);
        assertEq(usd.balanceOf(vault), 200e6);
    }

    /// Repeated breaches slash 20% of what is left each time.
    function test_settle_eachBreachSlashesWhatIsLeft() public {
        _deposit(creator, 1_000e6);
        for (uint64 e; e < 3; ++e) {
            oracle.setRefund(modelId, e, 1_000);
            _allReceipts(e, 10_000e6, 0, 0);
        }
        _afterEpoch(2);
        assertEq(bond.settle(modelId, 1), 200e6);
        assertEq(bond.settle(modelId, 0), 160e6);
        assertEq(bond.settle(modelId, 2), 128e6);
        assertEq(usd.balanceOf(vault), 488e6);
        assertEq(usd.balanceOf(address(bond)), 512e6);
        assertEq(_bond().amount, 512e6);
    }

    /// Fuzz: slash = min(bond share, paid - refunds); the top-ups split it by revenue to the unit, dust to the last
    /// chain with revenue, and every unit leaves the bond for the vault.
    function test_fuzz_settle_splitsTheSlashByRevenue(uint256 amount, uint256 a, uint256 b, uint256 c, uint16 bps)
        public
    {
        amount = bound(amount, 1, 1e18);
        uint256[3] memory paid = [bound(a, 0, 1e15), bound(b, 0, 1e15), bound(c, 0, 1e15)];
        bps = uint16(bound(bps, 1, 10_000));
        _deposit(creator, amount);
        oracle.setRefund(modelId, 0, bps);
        _allReceipts(0, paid[0], paid[1], paid[2]);
        _afterEpoch(0);

        uint256 total = paid[0] + paid[1] + paid[2];
        uint256 expected = amount * SLASH_BPS / 10_000;
        uint256 cap = total * (10_000 - bps) / 10_000;
        if (expected > cap) expected = cap;
        assertEq(bond.settle(modelId, 0), expected);
        assertEq(usd.balanceOf(vault), expected);
        assertEq(usd.balanceOf(address(bond)), amount - expected);
        assertEq(_bond().amount, amount - expected);

        uint32[3] memory chains = [ARB, BASE_CHAIN, SOL];
        uint256 last = 3;
        while (last != 0 && paid[last - 1] == 0) --last;
        uint256 sum;
        for (uint256 i; i < 3; ++i) {
            uint256 topUp = bond.topUpOf(modelId, 0, chains[i]);
            sum += topUp;
            if (paid[i] == 0 || expected == 0) assertEq(topUp, 0);
            else if (i + 1 != last) assertEq(topUp, expected * paid[i] / total);
        }
        assertEq(sum, expected);
    }

    // ------------------------------------------------------------ settle: other epochs

    function test_settle_noBreachSlashesNothingWithoutReceipts() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 0);
        _afterEpoch(0);
        vm.expectEmit(address(bond));
        emit IHostBond.EpochSettled(modelId, 0, 0);
        assertEq(bond.settle(modelId, 0), 0);
        assertEq(_bond().amount, 1_000e6);
        assertEq(_bond().nextUnsettled, 1);
    }

    /// A bond too small to slash anything (4 units * 20% rounds to 0) settles a breach without waiting for receipts.
    function test_settle_nothingToSlashNeedsNoReceipts() public {
        _deposit(creator, 4);
        oracle.setRefund(modelId, 0, 5_000);
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 0);
        assertEq(_bond().amount, 4);
        assertEq(_bond().nextUnsettled, 1);
    }

    /// No verdict: settled (nothing slashed) only once the payment chains' no-verdict escape opened; a verdict
    /// recorded later no longer slashes.
    function test_settle_withoutVerdictOnlyAfterTheGrace() public {
        _deposit(creator, 1_000e6);
        _afterEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.VerdictPending.selector, modelId, uint64(0)));
        bond.settle(modelId, 0);
        vm.warp(_graceOver(0) - 1);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.VerdictPending.selector, modelId, uint64(0)));
        bond.settle(modelId, 0);

        vm.warp(_graceOver(0));
        assertEq(bond.settle(modelId, 0), 0);
        oracle.setRefund(modelId, 0, 5_000);
        _allReceipts(0, 300e6, 200e6, 0);
        assertEq(bond.settle(modelId, 0), 0);
        assertEq(bond.topUpFor(modelId, 0, ARB), 0);
        assertEq(_bond().amount, 1_000e6);
        assertEq(usd.balanceOf(vault), 0);
    }

    function test_settle_revertsBeforeTheEpochEnded() public {
        _deposit(creator, 1_000e6);
        uint256 end = registry.epochEnd(modelId, 0);
        vm.warp(end - 1);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.EpochNotOver.selector, modelId, uint64(0), end));
        bond.settle(modelId, 0);
        // also for an epoch no bond covers yet: a later bond might cover it
        vm.expectRevert(
            abi.encodeWithSelector(IHostBond.EpochNotOver.selector, modelId, uint64(4), registry.epochEnd(modelId, 4))
        );
        bond.settle(modelId, 4);
    }

    /// Epochs before the first deposit, without any bond, or from the unlock epoch on are settled with no slash.
    function test_settle_uncoveredEpochsSlashNothing() public {
        for (uint64 e; e < 8; ++e) {
            oracle.setRefund(modelId, e, 1_000);
            _allReceipts(e, 300e6, 200e6, 0);
        }
        _afterEpoch(0);
        assertEq(bond.settle(modelId, 0), 0); // no bond at all

        _warpTo(2);
        _deposit(creator, 1_000e6);
        vm.prank(creator);
        bond.requestUnlock(modelId); // unlockEpoch = 4
        _afterEpoch(7);
        assertEq(bond.settle(modelId, 1), 0); // before coveredFrom
        assertEq(bond.settle(modelId, 4), 0); // from unlockEpoch on
        assertEq(bond.settle(modelId, 7), 0);
        assertEq(_bond().amount, 1_000e6);
        assertEq(_bond().nextUnsettled, 2);
        assertEq(bond.settle(modelId, 3), 200e6);
        assertEq(_bond().nextUnsettled, 2);
        assertEq(bond.settle(modelId, 2), 160e6);
        // 2 and 3 done; 4 was settled too, so the cursor runs over it to the first open epoch
        assertEq(_bond().nextUnsettled, 5);
        assertEq(usd.balanceOf(vault), 360e6);
    }

    function test_topUpFor_settlesAndReturnsTheChainsShare() public {
        _deposit(creator, 1_000e6);
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 300e6, 200e6, 0);
        _afterEpoch(0);
        assertEq(bond.topUpFor(modelId, 0, BASE_CHAIN), 80e6);
        (bool settled, uint256 amount) = bond.slashOf(modelId, 0);
        assertTrue(settled);
        assertEq(amount, 200e6);
        assertEq(usd.balanceOf(vault), 200e6);
        assertEq(bond.topUpFor(modelId, 0, ARB), 120e6);
        assertEq(bond.topUpFor(modelId, 0, SOL), 0);
        assertEq(bond.topUpFor(modelId, 0, 999), 0); // not a payment chain
        assertEq(usd.balanceOf(vault), 200e6);
    }

    // ------------------------------------------------------------ unlock and withdraw

    function test_requestUnlock_setsTheUnlockEpoch() public {
        _deposit(creator, 1_000e6);
        _warpTo(5);
        vm.expectEmit(address(bond));
        emit IHostBond.UnlockRequested(modelId, creator, 5 + NOTICE);
        vm.prank(creator);
        bond.requestUnlock(modelId);
        assertEq(_bond().unlockEpoch, 5 + NOTICE);

        vm.expectRevert(abi.encodeWithSelector(IHostBond.UnlockPending.selector, modelId, uint64(5 + NOTICE)));
        vm.prank(creator);
        bond.requestUnlock(modelId);
    }

    function test_requestUnlock_onlyTheModelOwner() public {
        _deposit(creator, 1_000e6);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NotModelOwner.selector, modelId, backer));
        vm.prank(backer);
        bond.requestUnlock(modelId);
    }

    function test_requestUnlock_revertsWithoutABond() public {
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NoBond.selector, modelId));
        vm.prank(creator);
        bond.requestUnlock(modelId);
    }

    function test_withdraw_revertsBeforeTheUnlockRequest() public {
        _deposit(creator, 1_000e6);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.UnlockNotRequested.selector, modelId));
        vm.prank(creator);
        bond.withdraw(modelId, creator);
    }

    function test_withdraw_revertsBeforeTheNoticeIsOver() public {
        _deposit(creator, 1_000e6);
        vm.prank(creator);
        bond.requestUnlock(modelId);
        _warpTo(NOTICE - 1);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NoticeNotOver.selector, modelId, uint64(NOTICE)));
        vm.prank(creator);
        bond.withdraw(modelId, creator);
    }

    /// Epochs without a verdict stay open until their grace is over: no withdrawal before.
    function test_withdraw_revertsWhileCoveredEpochsAreOpen() public {
        _deposit(creator, 1_000e6);
        vm.prank(creator);
        bond.requestUnlock(modelId); // covers epochs 0 and 1
        _warpTo(NOTICE);
        oracle.setRefund(modelId, 0, 0);
        bond.settle(modelId, 0);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.EpochsOpen.selector, modelId, uint64(1)));
        vm.prank(creator);
        bond.withdraw(modelId, creator);

        vm.expectRevert(abi.encodeWithSelector(IHostBond.VerdictPending.selector, modelId, uint64(1)));
        bond.settle(modelId, 1);
        vm.warp(_graceOver(1));
        bond.settle(modelId, 1);
        vm.prank(creator);
        assertEq(bond.withdraw(modelId, creator), 1_000e6);
    }

    function test_withdraw_onlyTheModelOwner() public {
        _deposit(creator, 1_000e6);
        vm.prank(creator);
        bond.requestUnlock(modelId);
        vm.warp(_graceOver(NOTICE - 1));
        bond.settle(modelId, 0);
        bond.settle(modelId, 1);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NotModelOwner.selector, modelId, backer));
        vm.prank(backer);
        bond.withdraw(modelId, backer);

        // the NFT changes hands: its new owner may withdraw, the old one no longer
        vm.prank(creator);
        registry.transferFrom(creator, backer, modelId);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.NotModelOwner.selector, modelId, creator));
        vm.prank(creator);
        bond.withdraw(modelId, creator);
        vm.prank(backer);
        assertEq(bond.withdraw(modelId, backer), 1_000e6);
        assertEq(usd.balanceOf(backer), 1_000e6);
    }

    function test_withdraw_revertsToTheZeroAddress() public {
        _deposit(creator, 1_000e6);
        vm.expectRevert(IHostBond.ZeroAddress.selector);
        vm.prank(creator);
        bond.withdraw(modelId, address(0));
    }

    /// A whole life: two deposits, one breach, one full refund, an unlock, open epochs settled, exact withdrawal;
    /// the next bond covers from its own first deposit.
    function test_withdraw_paysWhatIsLeftAndResets() public {
        _deposit(creator, 1_000e6);
        _deposit(backer, 500e6);
        oracle.setRefund(modelId, 0, 1_000);
        _allReceipts(0, 300e6, 200e6, 0);
        oracle.setRefund(modelId, 1, 10_000);
        _allReceipts(1, 300e6, 0, 0);
        _warpTo(2);
        assertEq(bond.settle(modelId, 0), 300e6); // min(1,500 * 20%, 500 * 90%)
        assertEq(bond.settle(modelId, 1), 0);
        vm.prank(creator);
        bond.requestUnlock(modelId); // unlockEpoch = 4; epochs 2 and 3 get no verdict
        vm.warp(_graceOver(3));
        bond.settle(modelId, 3);
        bond.settle(modelId, 2);
        assertEq(_bond().nextUnsettled, 4);

        address to = makeAddr("to");
        vm.expectEmit(address(bond));
        emit IHostBond.BondWithdrawn(modelId, to, 1_200e6);
        vm.prank(creator);
        assertEq(bond.withdraw(modelId, to), 1_200e6);
        assertEq(usd.balanceOf(to), 1_200e6);
        assertEq(usd.balanceOf(vault), 300e6);
        assertEq(usd.balanceOf(address(bond)), 0);
        IHostBond.Bond memory b = _bond();
        assertEq(b.amount, 0);
        assertEq(b.unlockEpoch, 0);
        assertFalse(b.bonded);
        // recorded history stays
        (bool settled, uint256 amount) = bond.slashOf(modelId, 0);
        assertTrue(settled);
        assertEq(amount, 300e6);

        // a new bond covers from its first deposit on
        uint64 nowEpoch = registry.currentEpoch(modelId);
        _deposit(creator, 10e6);
        b = _bond();
        assertEq(b.coveredFrom, nowEpoch);
        assertEq(b.nextUnsettled, nowEpoch);
        assertTrue(b.bonded);
    }
}
