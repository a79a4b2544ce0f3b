// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Escrow } from "../../src/Escrow.sol";
import { HostBond } from "../../src/HostBond.sol";
import { RevenueLedger } from "../../src/RevenueLedger.sol";
import { SlaOracle } from "../../src/SlaOracle.sol";
import { IHostBond } from "../../src/interfaces/IHostBond.sol";
import { IRevenueLedger } from "../../src/interfaces/IRevenueLedger.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { Report } from "../../src/types/ModelTypes.sol";
import { HomeFixtures } from "../mocks/HomeFixtures.sol";
import { MockStablecoin } from "../mocks/MockStablecoin.sol";

/// @notice A breached epoch of a bonded model, from payments to top-ups, with every contract in one EVM and the mock
/// messenger carrying the messages: two payment chains' escrows (Base and Arbitrum), the home registry, oracle,
/// ledger and HostBond; each netting vault advances its chain's top-up, the home vault receives the slash.
contract BondedSettlementE2ETest is HomeFixtures {
    uint32 internal constant ARB = 42_161;

    MockStablecoin internal usd;
    RevenueLedger internal ledger;
    SlaOracle internal oracle;
    HostBond internal bond;
    Escrow internal escrowBase;
    Escrow internal escrowArb;
    uint256 internal modelId;
    uint256[] internal keys;

    address internal homeVault = makeAddr("homeVault");
    address internal baseVault = makeAddr("baseVault");
    address internal arbVault = makeAddr("arbVault");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public {
        _deployRegistry();
        modelId = _mint();
        usd = new MockStablecoin();
        ledger = new RevenueLedger(owner);
        address[] memory signers = new address[](3);
        keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            keys[i] = uint256(keccak256(abi.encode("prober", i)));
            signers[i] = vm.addr(keys[i]);
        }
        _sortSigners(signers);
        oracle = new SlaOracle(owner, registry, signers, 2);
        bond = new HostBond(
            owner, IERC20(address(usd)), registry, oracle, IRevenueLedger(address(ledger)), home, 2_000, 2
        );
        escrowBase = new Escrow(owner, IERC20(address(usd)), BASE_CHAIN, home);
        escrowArb = new Escrow(owner, IERC20(address(usd)), ARB, home);
        uint32[] memory chains = new uint32[](2);
        (chains[0], chains[1]) = (BASE_CHAIN, ARB);

        vm.startPrank(owner);
        ledger.setMessenger(address(messenger), true);
        escrowBase.setMessenger(address(messenger), true);
        escrowArb.setMessenger(address(messenger), true);
        oracle.setMessenger(address(messenger), true);
        oracle.setHostBond(bond);
        registry.setSlaOracle(address(oracle));
        registry.setNettingVault(home, _account(homeVault));
        bond.setPaymentChains(chains);
        vm.stopPrank();

        registry.publishListing(modelId, BASE_CHAIN, messenger);
        messenger.deliver(escrowBase, home, messenger.lastSent().message);
        registry.publishListing(modelId, ARB, messenger);
        messenger.deliver(escrowArb, home, messenger.lastSent().message);
    }

    /// Bond 50,000; epoch 0 sells 15,000 on Base and 5,000 on Arbitrum; the verdict refunds 10%. The slash is
    /// min(50,000 * 20%, 20,000 * 90%) = 10,000: 7,500 for Base's buyers, 2,500 for Arbitrum's, each shared pro rata.
    function test_breach_topUpsReachEveryBuyerToTheUnit() public {
        usd.mint(creator, 50_000);
        vm.startPrank(creator);
        usd.approve(address(bond), 50_000);
        bond.deposit(modelId, 50_000);
        vm.stopPrank();

        _pay(escrowBase, alice, 4 * PRICE);
        _pay(escrowBase, bob, 2 * PRICE);
        _pay(escrowArb, carol, 2 * PRICE);
        vm.warp(registry.epochEnd(modelId, 0));

        Report memory r = Report({
            modelId: modelId,
            epoch: 0,
            p50Ms: 120,
            p95Ms: 420,
            p99Ms: 900,
            uptimeBps: 9_940,
            sampleCount: 8_640,
            samplesRoot: keccak256("samples"),
            receiptCount: 0,
            receiptsRoot: bytes32(0),
            refundBps: 1_000
        });
        bytes32 digest = oracle.hashReport(r);
        bytes[] memory sigs = new bytes[](2);
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
        oracle.submitReport(r, sigs);

        // the breach waits for every chain's receipts
        _relay(escrowBase, BASE_CHAIN);
        vm.expectRevert(abi.encodeWithSelector(IHostBond.ReceiptsIncomplete.selector, modelId, uint64(0), ARB));
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        _relay(escrowArb, ARB);

        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        messenger.deliver(escrowBase, home, messenger.lastSent().message);
        oracle.publishVerdict(modelId, 0, ARB, messenger);
        messenger.deliver(escrowArb, home, messenger.lastSent().message);
        assertEq(usd.balanceOf(homeVault), 10_000);
        assertEq(usd.balanceOf(address(bond)), 40_000);
        assertEq(escrowBase.topUpOf(modelId, 0).due, 7_500);
        assertEq(escrowArb.topUpOf(modelId, 0).due, 2_500);

        _settle(escrowBase, baseVault);
        _settle(escrowArb, arbVault);
        // refund 10% + top-up share: alice 1,000 + 5,000, bob 500 + 2,500, carol 500 + 2,500
        assertEq(usd.balanceOf(alice), 6_000);
        assertEq(usd.balanceOf(bob), 3_000);
        assertEq(usd.balanceOf(carol), 3_000);
        assertEq(usd.balanceOf(address(escrowBase)), 15_000 - 1_500);
        assertEq(usd.balanceOf(address(escrowArb)), 5_000 - 500);
        assertEq(usd.balanceOf(baseVault) + usd.balanceOf(arbVault), 0);
    }

    function _pay(Escrow escrow, address buyer, uint256 amount) internal {
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(escrow), amount);
        escrow.pay(modelId, amount);
        vm.stopPrank();
    }

    function _relay(Escrow escrow, uint32 chain) internal {
        escrow.relayReceipts(modelId, 0, 10, messenger);
        messenger.deliver(ledger, chain, messenger.lastSent().message);
    }

    /// @dev Refunds, then the chain's netting vault advances the top-up, which is shared out.
    function _settle(Escrow escrow, address vault) internal {
        escrow.refund(modelId, 0, 10);
        uint256 due = escrow.topUpOf(modelId, 0).due;
        vm.prank(owner);
        escrow.setTopUpFunder(vault);
        usd.mint(vault, due);
        vm.startPrank(vault);
        usd.approve(address(escrow), due);
        escrow.fundTopUp(modelId, 0);
        vm.stopPrank();
        escrow.refundTopUp(modelId, 0, 10);
        escrow.release(modelId, 0);
    }

    function _sortSigners(address[] memory signers) internal {
        for (uint256 i = 1; i < signers.length; ++i) {
            for (uint256 j = i; j > 0 && signers[j] < signers[j - 1]; --j) {
                (signers[j], signers[j - 1]) = (signers[j - 1], signers[j]);
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
    }
}
