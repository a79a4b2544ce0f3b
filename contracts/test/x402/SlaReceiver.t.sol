// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Vm } from "forge-std/Vm.sol";
import { IEpochSettlementEvents } from "../../src/interfaces/IEpochSettlementEvents.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { MessageRouter } from "../../src/messaging/MessageRouter.sol";
import { PaymentsMerkle } from "../../src/libraries/PaymentsMerkle.sol";
import { ISlaReceiver } from "../../src/x402/ISlaReceiver.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { RecordingReceiver } from "../messaging/RecordingReceiver.sol";
import { SlaReceiverFixture } from "./SlaReceiverFixture.sol";

/// @notice End to end with the x402 stand-in: buyers deposit and sign cumulative vouchers, the operator claims the
/// epoch, receipts go home, and the verdict refunds each buyer-epoch once (with its bond top-up share) or releases.
contract SlaReceiverTest is SlaReceiverFixture {
    uint256 internal constant K1 = 0xB1;
    uint256 internal constant K2 = 0xB2;
    uint256 internal constant K3 = 0xB3;
    uint128 internal constant DEPOSIT = 10e6;
    // the Escrow's event signatures, spelled out: the off-chain readers decode both contracts with the Escrow's ABI
    bytes32 internal constant TRANSFER = keccak256("Transfer(address,address,uint256)");
    bytes32 internal constant VERDICT_APPLIED = keccak256("VerdictApplied(uint256,uint64,uint16,bytes32)");
    bytes32 internal constant TOP_UP_RECORDED = keccak256("TopUpRecorded(uint256,uint64,uint256,uint256)");
    bytes32 internal constant REFUNDED = keccak256("Refunded(uint256,uint64,uint256,address,uint256)");
    bytes32 internal constant TOP_UP_REFUNDED = keccak256("TopUpRefunded(uint256,uint64,uint256,address,uint256)");

    IX402BatchSettlement.ChannelConfig internal c1;
    IX402BatchSettlement.ChannelConfig internal c2;
    IX402BatchSettlement.ChannelConfig internal c3;

    function setUp() public override {
        super.setUp();
        c1 = _open(K1, DEPOSIT);
        c2 = _open(K2, DEPOSIT);
        c3 = _open(K3, DEPOSIT);
    }

    /// @dev Epoch 0: buyer 1 spent 3, buyer 2 5, buyer 3 1 (USD, cumulative vouchers), claimed after its end.
    function _claimEpoch0() internal {
        IX402BatchSettlement.VoucherClaim[] memory rows = new IX402BatchSettlement.VoucherClaim[](3);
        rows[0] = _row(c1, 3e6, 3e6, K1);
        rows[1] = _row(c2, 5e6, 5e6, K2);
        rows[2] = _row(c3, 1e6, 1e6, K3);
        _endEpoch(0);
        assertEq(_claimEpoch(0, rows), 9e6);
    }

    function test_claims_bookPerBuyerAndEpoch() public {
        _claimEpoch0();
        assertEq(sla.paidBy(0, vm.addr(K1)), 3e6);
        assertEq(sla.paidBy(0, vm.addr(K2)), 5e6);
        assertEq(sla.paidBy(0, vm.addr(K3)), 1e6);
        ISlaReceiver.EpochState memory e = sla.epochState(0);
        assertEq(e.claimed, 9e6);
        assertEq(e.buyers, 3);
        (, uint128 claimed) = settlement.channels(_id(c2));
        assertEq(claimed, 5e6);
    }

    function test_claims_secondClaimAddsOnlyTheDelta() public {
        _claimEpoch0();
        _claimEpoch(0, _rows(_row(c1, 4e6, 4e6, K1)));
        _claimEpoch(0, _rows(_row(c1, 4e6, 4e6, K1))); // the same voucher again: nothing new
        assertEq(sla.paidBy(0, vm.addr(K1)), 4e6);
        assertEq(sla.epochState(0).claimed, 10e6);
        assertEq(sla.epochState(0).buyers, 3);
        // the next epoch gets only what was spent after the last claim of this one
        _endEpoch(1);
        _claimEpoch(1, _rows(_row(c1, 6e6, 6e6, K1)));
        assertEq(sla.paidBy(1, vm.addr(K1)), 2e6);
        assertEq(sla.epochState(1).claimed, 2e6);
    }

    function test_claims_badRowsAreIsolated() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = new IX402BatchSettlement.VoucherClaim[](5);
        rows[0] = _row(c1, 3e6, 3e6, K1);
        rows[1] = _row(c2, 5e6, 5e6, K1); // signed by another buyer's key
        rows[2] = _row(c3, 1e6, 2e6, K3); // over its voucher
        rows[3] = _row(_config(), 1e6, 1e6, payerAuthKey); // another receiver's channel
        IX402BatchSettlement.ChannelConfig memory other = c2;
        other.receiverAuthorizer = receiverAuthorizer; // someone else could claim or refund it behind the receiver
        rows[4] = _row(other, 1e6, 1e6, K2);
        _endEpoch(0);
        vm.recordLogs();
        assertEq(_claimEpoch(0, rows), 3e6);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 skipped;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == ISlaReceiver.RowSkipped.selector) ++skipped;
        }
        assertEq(skipped, 4);
        assertEq(sla.epochState(0).claimed, 3e6);
        assertEq(sla.epochState(0).buyers, 1);
        assertEq(sla.paidBy(0, vm.addr(K2)), 0);
    }

    function test_claims_operatorOnly_startedEpoch_closedByRelay() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c1, 3e6, 3e6, K1));
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NotOperator.selector, address(this)));
        sla.claimEpoch(0, rows);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.EpochNotStarted.selector, uint64(1)));
        _claimEpoch(1, rows);
        // the running epoch takes a watchdog claim (ahead of a payer's timed withdrawal)
        _claimEpoch(0, rows);
        assertEq(sla.paidBy(0, vm.addr(K1)), 3e6);
        _endEpoch(0);
        sla.relayReceipts(0, 100, messenger);
        rows = _rows(_row(c1, 4e6, 4e6, K1));
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.EpochClosed.selector, uint64(0)));
        _claimEpoch(0, rows);
    }

    function test_receipts_perBuyerLeaves() public {
        _claimEpoch0();
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.EpochNotOver.selector, uint64(1)));
        sla.relayReceipts(1, 100, messenger);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = PaymentsMerkle.leaf(0, vm.addr(K1), 3e6);
        leaves[1] = PaymentsMerkle.leaf(1, vm.addr(K2), 5e6);
        bytes32 root = PaymentsMerkle.root(leaves);
        // the Escrow's event, with the model id; the mock's message id is keccak256(abi.encode(n, dstChain, message))
        bytes memory first =
            MessageCodec.encodeReceiptBatch(MessageCodec.ReceiptBatch(MODEL, 0, THIS, 0, 2, 8e6, root, false));
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.ReceiptsRelayed(
            MODEL, 0, 0, 0, 2, 8e6, root, false, keccak256(abi.encode(0, HOME, first))
        );
        sla.relayReceipts(0, 2, messenger);
        bytes32 lastRoot = PaymentsMerkle.leaf(2, vm.addr(K3), 1e6);
        bytes memory second =
            MessageCodec.encodeReceiptBatch(MessageCodec.ReceiptBatch(MODEL, 0, THIS, 1, 1, 1e6, lastRoot, true));
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.ReceiptsRelayed(
            MODEL, 0, 1, 2, 1, 1e6, lastRoot, true, keccak256(abi.encode(1, HOME, second))
        );
        sla.relayReceipts(0, 2, messenger);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NothingToRelay.selector, uint64(0)));
        sla.relayReceipts(0, 2, messenger);
        assertEq(messenger.sentCount(), 2);
        assertEq(messenger.sent(0).message, first);
        assertEq(messenger.sent(1).message, second);

        MessageCodec.ReceiptBatch memory b = this.decodeBatch(messenger.sent(0).message);
        assertEq(messenger.sent(0).dstChain, HOME);
        assertEq(b.modelId, MODEL);
        assertEq(b.paymentChain, THIS);
        assertEq(b.count, 2);
        assertEq(b.total, 8e6);
        assertEq(b.paymentsRoot, root);
        assertFalse(b.finalBatch);
        b = this.decodeBatch(messenger.sent(1).message);
        assertEq(b.batchIndex, 1);
        assertEq(b.total, 1e6);
        assertEq(b.paymentsRoot, PaymentsMerkle.leaf(2, vm.addr(K3), 1e6));
        assertTrue(b.finalBatch);
    }

    function test_breach_refundsEachBuyerEpochOnce_withTopUp() public {
        _claimEpoch0();
        sla.relayReceipts(0, 100, messenger);
        // the verdict, then the top-up shared among everything booked (the Escrow's order)
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.VerdictApplied(MODEL, 0, 2_500, keccak256("report"));
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRecorded(MODEL, 0, 1e6, 9e6);
        _verdict(0, 2_500, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.TopUpNotFunded.selector, uint64(0)));
        sla.refund(0, 100);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpFunderSet(vault);
        vm.prank(owner);
        sla.setTopUpFunder(vault);
        token.mint(vault, 1e6);
        vm.prank(vault);
        token.approve(address(sla), 1e6);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpFunded(MODEL, 0, vault, 1e6);
        sla.fundTopUp(0);

        // each buyer-epoch: its tier share and its top-up share, as the Escrow's refund and refundTopUp log them
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Refunded(MODEL, 0, 0, vm.addr(K1), 750_000);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 0, vm.addr(K1), 333_333);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Refunded(MODEL, 0, 1, vm.addr(K2), 1_250_000);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 1, vm.addr(K2), 555_555);
        vm.recordLogs();
        assertEq(sla.refund(0, 2), 2);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Refunded(MODEL, 0, 2, vm.addr(K3), 250_000);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 2, vm.addr(K3), 111_112);
        assertEq(sla.refund(0, 2), 1);
        assertEq(sla.refund(0, 2), 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_count(logs, address(token), TRANSFER), 1 + 3, "one settle, then one transfer per buyer-epoch");
        assertEq(_count(logs, address(sla), REFUNDED), 3, "a tier share per buyer-epoch");
        assertEq(_count(logs, address(sla), TOP_UP_REFUNDED), 3, "a top-up share per buyer-epoch");

        // 25 % of each total, plus the 1 USD top-up pro rata by the cumulative rule (shares sum to exactly 1 USD)
        assertEq(token.balanceOf(vm.addr(K1)), 750_000 + 333_333);
        assertEq(token.balanceOf(vm.addr(K2)), 1_250_000 + 555_555);
        assertEq(token.balanceOf(vm.addr(K3)), 250_000 + 111_112);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Released(MODEL, 0, 9e6 - 2_250_000);
        sla.release(0);
        assertEq(token.balanceOf(address(sla)), 9e6 - 2_250_000);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.AlreadyReleased.selector, uint64(0)));
        sla.release(0);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.TopUpAlreadyFunded.selector, uint64(0)));
        sla.fundTopUp(0);
        assertEq(token.balanceOf(vm.addr(K1)), 750_000 + 333_333, "nothing twice");
    }

    function _indexes(uint256 a, uint256 b) internal pure returns (uint256[] memory out) {
        out = new uint256[](2);
        out[0] = a;
        out[1] = b;
    }

    function test_noVerdict_buyersTakeTheirTotalsBackAfterTheGrace_once() public {
        _claimEpoch0();
        uint256 opensAt = sla.unverdictedWithdrawalOpensAt(0);
        assertEq(opensAt, uint256(GENESIS) + (1 + uint256(GRACE)) * EPOCH);
        vm.warp(opensAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.VerdictGraceNotOver.selector, uint64(0), opensAt));
        sla.withdrawUnverdicted(0, _indexes(0, 1));

        vm.warp(opensAt);
        vm.expectEmit(address(sla));
        emit ISlaReceiver.WithdrawnUnverdicted(MODEL, 0, 0, vm.addr(K1), 3e6);
        vm.expectEmit(address(sla));
        emit ISlaReceiver.WithdrawnUnverdicted(MODEL, 0, 1, vm.addr(K2), 5e6);
        // anyone may push them: the money goes to the buyers only
        vm.prank(makeAddr("anyone"));
        assertEq(sla.withdrawUnverdicted(0, _indexes(0, 1)), 8e6);
        assertEq(token.balanceOf(vm.addr(K1)), 3e6);
        assertEq(token.balanceOf(vm.addr(K2)), 5e6);
        assertTrue(sla.isWithdrawn(0, 0) && sla.isWithdrawn(0, 1) && !sla.isWithdrawn(0, 2));
        // a repeat or a racing call pays nobody twice; an unknown buyer index is refused
        assertEq(sla.withdrawUnverdicted(0, _indexes(1, 0)), 0);
        assertEq(token.balanceOf(vm.addr(K1)), 3e6, "nothing twice");
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.BuyerNotFound.selector, uint64(0), uint256(3)));
        sla.withdrawUnverdicted(0, _indexes(2, 3));
        // the epoch is closed to claims: no total can grow after it was given back
        IX402BatchSettlement.VoucherClaim[] memory more = _rows(_row(c1, 4e6, 4e6, K1));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.EpochClosed.selector, uint64(0)));
        sla.claimEpoch(0, more);
        ISlaReceiver.EpochState memory e = sla.epochState(0);
        assertEq(e.claimed, 1e6, "only buyer 3's total is still booked");
        assertEq(e.withdrawn, 2);
    }

    function test_noVerdict_aLateVerdictRefundsAndReleasesOnlyWhatWasNotWithdrawn() public {
        _claimEpoch0();
        sla.relayReceipts(0, 100, messenger);
        vm.warp(sla.unverdictedWithdrawalOpensAt(0));
        uint256[] memory first = new uint256[](1);
        sla.withdrawUnverdicted(0, first); // buyer 1 (3 USD) takes its total back
        // the verdict comes late: 25 % refund and a 1 USD top-up over what is still booked (5 + 1 USD)
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRecorded(MODEL, 0, 1e6, 6e6);
        _verdict(0, 2_500, 1e6);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.AlreadySettled.selector, uint64(0)));
        sla.withdrawUnverdicted(0, _indexes(1, 2));
        _fundTopUp(0);
        assertEq(sla.refund(0, 100), 3);
        assertEq(token.balanceOf(vm.addr(K1)), 3e6, "no refund or top-up share on top of its whole total");
        assertEq(token.balanceOf(vm.addr(K2)), 1_250_000 + 833_333);
        assertEq(token.balanceOf(vm.addr(K3)), 250_000 + 166_667);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Released(MODEL, 0, 6e6 - 1_500_000);
        sla.release(0);
        assertEq(token.balanceOf(address(sla)), 6e6 - 1_500_000, "exactly the release is left");
    }

    function test_topUpOnly_emitsOnlyTopUpRefunded() public {
        _claimEpoch0();
        sla.relayReceipts(0, 100, messenger);
        // a healthy epoch whose host bond was still slashed for this chain's buyers
        _verdict(0, 0, 1e6);
        assertEq(sla.epochState(0).refundCursor, 0, "the top-up keeps the refunds open");
        _fundTopUp(0);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 0, vm.addr(K1), 333_333);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 1, vm.addr(K2), 555_555);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 2, vm.addr(K3), 111_112);
        vm.recordLogs();
        assertEq(sla.refund(0, 100), 3);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_count(logs, address(sla), REFUNDED), 0, "no tier share, no Refunded");
        assertEq(_count(logs, address(sla), TOP_UP_REFUNDED), 3);
        assertEq(_count(logs, address(token), TRANSFER), 1 + 3, "one settle, then one transfer per buyer-epoch");
        assertEq(token.balanceOf(vm.addr(K2)), 555_555);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Released(MODEL, 0, 9e6);
        sla.release(0);
    }

    function test_topUp_withNobodyBookedIsNotRecorded() public {
        _endEpoch(0);
        vm.recordLogs();
        _verdict(0, 2_500, 1e6);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_count(logs, address(sla), VERDICT_APPLIED), 1);
        assertEq(_count(logs, address(sla), TOP_UP_RECORDED), 0, "owed to nobody");
        assertEq(sla.epochState(0).topUpDue, 0);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NoTopUp.selector, uint64(0)));
        sla.fundTopUp(0);
    }

    function test_events_areTheEscrowsSignatures() public pure {
        // same declarations, so the Escrow's ABI (escrowAbi off chain) decodes this receiver's settlement logs
        assertEq(IEpochSettlementEvents.VerdictApplied.selector, VERDICT_APPLIED);
        assertEq(IEpochSettlementEvents.TopUpRecorded.selector, TOP_UP_RECORDED);
        assertEq(IEpochSettlementEvents.Refunded.selector, REFUNDED);
        assertEq(IEpochSettlementEvents.TopUpRefunded.selector, TOP_UP_REFUNDED);
        assertEq(
            IEpochSettlementEvents.ReceiptsRelayed.selector,
            keccak256("ReceiptsRelayed(uint256,uint64,uint32,uint32,uint32,uint256,bytes32,bool,bytes32)")
        );
        assertEq(IEpochSettlementEvents.Released.selector, keccak256("Released(uint256,uint64,uint256)"));
        assertEq(
            IEpochSettlementEvents.PaidOut.selector, keccak256("PaidOut(uint256,uint64,uint32,address,uint16,uint256)")
        );
        assertEq(IEpochSettlementEvents.TopUpFunded.selector, keccak256("TopUpFunded(uint256,uint64,address,uint256)"));
    }

    function test_healthy_releasesWholeEpoch() public {
        _claimEpoch0();
        sla.relayReceipts(0, 100, messenger);
        vm.recordLogs();
        _verdict(0, 0, 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "a verdict without a top-up records none");
        assertEq(logs[0].topics[0], VERDICT_APPLIED);
        assertEq(sla.refund(0, 100), 0);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.Released(MODEL, 0, 9e6);
        sla.release(0);
        sla.settle();
        sla.settle(); // idempotent
        assertEq(token.balanceOf(address(sla)), 9e6);
        assertEq(token.balanceOf(vm.addr(K1)), 0);

        address host = makeAddr("host");
        address creator = makeAddr("creator");
        bytes memory p0 = _payoutMsg(0, 0, creator, 3_333);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.PaidOut(MODEL, 0, 0, creator, 3_333, 2_999_700);
        messenger.deliver(sla, HOME, p0);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.PayoutAlreadyPaid.selector, uint64(0), uint32(0)));
        messenger.deliver(sla, HOME, p0);
        bytes memory over = _payoutMsg(1, 0, host, 6_668);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.SharesExceeded.selector, uint64(0), uint256(10_001)));
        messenger.deliver(sla, HOME, over);
        // 33.33 % rounds down; the payout completing 10,000 bps takes the dust
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.PaidOut(MODEL, 0, 1, host, 6_667, 9e6 - 2_999_700);
        messenger.deliver(sla, HOME, _payoutMsg(1, 0, host, 6_667));
        assertEq(token.balanceOf(creator), 2_999_700);
        assertEq(token.balanceOf(host), 9e6 - 2_999_700);
        assertEq(token.balanceOf(address(sla)), 0);
        assertTrue(sla.isPayoutPaid(0, 1));
    }

    function test_payout_onlyAfterRelease() public {
        _claimEpoch0();
        _verdict(0, 2_500, 0);
        bytes memory p0 = _payoutMsg(0, 0, makeAddr("host"), 10_000);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NotReleased.selector, uint64(0)));
        messenger.deliver(sla, HOME, p0);
        sla.refund(0, 2);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.RefundsPending.selector, uint64(0)));
        sla.release(0);
        sla.refund(0, 100);
        sla.release(0);
        messenger.deliver(sla, HOME, p0);
        assertEq(token.balanceOf(makeAddr("host")), 9e6 - 2_250_000);
        assertEq(token.balanceOf(vm.addr(K2)), 1_250_000);
    }

    function _payoutMsg(uint32 index, uint64 epoch, address payee, uint16 shareBps)
        internal
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodePayout(
            MessageCodec.Payout(MODEL, epoch, index, bytes32(uint256(uint160(payee))), shareBps)
        );
    }

    function test_verdict_homeOnly_thisModelOnly_once() public {
        _claimEpoch0();
        bytes memory v = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 0, 1, bytes32(0), 0));
        vm.expectRevert();
        messenger.deliver(sla, THIS, v);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.WrongModel.selector, MODEL + 1));
        messenger.deliver(sla, HOME, MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL + 1, 0, 1, bytes32(0), 0)));
        messenger.deliver(sla, HOME, v);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.AlreadySettled.selector, uint64(0)));
        messenger.deliver(sla, HOME, v);
        // the verdict closes the epoch to claims
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c1, 4e6, 4e6, K1));
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.EpochClosed.selector, uint64(0)));
        _claimEpoch(0, rows);
    }

    /// @dev A payment chain with an escrow and this model's receiver behind one messenger: the router hands the
    /// model's verdict and payouts to its receiver by model route, listings to the escrow by kind route.
    function test_behindARouter_getsItsModelsVerdictAndPayouts() public {
        MessageRouter router = new MessageRouter(address(this));
        router.setMessenger(address(messenger), true);
        RecordingReceiver escrow = new RecordingReceiver();
        escrow.setMessenger(address(router), true);
        router.setRoute(MessageCodec.KIND_MODEL_LISTING, escrow);
        router.setRoute(MessageCodec.KIND_VERDICT, escrow);
        router.setRoute(MessageCodec.KIND_PAYOUT, escrow);
        router.setModelRoute(MODEL, sla);
        vm.prank(owner);
        sla.setMessenger(address(router), true);

        _claimEpoch0();
        sla.relayReceipts(0, 100, messenger);
        vm.expectEmit(address(sla));
        emit IEpochSettlementEvents.VerdictApplied(MODEL, 0, 2_500, keccak256("report"));
        messenger.deliver(
            router, HOME, MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 0, 2_500, keccak256("report"), 0))
        );
        assertEq(uint8(sla.epochState(0).status), uint8(ISlaReceiver.Status.Settled));
        sla.refund(0, 100);
        sla.release(0);
        address host = makeAddr("host");
        messenger.deliver(router, HOME, _payoutMsg(0, 0, host, 10_000));
        assertEq(token.balanceOf(host), 9e6 - 2_250_000);
        messenger.deliver(
            router,
            HOME,
            MessageCodec.encodeModelListing(MessageCodec.ModelListing(MODEL, GENESIS, EPOCH, 1, 1_000, true, 2, 1))
        );
        assertEq(escrow.count(), 1, "only the listing reached the escrow");
    }

    function test_clone_cannotBeReinitialized() public {
        ISlaReceiver.InitParams memory p;
        p.epochSeconds = 1;
        vm.expectRevert();
        sla.initialize(p);
        ISlaReceiver impl = ISlaReceiver(factory.implementation());
        vm.expectRevert();
        impl.initialize(p);
        assertEq(factory.receiverOf(MODEL), address(sla));
        assertEq(factory.predict(MODEL), address(sla));
    }

    /// @dev How many of `logs` were emitted by `emitter` with topic 0 `topic0`.
    function _count(Vm.Log[] memory logs, address emitter, bytes32 topic0) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics[0] == topic0) ++n;
        }
    }

    function decodeBatch(bytes calldata m) external pure returns (MessageCodec.ReceiptBatch memory) {
        return MessageCodec.decodeReceiptBatch(m);
    }
}
