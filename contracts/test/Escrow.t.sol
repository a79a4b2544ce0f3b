// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC20Errors } from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import { IEpochSettlementEvents } from "../src/interfaces/IEpochSettlementEvents.sol";
import { IEscrow } from "../src/interfaces/IEscrow.sol";
import { IMessageReceiver } from "../src/interfaces/IMessageReceiver.sol";
import { IMessenger } from "../src/interfaces/IMessenger.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { MessengerFees } from "../src/libraries/MessengerFees.sol";
import { PaymentsMerkle } from "../src/libraries/PaymentsMerkle.sol";
import { Listing, EpochRecord, EpochStatus, Payment, TopUp } from "../src/types/EscrowTypes.sol";
import { MockMessenger } from "./mocks/MockMessenger.sol";
import { EscrowFixture } from "./utils/EscrowFixture.sol";

contract EscrowTest is EscrowFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal payee1 = makeAddr("payee1");
    address internal payee2 = makeAddr("payee2");
    address internal vault = makeAddr("vault");

    // ---------------------------------------------------------------- constructor, messengers, dispatch

    function test_constructor_setsImmutables() public view {
        assertEq(address(escrow.token()), address(usd));
        assertEq(escrow.thisChain(), THIS);
        assertEq(escrow.homeChain(), HOME);
        assertEq(escrow.owner(), owner);
        assertTrue(escrow.isMessenger(address(messenger)));
    }

    function test_setMessenger_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        escrow.setMessenger(alice, true);
    }

    function test_receiveMessage_revertsForUnregisteredMessenger() public {
        bytes memory listing =
            MessageCodec.encodeModelListing(MessageCodec.ModelListing(MODEL, GENESIS, EPOCH, 0, PRICE, true, 1, GRACE));
        vm.expectRevert(abi.encodeWithSelector(IMessageReceiver.UnauthorizedMessenger.selector, alice));
        vm.prank(alice);
        escrow.receiveMessage(HOME, listing);
    }

    function test_receiveMessage_revertsFromAnotherChain() public {
        bytes memory listing =
            MessageCodec.encodeModelListing(MessageCodec.ModelListing(MODEL, GENESIS, EPOCH, 0, PRICE, true, 1, GRACE));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, THIS, MessageCodec.KIND_MODEL_LISTING)
        );
        messenger.deliver(escrow, THIS, listing);
    }

    function test_receiveMessage_revertsOnReceiptBatch() public {
        bytes memory batch =
            MessageCodec.encodeReceiptBatch(MessageCodec.ReceiptBatch(MODEL, 0, THIS, 0, 0, 0, bytes32(0), true));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, HOME, MessageCodec.KIND_RECEIPT_BATCH)
        );
        _deliver(batch);
    }

    function test_receiveMessage_revertsOnMalformedMessage() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(2)));
        _deliver(hex"0203");
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, uint8(3), uint256(3)));
        _deliver(hex"010300");
    }

    // ---------------------------------------------------------------- listing

    function test_listing_storesClockAndTerms() public {
        vm.expectEmit(address(escrow));
        emit IEscrow.Listed(MODEL, GENESIS, EPOCH, 0, PRICE, true, 1, GRACE);
        _listDefault();
        Listing memory l = escrow.listing(MODEL);
        assertEq(l.version, 1);
        assertEq(escrow.verdictGraceAt(MODEL, 0), GRACE);
        assertEq(l.genesis, GENESIS);
        assertEq(l.epochSeconds, EPOCH);
        assertEq(l.currentFrom, 0);
        assertTrue(l.currentActive);
        assertEq(l.currentPrice, PRICE);
        assertFalse(l.hasPending);
        (uint256 price, bool active) = escrow.termsAt(MODEL, 0);
        assertEq(price, PRICE);
        assertTrue(active);
    }

    function test_listing_revertsOnZeroEpochSeconds() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ZeroEpochSeconds.selector, MODEL));
        _list(MODEL, GENESIS, 0, 0, PRICE, true);
    }

    function test_listing_revertsOnClockMismatch() public {
        _listDefault();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ClockMismatch.selector, MODEL, GENESIS + 1, EPOCH));
        _list(MODEL, GENESIS + 1, EPOCH, 1, PRICE, true);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ClockMismatch.selector, MODEL, GENESIS, EPOCH * 2));
        _list(MODEL, GENESIS, EPOCH * 2, 1, PRICE, true);
    }

    function test_listing_firstMayApplyFromCurrentEpoch() public {
        vm.warp(GENESIS + 3 * EPOCH + 5);
        _list(MODEL, GENESIS, EPOCH, 3, PRICE, true);
        assertEq(_pay(alice, MODEL, PRICE), 0);
    }

    function test_listing_firstDeliveredLateAppliesFromTheRunningEpoch() public {
        vm.warp(GENESIS + 3 * EPOCH);
        _list(MODEL, GENESIS, EPOCH, 2, PRICE, true);
        assertEq(escrow.listing(MODEL).currentFrom, 3);
        (, bool activeBefore) = escrow.termsAt(MODEL, 2);
        assertFalse(activeBefore);
        assertEq(_pay(alice, MODEL, PRICE), 0);
        assertEq(escrow.epochRecord(MODEL, 3).count, 1);
    }

    /// The review's scenario: the owner retires the model for epoch 2 near the end of epoch 1, the bridge delivers
    /// the listing in epoch 2. It must apply from epoch 3 (not revert forever and leave the model active).
    function test_listing_lateChangeAppliesFromNextEpoch() public {
        _listDefault();
        vm.warp(GENESIS + 2 * EPOCH + 10);
        _list(MODEL, GENESIS, EPOCH, 2, PRICE, false);
        // epoch 2 had started: its terms stay as they were
        (, bool active2) = escrow.termsAt(MODEL, 2);
        assertTrue(active2);
        _pay(alice, MODEL, PRICE);
        // from epoch 3 on, the model is retired on this chain as on the registry
        (, bool active3) = escrow.termsAt(MODEL, 3);
        assertFalse(active3);
        _endEpoch(2);
        usd.mint(alice, PRICE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelInactive.selector, MODEL, uint64(3)));
        escrow.pay(MODEL, PRICE);
    }

    /// Two late listings (v2 retires nothing but reprices from epoch 2, v3 retires the model from epoch 3), both
    /// delivered in epoch 2, in either order: the payment chain ends where the registry is, never on v2.
    function test_listing_outOfOrderVersionsEndOnTheNewest() public {
        for (uint256 order; order < 2; ++order) {
            uint256 id = MODEL + order;
            vm.warp(GENESIS);
            _deliver(_listingMsg(id, GENESIS, EPOCH, 0, PRICE, true, 1, GRACE));
            vm.warp(GENESIS + 2 * EPOCH + 1);
            bytes memory v2 = _listingMsg(id, GENESIS, EPOCH, 2, PRICE * 2, true, 2, GRACE);
            bytes memory v3 = _listingMsg(id, GENESIS, EPOCH, 3, PRICE * 2, false, 3, GRACE);
            if (order == 0) {
                _deliver(v3);
                vm.expectEmit(address(escrow));
                emit IEscrow.ListingIgnored(id, 2, 3);
                _deliver(v2);
            } else {
                _deliver(v2);
                _deliver(v3);
            }
            (uint256 p2, bool a2) = escrow.termsAt(id, 2);
            (, bool a3) = escrow.termsAt(id, 3);
            assertEq(p2, PRICE); // epoch 2 had started: unchanged
            assertTrue(a2);
            assertFalse(a3); // the newest version rules from epoch 3
            assertEq(escrow.listing(id).version, 3);
        }
    }

    /// The owner re-schedules within one epoch (same fromEpoch); the older one arrives last and is ignored.
    function test_listing_olderVersionForTheSameEpochIsIgnored() public {
        _listDefault();
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 1, PRICE * 3, true, 3, GRACE));
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 1, PRICE * 2, true, 2, GRACE));
        (uint256 p1,) = escrow.termsAt(MODEL, 1);
        assertEq(p1, PRICE * 3);
    }

    function test_listing_duplicateDeliveryIsANoOp() public {
        _listDefault();
        bytes memory v2 = _listingMsg(MODEL, GENESIS, EPOCH, 1, PRICE * 2, false, 2, GRACE);
        _deliver(v2);
        Listing memory before = escrow.listing(MODEL);
        vm.warp(GENESIS + 3 * EPOCH);
        vm.expectEmit(address(escrow));
        emit IEscrow.ListingIgnored(MODEL, 2, 2);
        _deliver(v2);
        assertEq(abi.encode(escrow.listing(MODEL)), abi.encode(before));
    }

    function test_listing_revertsOnZeroVerdictGrace() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ZeroVerdictGrace.selector, MODEL));
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 0, PRICE, true, 1, 0));
    }

    function test_verdictGraceAt_keepsEachEpochsGrace() public {
        _listDefault();
        vm.warp(GENESIS + 2 * EPOCH);
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 2, PRICE, true, 2, 5)); // late: from epoch 3
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 4, PRICE, true, 3, 7));
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 4, PRICE, true, 4, 9)); // replaces the unstarted 7
        assertEq(escrow.verdictGraceAt(MODEL, 0), GRACE);
        assertEq(escrow.verdictGraceAt(MODEL, 2), GRACE);
        assertEq(escrow.verdictGraceAt(MODEL, 3), 5);
        assertEq(escrow.verdictGraceAt(MODEL, 4), 9);
        assertEq(escrow.verdictGraceAt(MODEL + 1, 4), 0);
    }

    function test_listing_changeAppliesFromItsEpoch() public {
        _listDefault();
        _list(MODEL, GENESIS, EPOCH, 1, PRICE * 2, true);
        // epoch 0 keeps its price
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, PRICE, PRICE * 2));
        escrow.pay(MODEL, PRICE);
        _pay(alice, MODEL, PRICE * 2);
        (uint256 p0,) = escrow.termsAt(MODEL, 0);
        (uint256 p1,) = escrow.termsAt(MODEL, 1);
        assertEq(p0, PRICE);
        assertEq(p1, PRICE * 2);
    }

    function test_listing_foldsPendingTermsOnceInForce() public {
        _listDefault();
        _list(MODEL, GENESIS, EPOCH, 1, PRICE * 2, true);
        _endEpoch(1); // now epoch 2
        _list(MODEL, GENESIS, EPOCH, 3, PRICE * 3, false);
        Listing memory l = escrow.listing(MODEL);
        assertEq(l.currentFrom, 1);
        assertEq(l.currentPrice, PRICE * 2);
        assertTrue(l.hasPending);
        assertEq(l.pendingFrom, 3);
        assertFalse(l.pendingActive);
        _pay(alice, MODEL, PRICE * 2);
        _endEpoch(2);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelInactive.selector, MODEL, uint64(3)));
        escrow.pay(MODEL, PRICE * 3);
    }

    function test_listing_laterListingReplacesScheduledTerms() public {
        _listDefault();
        _list(MODEL, GENESIS, EPOCH, 2, PRICE * 2, true);
        _list(MODEL, GENESIS, EPOCH, 4, PRICE * 4, true);
        (uint256 p2,) = escrow.termsAt(MODEL, 2);
        (uint256 p4,) = escrow.termsAt(MODEL, 4);
        assertEq(p2, PRICE); // the replaced schedule no longer applies
        assertEq(p4, PRICE * 4);
    }

    function test_listing_replacesTermsThatHaveNotStarted() public {
        vm.warp(GENESIS + EPOCH);
        _list(MODEL, GENESIS, EPOCH, 5, PRICE, true);
        _list(MODEL, GENESIS, EPOCH, 3, PRICE * 3, true);
        Listing memory l = escrow.listing(MODEL);
        assertEq(l.currentFrom, 3);
        assertEq(l.currentPrice, PRICE * 3);
        assertFalse(l.hasPending);
        (, bool active2) = escrow.termsAt(MODEL, 2);
        assertFalse(active2);
    }

    function test_listing_beforeGenesisMayChangeEpochZero() public {
        vm.warp(GENESIS - 100);
        _listDefault();
        _list(MODEL, GENESIS, EPOCH, 0, PRICE * 2, true);
        (uint256 p0,) = escrow.termsAt(MODEL, 0);
        assertEq(p0, PRICE * 2);
    }

    // ---------------------------------------------------------------- pay

    function test_pay_recordsPaymentAndEmits() public {
        _listDefault();
        usd.mint(alice, 3 * PRICE);
        vm.startPrank(alice);
        usd.approve(address(escrow), 3 * PRICE);
        vm.expectEmit(address(escrow));
        emit IEscrow.Paid(MODEL, 0, 0, alice, 3 * PRICE);
        assertEq(escrow.pay(MODEL, 3 * PRICE), 0);
        vm.stopPrank();

        assertEq(_pay(bob, MODEL, PRICE), 1);
        assertEq(usd.balanceOf(address(escrow)), 4 * PRICE);
        Payment memory p = escrow.payment(MODEL, 0, 1);
        assertEq(p.buyer, bob);
        assertEq(p.amount, PRICE);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.paid, 4 * PRICE);
        assertEq(r.count, 2);
        assertEq(uint8(r.status), uint8(EpochStatus.Open));
    }

    function test_pay_goesToTheCurrentEpoch() public {
        _listDefault();
        vm.warp(GENESIS + 2 * EPOCH + 1);
        _pay(alice, MODEL, PRICE);
        assertEq(escrow.epochRecord(MODEL, 2).count, 1);
        assertEq(escrow.epochRecord(MODEL, 0).count, 0);
    }

    function test_pay_revertsWhenNotListed() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelNotListed.selector, MODEL));
        escrow.pay(MODEL, PRICE);
    }

    function test_pay_revertsBeforeGenesis() public {
        vm.warp(GENESIS - 1);
        _listDefault();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.BeforeGenesis.selector, MODEL, GENESIS));
        escrow.pay(MODEL, PRICE);
    }

    function test_pay_revertsWhenInactive() public {
        _list(MODEL, GENESIS, EPOCH, 0, PRICE, false);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelInactive.selector, MODEL, uint64(0)));
        escrow.pay(MODEL, PRICE);
    }

    function test_pay_revertsBeforeTermsStart() public {
        _list(MODEL, GENESIS, EPOCH, 2, PRICE, true);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelInactive.selector, MODEL, uint64(0)));
        escrow.pay(MODEL, PRICE);
    }

    function test_pay_revertsOnZeroAmount() public {
        _listDefault();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, 0, PRICE));
        escrow.pay(MODEL, 0);
    }

    function test_pay_revertsOnAmountNotAMultipleOfPrice() public {
        _listDefault();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, PRICE + 1, PRICE));
        escrow.pay(MODEL, PRICE + 1);
    }

    function test_pay_revertsOnZeroPrice() public {
        _list(MODEL, GENESIS, EPOCH, 0, 0, true);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, 1, 0));
        escrow.pay(MODEL, 1);
    }

    function test_pay_revertsWhenEpochTotalExceedsUint96() public {
        _list(MODEL, GENESIS, EPOCH, 0, 1, true);
        uint256 big = type(uint96).max;
        _pay(alice, MODEL, big);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, 1, 1));
        escrow.pay(MODEL, 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, big + 1, 1));
        escrow.pay(MODEL, big + 1);
    }

    function test_pay_revertsWithoutAllowance() public {
        _listDefault();
        usd.mint(alice, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), 0, PRICE)
        );
        vm.prank(alice);
        escrow.pay(MODEL, PRICE);
    }

    // ---------------------------------------------------------------- relayReceipts

    function test_relayReceipts_sendsBatchesUntilFinal() public {
        _listDefault();
        address[5] memory buyers = [alice, bob, carol, alice, bob];
        for (uint256 i; i < 5; ++i) {
            _pay(buyers[i], MODEL, PRICE * (i + 1));
        }
        _endEpoch(0);
        vm.deal(carol, 1 ether);
        messenger.setFee(0.01 ether);

        uint32[3] memory sizes = [uint32(2), 2, 1];
        uint32 first;
        for (uint32 b; b < 3; ++b) {
            bytes32[] memory leaves = new bytes32[](sizes[b]);
            uint256 total;
            for (uint256 i; i < sizes[b]; ++i) {
                leaves[i] = PaymentsMerkle.leaf(first + i, buyers[first + i], PRICE * (first + i + 1));
                total += PRICE * (first + i + 1);
            }
            bytes32 root = PaymentsMerkle.root(leaves);
            vm.prank(carol);
            bytes32 id = escrow.relayReceipts{ value: 0.01 ether }(MODEL, 0, 2, messenger);

            MockMessenger.Sent memory s = messenger.lastSent();
            assertEq(s.sender, address(escrow));
            assertEq(s.dstChain, HOME);
            assertEq(s.value, 0.01 ether);
            assertEq(id, keccak256(abi.encode(uint256(b), HOME, s.message)));
            MessageCodec.ReceiptBatch memory batch = this.decodeBatch(s.message);
            assertEq(batch.modelId, MODEL);
            assertEq(batch.epoch, 0);
            assertEq(batch.paymentChain, THIS);
            assertEq(batch.batchIndex, b);
            assertEq(batch.count, sizes[b]);
            assertEq(batch.total, total);
            assertEq(batch.paymentsRoot, root);
            assertEq(batch.finalBatch, b == 2);
            first += sizes[b];
        }
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.relayed, 5);
        assertEq(r.batches, 3);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRelay.selector, MODEL, uint64(0)));
        escrow.relayReceipts(MODEL, 0, 2, messenger);
    }

    function test_relayReceipts_emitsReceiptsRelayed() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        bytes32 leaf = PaymentsMerkle.leaf(uint256(0), alice, PRICE);
        bytes memory message =
            MessageCodec.encodeReceiptBatch(MessageCodec.ReceiptBatch(MODEL, 0, THIS, 0, 1, PRICE, leaf, true));
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.ReceiptsRelayed(
            MODEL, 0, 0, 0, 1, PRICE, leaf, true, keccak256(abi.encode(uint256(0), HOME, message))
        );
        escrow.relayReceipts(MODEL, 0, 10, messenger);
    }

    function test_relayReceipts_sendsOneEmptyFinalBatchForAnEpochWithoutPayments() public {
        _listDefault();
        _endEpoch(0);
        escrow.relayReceipts(MODEL, 0, 0, messenger);
        MessageCodec.ReceiptBatch memory batch = this.decodeBatch(messenger.lastSent().message);
        assertEq(batch.count, 0);
        assertEq(batch.total, 0);
        assertEq(batch.paymentsRoot, bytes32(0));
        assertTrue(batch.finalBatch);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToRelay.selector, MODEL, uint64(0)));
        escrow.relayReceipts(MODEL, 0, 10, messenger);
    }

    function test_relayReceipts_paysExactQuoteAndReturnsChange() public {
        _listDefault();
        _endEpoch(0);
        messenger.setFee(0.01 ether);
        vm.deal(carol, 1 ether);
        vm.prank(carol);
        escrow.relayReceipts{ value: 0.3 ether }(MODEL, 0, 10, messenger);
        assertEq(messenger.lastSent().value, 0.01 ether);
        assertEq(carol.balance, 0.99 ether);
        assertEq(address(escrow).balance, 0);
    }

    function test_relayReceipts_revertsBelowQuote() public {
        _listDefault();
        _endEpoch(0);
        messenger.setFee(0.01 ether);
        vm.deal(carol, 1 ether);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(MessengerFees.InsufficientMessagingFee.selector, 0.01 ether, 0.001 ether)
        );
        escrow.relayReceipts{ value: 0.001 ether }(MODEL, 0, 10, messenger);
    }

    function test_relayReceipts_revertsForUnknownMessenger() public {
        _listDefault();
        _endEpoch(0);
        MockMessenger other = new MockMessenger();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.UnknownMessenger.selector, address(other)));
        escrow.relayReceipts(MODEL, 0, 10, other);
    }

    function test_relayReceipts_revertsBeforeEpochEnd() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        vm.warp(GENESIS + EPOCH - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.EpochNotOver.selector, MODEL, uint64(0)));
        escrow.relayReceipts(MODEL, 0, 10, messenger);
    }

    function test_relayReceipts_revertsForUnlistedModel() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelNotListed.selector, MODEL));
        escrow.relayReceipts(MODEL, 0, 10, messenger);
    }

    function test_relayReceipts_revertsOnZeroBatchSize() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        vm.expectRevert(IEscrow.ZeroBatchSize.selector);
        escrow.relayReceipts(MODEL, 0, 0, messenger);
    }

    // ---------------------------------------------------------------- verdict

    function test_verdict_appliesAndEmits() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.VerdictApplied(MODEL, 0, 2500, keccak256("report"));
        _verdict(MODEL, 0, 2500);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(uint8(r.status), uint8(EpochStatus.Settled));
        assertEq(r.refundBps, 2500);
        assertEq(r.refundCursor, 0);
    }

    function test_verdict_revertsWhenAlreadySettled() public {
        _listDefault();
        _endEpoch(0);
        _verdict(MODEL, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadySettled.selector, MODEL, uint64(0)));
        _verdict(MODEL, 0, 5000);
    }

    function test_verdict_revertsBeforeEpochEnd() public {
        _listDefault();
        vm.warp(GENESIS + EPOCH - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.EpochNotOver.selector, MODEL, uint64(0)));
        _verdict(MODEL, 0, 0);
    }

    function test_verdict_revertsForUnlistedModel() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelNotListed.selector, MODEL));
        _verdict(MODEL, 0, 0);
    }

    function test_verdict_acceptedForAnEpochWithoutPayments() public {
        _listDefault();
        _endEpoch(4);
        _verdict(MODEL, 4, 10_000);
        assertEq(escrow.refund(MODEL, 4, 10), 0);
        escrow.release(MODEL, 4);
        assertEq(uint8(escrow.epochRecord(MODEL, 4).status), uint8(EpochStatus.Released));
    }

    function test_verdict_withZeroRefundCompletesRefunds() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 0);
        assertEq(escrow.epochRecord(MODEL, 0).refundCursor, 2);
        assertEq(escrow.refund(MODEL, 0, 10), 0);
        escrow.release(MODEL, 0);
    }

    function test_verdict_revertsOnRefundBpsAboveWhole() public {
        _listDefault();
        _endEpoch(0);
        bytes memory raw = abi.encodePacked(
            MessageCodec.VERSION,
            MessageCodec.KIND_VERDICT,
            abi.encode(MODEL, uint64(0), uint256(10_001), bytes32(0), uint256(0))
        );
        vm.expectRevert(
            abi.encodeWithSelector(MessageCodec.ValueOutOfRange.selector, MessageCodec.KIND_VERDICT, uint256(2))
        );
        _deliver(raw);
    }

    // ---------------------------------------------------------------- refund

    function test_refund_refundsSharesInOrderAndEmits() public {
        _listDefault();
        _pay(alice, MODEL, 3 * PRICE);
        _pay(bob, MODEL, 7 * PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 3333);
        uint256 a = 3 * PRICE * 3333 / 10_000;
        uint256 b = 7 * PRICE * 3333 / 10_000;
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Refunded(MODEL, 0, 0, alice, a);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Refunded(MODEL, 0, 1, bob, b);
        vm.prank(carol);
        assertEq(escrow.refund(MODEL, 0, 10), 2);
        assertEq(usd.balanceOf(alice), a);
        assertEq(usd.balanceOf(bob), b);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.refunded, a + b);
        assertEq(r.refundCursor, 2);
    }

    function test_refund_continuesFromTheCursor() public {
        _listDefault();
        for (uint256 i; i < 5; ++i) {
            _pay(alice, MODEL, PRICE);
        }
        _endEpoch(0);
        _verdict(MODEL, 0, 10_000);
        assertEq(escrow.refund(MODEL, 0, 2), 2);
        assertEq(usd.balanceOf(alice), 2 * PRICE);
        assertEq(escrow.refund(MODEL, 0, 2), 2);
        assertEq(escrow.refund(MODEL, 0, 2), 1);
        assertEq(escrow.refund(MODEL, 0, 2), 0);
        assertEq(usd.balanceOf(alice), 5 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_refund_skipsSharesThatRoundToZero() public {
        _list(MODEL, GENESIS, EPOCH, 0, 1, true);
        _pay(alice, MODEL, 1);
        _pay(bob, MODEL, 20_000);
        _endEpoch(0);
        _verdict(MODEL, 0, 1);
        assertEq(escrow.refund(MODEL, 0, 10), 2);
        assertEq(usd.balanceOf(alice), 0);
        assertEq(usd.balanceOf(bob), 2);
        assertEq(escrow.epochRecord(MODEL, 0).refunded, 2);
    }

    function test_refund_revertsWithoutVerdict() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoVerdict.selector, MODEL, uint64(0)));
        escrow.refund(MODEL, 0, 10);
    }

    /// A blacklisted buyer's refund is credited, the others still get theirs, and the buyer claims it elsewhere.
    function test_refund_creditsABuyerTheTokenRefuses() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, 2 * PRICE);
        _pay(carol, MODEL, 4 * PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 5000);
        usd.setBlacklisted(bob, true);

        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Credited(bob, PRICE);
        assertEq(escrow.refund(MODEL, 0, 3), 3);
        assertEq(usd.balanceOf(alice), PRICE / 2);
        assertEq(usd.balanceOf(carol), 2 * PRICE);
        assertEq(escrow.credit(bob), PRICE);
        assertEq(escrow.totalCredit(), PRICE);
        assertEq(escrow.epochRecord(MODEL, 0).refunded, PRICE / 2 + PRICE + 2 * PRICE);

        // refunds are done, so release is not blocked either
        escrow.release(MODEL, 0);

        address fresh = makeAddr("bob-fresh");
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Claimed(bob, fresh, PRICE);
        vm.prank(bob);
        assertEq(escrow.claim(fresh), PRICE);
        assertEq(usd.balanceOf(fresh), PRICE);
        assertEq(escrow.credit(bob), 0);
        assertEq(escrow.totalCredit(), 0);
    }

    // ---------------------------------------------------------------- release

    function test_release_releasesTheRemainder() public {
        _listDefault();
        _pay(alice, MODEL, 3 * PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 1000);
        escrow.refund(MODEL, 0, 10);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Released(MODEL, 0, 3 * PRICE - 3 * PRICE / 10);
        escrow.release(MODEL, 0);
        assertEq(uint8(escrow.epochRecord(MODEL, 0).status), uint8(EpochStatus.Released));
    }

    function test_release_revertsWithoutVerdict() public {
        _listDefault();
        _endEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoVerdict.selector, MODEL, uint64(0)));
        escrow.release(MODEL, 0);
    }

    function test_release_revertsWhileRefundsArePending() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 1000);
        escrow.refund(MODEL, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.RefundsPending.selector, MODEL, uint64(0), 1, 2));
        escrow.release(MODEL, 0);
    }

    function test_release_revertsWhenAlreadyReleased() public {
        _listDefault();
        _endEpoch(0);
        _verdict(MODEL, 0, 0);
        escrow.release(MODEL, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadyReleased.selector, MODEL, uint64(0)));
        escrow.release(MODEL, 0);
    }

    // ---------------------------------------------------------------- payout

    function _released(uint256 amount) internal {
        _list(MODEL, GENESIS, EPOCH, 0, 1, true);
        _pay(alice, MODEL, amount);
        _endEpoch(0);
        _verdict(MODEL, 0, 0);
        escrow.release(MODEL, 0);
    }

    function test_payout_paysTheShareOfTheReleasedAmount() public {
        _released(1_000_001);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.PaidOut(MODEL, 0, 0, payee1, 3000, 300_000);
        _payout(MODEL, 0, 0, payee1, 3000);
        assertEq(usd.balanceOf(payee1), 300_000);
        assertTrue(escrow.isPayoutPaid(MODEL, 0, 0));
        assertFalse(escrow.isPayoutPaid(MODEL, 0, 1));
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.paidOut, 300_000);
        assertEq(r.paidOutBps, 3000);
    }

    function test_payout_completingShareTakesTheDust() public {
        _released(1_000_001);
        _payout(MODEL, 0, 0, payee1, 3333);
        _payout(MODEL, 0, 1, payee2, 3333);
        _payout(MODEL, 0, 2, payee2, 3334);
        assertEq(usd.balanceOf(payee1), 333_300);
        assertEq(usd.balanceOf(payee2), 333_300 + 333_401);
        assertEq(usd.balanceOf(address(escrow)), 0);
        assertEq(escrow.epochRecord(MODEL, 0).paidOut, 1_000_001);
    }

    function test_payout_revertsBeforeRelease() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotReleased.selector, MODEL, uint64(0)));
        _payout(MODEL, 0, 0, payee1, 100);
        _verdict(MODEL, 0, 100);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotReleased.selector, MODEL, uint64(0)));
        _payout(MODEL, 0, 0, payee1, 100);
    }

    function test_payout_revertsWhenIndexAlreadyPaid() public {
        _released(1000);
        _payout(MODEL, 0, 300, payee1, 100);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.PayoutAlreadyPaid.selector, MODEL, uint64(0), uint32(300)));
        _payout(MODEL, 0, 300, payee2, 100);
        assertTrue(escrow.isPayoutPaid(MODEL, 0, 300));
    }

    function test_payout_revertsOnNonEvmPayee() public {
        _released(1000);
        bytes32 payee = bytes32(uint256(uint160(payee1)) | (uint256(1) << 160));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidPayee.selector, payee));
        _deliver(_payoutMsg(MODEL, 0, 0, payee, 100));
        vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidPayee.selector, bytes32(0)));
        _deliver(_payoutMsg(MODEL, 0, 0, bytes32(0), 100));
    }

    function test_payout_revertsWhenSharesExceedTheWhole() public {
        _released(1000);
        _payout(MODEL, 0, 0, payee1, 9000);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SharesExceeded.selector, MODEL, uint64(0), uint256(10_001)));
        _payout(MODEL, 0, 1, payee2, 1001);
        _payout(MODEL, 0, 1, payee2, 1000);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SharesExceeded.selector, MODEL, uint64(0), uint256(10_001)));
        _payout(MODEL, 0, 2, payee2, 1);
    }

    function test_payout_creditsAPayeeTheTokenRefuses() public {
        _released(1000);
        usd.setBlacklisted(payee1, true);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(escrow.credit(payee1), 1000);
        assertEq(escrow.epochRecord(MODEL, 0).paidOut, 1000);
        vm.prank(payee1);
        escrow.claim(payee2);
        assertEq(usd.balanceOf(payee2), 1000);
    }

    function test_payout_ofNothingAfterAFullRefund() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(0);
        _verdict(MODEL, 0, 10_000);
        escrow.refund(MODEL, 0, 1);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(usd.balanceOf(payee1), 0);
        assertEq(usd.balanceOf(alice), PRICE);
    }

    // ---------------------------------------------------------------- withdrawUnverdicted (no verdict, no lock-in)

    function _indexes(uint256 a) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = a;
    }

    function _indexes(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        list[0] = a;
        list[1] = b;
    }

    /// Finding 1's lock-in: no verdict ever comes for epoch 0. Once epoch 0 + 1 + GRACE has begun, the buyer takes
    /// the whole payment back. (Called by signature so it compiled, and failed, before the function existed.)
    function test_withdrawUnverdicted_givesTheWholePaymentBackAfterTheGrace() public {
        _listDefault();
        _pay(alice, MODEL, 4 * PRICE);
        _endEpoch(GRACE); // epoch 0 + 1 + GRACE begins
        (bool ok,) = address(escrow)
            .call(
                abi.encodeWithSignature("withdrawUnverdicted(uint256,uint64,uint256[])", MODEL, uint64(0), _indexes(0))
            );
        assertTrue(ok);
        assertEq(usd.balanceOf(alice), 4 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    function test_withdrawUnverdicted_opensExactlyAfterTheGrace() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        uint256 opensAt = GENESIS + (1 + uint256(GRACE)) * EPOCH;
        assertEq(escrow.unverdictedWithdrawalOpensAt(MODEL, 0), opensAt);
        vm.warp(opensAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.VerdictGraceNotOver.selector, MODEL, uint64(0), opensAt));
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0));
        vm.warp(opensAt);
        vm.expectEmit(address(escrow));
        emit IEscrow.WithdrawnUnverdicted(MODEL, 0, 0, alice, PRICE);
        vm.prank(carol); // anyone may push it; the money goes to the buyer
        assertEq(escrow.withdrawUnverdicted(MODEL, 0, _indexes(0)), PRICE);
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(usd.balanceOf(carol), 0);
        assertTrue(escrow.isWithdrawn(MODEL, 0, 0));
    }

    function test_withdrawUnverdicted_usesTheGraceOfItsEpoch() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        // a later listing lengthens the grace from epoch 1 on: epoch 0 keeps GRACE
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 1, PRICE, true, 2, 30));
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0));
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(escrow.unverdictedWithdrawalOpensAt(MODEL, 1), GENESIS + (2 + 30) * uint256(EPOCH));
    }

    function test_withdrawUnverdicted_repeatedOrDuplicateIndexesPayOnce() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, 2 * PRICE);
        _endEpoch(GRACE);
        assertEq(escrow.withdrawUnverdicted(MODEL, 0, _indexes(0, 0)), PRICE);
        assertEq(escrow.withdrawUnverdicted(MODEL, 0, _indexes(0, 1)), 2 * PRICE);
        assertEq(escrow.withdrawUnverdicted(MODEL, 0, _indexes(1, 0)), 0);
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(usd.balanceOf(bob), 2 * PRICE);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.refunded, 3 * PRICE);
        assertEq(r.withdrawn, 2);
        assertEq(r.status == EpochStatus.Open, true);
    }

    function test_withdrawUnverdicted_revertsForAnUnknownPayment() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(GRACE);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.PaymentNotFound.selector, MODEL, uint64(0), uint256(1)));
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0, 1));
        assertEq(usd.balanceOf(alice), 0); // nothing moved
    }

    function test_withdrawUnverdicted_revertsOnceAVerdictArrived() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _endEpoch(GRACE);
        _verdict(MODEL, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadySettled.selector, MODEL, uint64(0)));
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0));
    }

    /// The late-verdict race: alice withdraws after the grace, then the verdict (25 %) arrives. Bob gets his 25 %,
    /// alice nothing more, payees get exactly bob's 75 %, and the escrow ends empty.
    function test_withdrawUnverdicted_lateVerdictNeverPaysTwice() public {
        _listDefault();
        _pay(alice, MODEL, 4 * PRICE);
        _pay(bob, MODEL, 2 * PRICE);
        _pay(alice, MODEL, 8 * PRICE);
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0, 2));
        assertEq(usd.balanceOf(alice), 12 * PRICE);
        _verdict(MODEL, 0, 2_500);
        escrow.refund(MODEL, 0, 100);
        assertEq(usd.balanceOf(alice), 12 * PRICE); // withdrawn payments get no refund on top
        assertEq(usd.balanceOf(bob), 2 * PRICE / 4);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(r.refunded, 12 * PRICE + 2 * PRICE / 4);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Released(MODEL, 0, 2 * PRICE - 2 * PRICE / 4);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 6_000);
        _payout(MODEL, 0, 1, payee2, 4_000);
        assertEq(usd.balanceOf(payee1) + usd.balanceOf(payee2), 2 * PRICE - 2 * PRICE / 4);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// Every payment withdrawn, then a full-refund verdict: nobody gets a second payment, nothing is released.
    function test_withdrawUnverdicted_allWithdrawnThenVerdict() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, PRICE);
        _endEpoch(GRACE + 5);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(1, 0));
        _verdict(MODEL, 0, 10_000);
        assertEq(escrow.refund(MODEL, 0, 10), 2);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(usd.balanceOf(bob), PRICE);
        assertEq(usd.balanceOf(payee1), 0);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// A buyer the token refuses is credited, and the others still get theirs.
    function test_withdrawUnverdicted_creditsABlacklistedBuyer() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, 3 * PRICE);
        usd.setBlacklisted(bob, true);
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(1, 0));
        assertEq(usd.balanceOf(alice), PRICE);
        assertEq(escrow.credit(bob), 3 * PRICE);
        vm.prank(bob);
        escrow.claim(carol);
        assertEq(usd.balanceOf(carol), 3 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// Exact balances over random payments, a random subset withdrawn, then a random verdict and full settlement.
    function test_fuzz_withdrawUnverdicted_conservation(uint256 seed, uint16 refundBps) public {
        refundBps = uint16(bound(refundBps, 0, 10_000));
        _listDefault();
        address[3] memory who = [alice, bob, carol];
        uint256 n = bound(seed, 1, 12);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 amount = PRICE * bound(uint256(keccak256(abi.encode(seed, i))), 1, 40);
            _pay(who[i % 3], MODEL, amount);
            total += amount;
        }
        _endEpoch(GRACE);
        uint256 back;
        uint256 expectedRefund;
        for (uint256 i; i < n; ++i) {
            uint256 amount = escrow.payment(MODEL, 0, i).amount;
            if (uint256(keccak256(abi.encode(seed, "w", i))) % 2 == 0) {
                back += escrow.withdrawUnverdicted(MODEL, 0, _indexes(i));
            } else {
                expectedRefund += amount * refundBps / 10_000;
            }
        }
        _verdict(MODEL, 0, refundBps);
        escrow.refund(MODEL, 0, n);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        uint256 buyers = usd.balanceOf(alice) + usd.balanceOf(bob) + usd.balanceOf(carol);
        assertEq(buyers, back + expectedRefund);
        assertEq(usd.balanceOf(payee1), total - back - expectedRefund);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    // ---------------------------------------------------------------- host bond top-ups

    /// alice 1, bob 2, carol 4 prices (17,500): the epoch's payments, in index order.
    function _threePayments() internal {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, 2 * PRICE);
        _pay(carol, MODEL, 4 * PRICE);
    }

    function test_verdict_recordsTheTopUp() public {
        _threePayments();
        _endEpoch(0);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpRecorded(MODEL, 0, 1_000, 7 * PRICE);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        TopUp memory t = escrow.topUpOf(MODEL, 0);
        assertEq(t.due, 1_000);
        assertEq(t.eligible, 7 * PRICE);
        assertFalse(t.funded);
        assertEq(t.cursor, 0);
        assertEq(t.cumulative, 0);
        // a verdict without a top-up records none
        _pay(alice, MODEL, PRICE);
        _endEpoch(1);
        _verdict(MODEL, 1, 1_000);
        assertEq(escrow.topUpOf(MODEL, 1).due, 0);
    }

    /// Payments withdrawn for want of a verdict before it came are not eligible.
    function test_verdict_topUpEligibleExcludesWithdrawnPayments() public {
        _threePayments();
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(1));
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        assertEq(escrow.topUpOf(MODEL, 0).eligible, 5 * PRICE);
    }

    /// Everything was withdrawn before the verdict: the top-up is void, nothing is owed or can be funded.
    function test_verdict_topUpVoidWhenEverythingWasWithdrawn() public {
        _listDefault();
        _pay(alice, MODEL, PRICE);
        _pay(bob, MODEL, PRICE);
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(0, 1));
        vm.expectEmit(address(escrow));
        emit IEscrow.TopUpVoided(MODEL, 0, 1_000);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        assertEq(escrow.topUpOf(MODEL, 0).due, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoTopUp.selector, MODEL, uint64(0)));
        escrow.fundTopUp(MODEL, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoTopUp.selector, MODEL, uint64(0)));
        escrow.refundTopUp(MODEL, 0, 10);
    }

    function test_fundTopUp_pullsTheDueOnce() public {
        _threePayments();
        _endEpoch(0);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        vm.prank(owner);
        escrow.setTopUpFunder(vault);
        usd.mint(vault, 5_000);
        vm.startPrank(vault);
        usd.approve(address(escrow), 5_000);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpFunded(MODEL, 0, vault, 1_000);
        escrow.fundTopUp(MODEL, 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TopUpAlreadyFunded.selector, MODEL, uint64(0)));
        escrow.fundTopUp(MODEL, 0);
        vm.stopPrank();
        assertEq(usd.balanceOf(vault), 4_000);
        assertEq(usd.balanceOf(address(escrow)), 7 * PRICE + 1_000);
        assertTrue(escrow.topUpOf(MODEL, 0).funded);
    }

    function test_fundTopUp_revertsWithoutATopUp() public {
        _threePayments();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoTopUp.selector, MODEL, uint64(0)));
        escrow.fundTopUp(MODEL, 0);
        _endEpoch(0);
        _verdict(MODEL, 0, 1_000);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NoTopUp.selector, MODEL, uint64(0)));
        escrow.fundTopUp(MODEL, 0);
    }

    function test_refundTopUp_revertsBeforeFunding() public {
        _threePayments();
        _endEpoch(0);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TopUpNotFunded.selector, MODEL, uint64(0)));
        escrow.refundTopUp(MODEL, 0, 10);
    }

    /// Cumulative pro rata: 1,000 over 2,500 / 5,000 / 10,000 of 17,500 is 142 / 286 / 572, exactly 1,000.
    function test_refundTopUp_sharesProRataToExactlyTheDue() public {
        _threePayments();
        _endEpoch(0);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        _fundTopUp(vault, MODEL, 0);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 0, alice, 142);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 1, bob, 286);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpRefunded(MODEL, 0, 2, carol, 572);
        assertEq(escrow.refundTopUp(MODEL, 0, 10), 3);
        assertEq(usd.balanceOf(alice), 142);
        assertEq(usd.balanceOf(bob), 286);
        assertEq(usd.balanceOf(carol), 572);
        TopUp memory t = escrow.topUpOf(MODEL, 0);
        assertEq(t.cursor, 3);
        assertEq(t.cumulative, 7 * PRICE);

        // refunds and release are untouched by the top-up: the escrow ends empty
        escrow.refund(MODEL, 0, 10);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(usd.balanceOf(alice), 142 + PRICE / 10);
        assertEq(usd.balanceOf(payee1), 7 * PRICE - 7 * PRICE / 10);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// A withdrawn payment gets no share; the others split the whole due over what is eligible.
    function test_refundTopUp_skipsWithdrawnPayments() public {
        _threePayments();
        _endEpoch(GRACE);
        escrow.withdrawUnverdicted(MODEL, 0, _indexes(1));
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        _fundTopUp(vault, MODEL, 0);
        assertEq(escrow.refundTopUp(MODEL, 0, 10), 3);
        assertEq(usd.balanceOf(alice), 200); // 1,000 * 2,500 / 12,500
        assertEq(usd.balanceOf(bob), 2 * PRICE); // its withdrawal only
        assertEq(usd.balanceOf(carol), 800);
        escrow.refund(MODEL, 0, 10);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    /// A buyer the token refuses is credited its share; the others are paid.
    function test_refundTopUp_creditsABlacklistedBuyer() public {
        _threePayments();
        _endEpoch(0);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        _fundTopUp(vault, MODEL, 0);
        usd.setBlacklisted(bob, true);
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.Credited(bob, 286);
        assertEq(escrow.refundTopUp(MODEL, 0, 10), 3);
        assertEq(usd.balanceOf(alice), 142);
        assertEq(usd.balanceOf(carol), 572);
        assertEq(escrow.credit(bob), 286);
        vm.prank(bob);
        escrow.claim(payee2);
        assertEq(usd.balanceOf(payee2), 286);
    }

    /// The kill switch stops new payments only: funding and sharing a top-up still run.
    function test_refundTopUp_notBlockedByPause() public {
        _threePayments();
        _endEpoch(0);
        vm.prank(owner);
        escrow.pause();
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        _fundTopUp(vault, MODEL, 0);
        assertEq(escrow.refundTopUp(MODEL, 0, 10), 3);
        assertEq(usd.balanceOf(alice) + usd.balanceOf(bob) + usd.balanceOf(carol), 1_000);
    }

    /// Partial and repeated calls: each payment gets its share once, and calls past the end do nothing.
    function test_refundTopUp_eachPaymentOnceAcrossCalls() public {
        _threePayments();
        _endEpoch(0);
        _verdictTopUp(MODEL, 0, 1_000, 1_000);
        _fundTopUp(vault, MODEL, 0);
        assertEq(escrow.refundTopUp(MODEL, 0, 1), 1);
        assertEq(usd.balanceOf(alice), 142);
        assertEq(escrow.refundTopUp(MODEL, 0, 0), 0);
        assertEq(escrow.refundTopUp(MODEL, 0, 1), 1);
        assertEq(escrow.refundTopUp(MODEL, 0, 5), 1);
        vm.recordLogs();
        assertEq(escrow.refundTopUp(MODEL, 0, 5), 0);
        assertEq(escrow.refundTopUp(MODEL, 0, 5), 0);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(usd.balanceOf(alice), 142);
        assertEq(usd.balanceOf(bob), 286);
        assertEq(usd.balanceOf(carol), 572);
        assertEq(usd.balanceOf(address(escrow)), 7 * PRICE);
    }

    /// Random payments, a random subset withdrawn, a random due and batch size: every eligible payment gets exactly
    /// due * cumAfter / eligible - due * cumBefore / eligible, the shares add up to exactly `due`, and after refunds,
    /// release and payout the escrow is empty.
    function test_fuzz_refundTopUp_sharesAddUpToTheDue(uint256 seed, uint256 n, uint96 due, uint256 batch) public {
        n = bound(n, 1, 24);
        due = uint96(bound(due, 1, type(uint96).max));
        batch = bound(batch, 1, 30);
        _list(MODEL, GENESIS, EPOCH, 0, 1, true);
        address[4] memory buyers = [alice, bob, carol, payee2];
        uint256[] memory amounts = new uint256[](n);
        uint256 paid;
        for (uint256 i; i < n; ++i) {
            amounts[i] = bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e15);
            _pay(buyers[i % 4], MODEL, amounts[i]);
            paid += amounts[i];
        }
        _endEpoch(GRACE);
        bool[] memory withdrawn = new bool[](n);
        uint256 eligible;
        for (uint256 i; i < n; ++i) {
            withdrawn[i] = uint256(keccak256(abi.encode(seed, "w", i))) % 3 == 0;
            if (withdrawn[i]) escrow.withdrawUnverdicted(MODEL, 0, _indexes(i));
            else eligible += amounts[i];
        }
        uint256[4] memory before =
            [usd.balanceOf(alice), usd.balanceOf(bob), usd.balanceOf(carol), usd.balanceOf(payee2)];
        _verdictTopUp(MODEL, 0, 0, due);
        if (eligible == 0) {
            assertEq(escrow.topUpOf(MODEL, 0).due, 0);
            return;
        }
        _fundTopUp(vault, MODEL, 0);
        uint256 processed;
        while (escrow.topUpOf(MODEL, 0).cursor < n) {
            processed += escrow.refundTopUp(MODEL, 0, batch);
        }
        assertEq(processed, n);
        assertEq(escrow.refundTopUp(MODEL, 0, batch), 0);

        uint256[4] memory expected;
        uint256 cum;
        for (uint256 i; i < n; ++i) {
            if (withdrawn[i]) continue;
            uint256 share = uint256(due) * (cum + amounts[i]) / eligible - uint256(due) * cum / eligible;
            cum += amounts[i];
            expected[i % 4] += share;
        }
        uint256 sum;
        for (uint256 w; w < 4; ++w) {
            assertEq(usd.balanceOf(buyers[w]) - before[w], expected[w]);
            sum += expected[w];
        }
        assertEq(sum, due);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        assertEq(usd.balanceOf(payee1), eligible);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    // ---------------------------------------------------------------- kill switch

    /// The owner pauses new payments. (Called by signature so it compiled, and failed, before pause existed.)
    function test_pause_refusesNewPayments() public {
        _listDefault();
        vm.prank(owner);
        (bool ok,) = address(escrow).call(abi.encodeWithSignature("pause()"));
        assertTrue(ok);
        usd.mint(alice, PRICE);
        vm.startPrank(alice);
        usd.approve(address(escrow), PRICE);
        vm.expectRevert(abi.encodeWithSignature("EscrowPaused()"));
        escrow.pay(MODEL, PRICE);
        vm.stopPrank();
    }

    function test_pause_byTheGuardianAndEvents() public {
        address guardian = makeAddr("guardian");
        vm.expectEmit(address(escrow));
        emit IEscrow.GuardianSet(guardian);
        vm.prank(owner);
        escrow.setGuardian(guardian);
        assertEq(escrow.guardian(), guardian);
        vm.expectEmit(address(escrow));
        emit IEscrow.Paused(guardian);
        vm.prank(guardian);
        escrow.pause();
        assertTrue(escrow.paused());
        vm.expectEmit(address(escrow));
        emit IEscrow.Unpaused(owner);
        vm.prank(owner);
        escrow.unpause();
        assertFalse(escrow.paused());
        _listDefault();
        _pay(alice, MODEL, PRICE); // payments flow again
    }

    function test_pause_revertsForAnyoneElse() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotOwnerOrGuardian.selector, alice));
        vm.prank(alice);
        escrow.pause();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotOwnerOrGuardian.selector, alice));
        vm.prank(alice);
        escrow.unpause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        escrow.setGuardian(alice);
        // no guardian set: the zero address is nobody
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NotOwnerOrGuardian.selector, address(0)));
        vm.prank(address(0));
        escrow.pause();
    }

    /// A pause stops new money only: relaying, verdicts, refunds, release, payouts, withdrawals and claims all run,
    /// to the exact balance.
    function test_pause_neverBlocksSettlementOrWithdrawals() public {
        _listDefault();
        _pay(alice, MODEL, 4 * PRICE);
        _pay(bob, MODEL, 4 * PRICE);
        _endEpoch(0);
        _pay(alice, MODEL, 4 * PRICE); // epoch 1
        vm.prank(owner);
        escrow.pause();
        escrow.relayReceipts(MODEL, 0, 10, IMessenger(address(messenger)));
        _verdict(MODEL, 0, 5_000);
        usd.setBlacklisted(bob, true);
        escrow.refund(MODEL, 0, 10);
        escrow.release(MODEL, 0);
        _payout(MODEL, 0, 0, payee1, 10_000);
        vm.prank(bob);
        escrow.claim(carol);
        _deliver(_listingMsg(MODEL, GENESIS, EPOCH, 2, PRICE, true, 2, GRACE)); // listings apply too
        // epoch 1's payment has no verdict: after the grace its buyer takes it back, paused or not
        vm.warp(escrow.unverdictedWithdrawalOpensAt(MODEL, 1));
        escrow.withdrawUnverdicted(MODEL, 1, _indexes(0));
        assertEq(usd.balanceOf(alice), 2 * PRICE + 4 * PRICE);
        assertEq(usd.balanceOf(carol), 2 * PRICE);
        assertEq(usd.balanceOf(payee1), 4 * PRICE);
        assertEq(usd.balanceOf(address(escrow)), 0);
    }

    // ---------------------------------------------------------------- claim and views

    function test_claim_revertsWithoutCredit() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.NothingToClaim.selector, alice));
        vm.prank(alice);
        escrow.claim(alice);
    }

    function test_currentEpoch_followsTheClock() public {
        _listDefault();
        assertEq(escrow.currentEpoch(MODEL), 0);
        vm.warp(GENESIS + EPOCH - 1);
        assertEq(escrow.currentEpoch(MODEL), 0);
        vm.warp(GENESIS + 5 * EPOCH);
        assertEq(escrow.currentEpoch(MODEL), 5);
    }

    function test_currentEpoch_revertsBeforeGenesisOrWhenNotListed() public {
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelNotListed.selector, MODEL));
        escrow.currentEpoch(MODEL);
        vm.warp(GENESIS - 1);
        _listDefault();
        vm.expectRevert(abi.encodeWithSelector(IEscrow.BeforeGenesis.selector, MODEL, GENESIS));
        escrow.currentEpoch(MODEL);
    }

    function test_epochEnd_isTheNextEpochStart() public {
        _listDefault();
        assertEq(escrow.epochEnd(MODEL, 0), GENESIS + EPOCH);
        assertEq(escrow.epochEnd(MODEL, 9), GENESIS + 10 * EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.ModelNotListed.selector, MODEL + 1));
        escrow.epochEnd(MODEL + 1, 0);
    }

    function test_termsAt_unlistedIsInactive() public view {
        (uint256 price, bool active) = escrow.termsAt(MODEL, 0);
        assertEq(price, 0);
        assertFalse(active);
    }

    // ---------------------------------------------------------------- fuzz

    /// Refunds of random payment sets in random batch sizes: each buyer gets exactly floor(amount * bps / 1e4) per
    /// payment, once, and refunded + released == paid.
    function test_fuzz_refundAndRelease_conserveMoney(uint256 seed, uint256 n, uint16 bps, uint256 batch) public {
        n = bound(n, 0, 40);
        bps = uint16(bound(bps, 0, 10_000));
        batch = bound(batch, 1, 50);
        _list(MODEL, GENESIS, EPOCH, 0, 1, true);
        address[4] memory buyers = [alice, bob, carol, payee1];
        uint256 paid;
        uint256[4] memory expected;
        for (uint256 i; i < n; ++i) {
            uint256 amount = bound(uint256(keccak256(abi.encode(seed, i))), 1, 1e12);
            uint256 who = uint256(keccak256(abi.encode(seed, i, "buyer"))) % 4;
            _pay(buyers[who], MODEL, amount);
            paid += amount;
            expected[who] += amount * bps / 10_000;
        }
        _endEpoch(0);
        _verdict(MODEL, 0, bps);
        uint256 processed;
        while (escrow.epochRecord(MODEL, 0).refundCursor < n) {
            processed += escrow.refund(MODEL, 0, batch);
        }
        assertEq(escrow.refund(MODEL, 0, batch), 0);
        assertEq(processed, bps == 0 ? 0 : n);
        escrow.release(MODEL, 0);
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        uint256 refunded;
        for (uint256 w; w < 4; ++w) {
            assertEq(usd.balanceOf(buyers[w]), expected[w]);
            refunded += expected[w];
        }
        assertEq(r.refunded, refunded);
        assertEq(r.paid, paid);
        assertEq(uint256(r.refunded) + (r.paid - r.refunded), paid);
        assertEq(usd.balanceOf(address(escrow)), paid - refunded);
    }

    /// Random payout shares: each gets floor(released * share / 1e4) except the one completing 10,000 bps, which
    /// takes the rest; nothing beyond `released` is ever paid.
    function test_fuzz_payout_sharesAndDust(uint256 released, uint256 seed, uint256 k) public {
        released = bound(released, 1, type(uint96).max);
        k = bound(k, 1, 12);
        _released(released);
        uint256 remainingBps = 10_000;
        uint256 paidOut;
        for (uint32 i; i < k; ++i) {
            uint256 share = i + 1 == k ? remainingBps : bound(uint256(keccak256(abi.encode(seed, i))), 0, remainingBps);
            address payee = address(uint160(0x1000 + i));
            _payout(MODEL, 0, i, payee, uint16(share));
            remainingBps -= share;
            uint256 expected = remainingBps == 0 ? released - paidOut : released * share / 10_000;
            assertEq(usd.balanceOf(payee), expected);
            paidOut += expected;
            assertLe(paidOut, released);
            if (remainingBps == 0) break;
        }
        assertEq(paidOut, released);
        assertEq(usd.balanceOf(address(escrow)), 0);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.SharesExceeded.selector, MODEL, uint64(0), uint256(10_001)));
        _payout(MODEL, 0, uint32(k), payee1, 1);
    }

    /// Listing schedules: terms of an epoch that has started never change, and new terms apply from fromEpoch, or
    /// from the next epoch when fromEpoch had already started.
    function test_fuzz_listing_termsOfAStartedEpochNeverChange(uint64 nowEpoch, uint64 fromEpoch, uint256 price)
        public
    {
        nowEpoch = uint64(bound(nowEpoch, 0, 1000));
        fromEpoch = uint64(bound(fromEpoch, 0, 1100));
        price = bound(price, 1, 1e12);
        _listDefault();
        vm.warp(GENESIS + uint256(nowEpoch) * EPOCH + 1);
        (uint256 before,) = escrow.termsAt(MODEL, nowEpoch);
        _list(MODEL, GENESIS, EPOCH, fromEpoch, price, true);
        (uint256 current,) = escrow.termsAt(MODEL, nowEpoch);
        assertEq(current, before);
        // a late listing is clamped to the next epoch
        if (fromEpoch <= nowEpoch) fromEpoch = nowEpoch + 1;
        {
            (uint256 atFrom,) = escrow.termsAt(MODEL, fromEpoch);
            (uint256 beforeFrom,) = escrow.termsAt(MODEL, fromEpoch - 1);
            assertEq(atFrom, price);
            assertEq(beforeFrom, fromEpoch - 1 == nowEpoch ? before : PRICE);
            vm.warp(GENESIS + uint256(fromEpoch) * EPOCH);
            _pay(alice, MODEL, price);
        }
    }

    function test_fuzz_pay_amountMustBeAPositiveMultiple(uint256 price, uint256 amount) public {
        price = bound(price, 1, 1e18);
        amount = bound(amount, 0, type(uint96).max);
        _list(MODEL, GENESIS, EPOCH, 0, price, true);
        if (amount == 0 || amount % price != 0) {
            vm.expectRevert(abi.encodeWithSelector(IEscrow.InvalidAmount.selector, amount, price));
            escrow.pay(MODEL, amount);
        } else {
            _pay(alice, MODEL, amount);
            assertEq(escrow.epochRecord(MODEL, 0).paid, amount);
        }
    }

    function decodeBatch(bytes calldata message) external pure returns (MessageCodec.ReceiptBatch memory) {
        return MessageCodec.decodeReceiptBatch(message);
    }
}
