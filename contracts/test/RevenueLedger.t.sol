// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { Escrow } from "../src/Escrow.sol";
import { RevenueLedger } from "../src/RevenueLedger.sol";
import { IRevenueLedger } from "../src/interfaces/IRevenueLedger.sol";
import { IMessageReceiver } from "../src/interfaces/IMessageReceiver.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { PaymentsMerkle } from "../src/libraries/PaymentsMerkle.sol";
import { MockMessenger } from "./mocks/MockMessenger.sol";
import { MockStablecoin } from "./mocks/MockStablecoin.sol";

contract RevenueLedgerTest is Test {
    uint32 internal constant HOME = 8453;
    uint32 internal constant ARB = 42_161;
    uint32 internal constant SOL = MessageCodec.SOLANA_CHAIN_ID;
    uint256 internal constant MODEL = 7;

    address internal owner = makeAddr("owner");
    MockMessenger internal messenger;
    RevenueLedger internal ledger;

    function setUp() public {
        messenger = new MockMessenger();
        ledger = new RevenueLedger(owner);
        vm.prank(owner);
        ledger.setMessenger(address(messenger), true);
    }

    function _batch(uint32 chain, uint32 index, uint32 count, uint256 total, bytes32 root, bool isFinal)
        internal
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodeReceiptBatch(
            MessageCodec.ReceiptBatch(MODEL, 3, chain, index, count, total, root, isFinal)
        );
    }

    function _record(uint32 chain, uint32 index, uint32 count, uint256 total, bool isFinal) internal {
        messenger.deliver(ledger, chain, _batch(chain, index, count, total, keccak256(abi.encode(index)), isFinal));
    }

    // ---------------------------------------------------------------- receiveMessage

    function test_receiveMessage_recordsABatchAndEmits() public {
        bytes32 root = keccak256("root");
        vm.expectEmit(address(ledger));
        emit IRevenueLedger.ReceiptBatchRecorded(MODEL, 3, ARB, 0, 4, 1000, root, false);
        messenger.deliver(ledger, ARB, _batch(ARB, 0, 4, 1000, root, false));
        IRevenueLedger.Revenue memory rev = ledger.revenue(MODEL, 3, ARB);
        assertEq(rev.batches, 1);
        assertEq(rev.payments, 4);
        assertEq(rev.total, 1000);
        assertEq(rev.finalBatches, 0);
        (bool recorded, bytes32 stored) = ledger.batchRoot(MODEL, 3, ARB, 0);
        assertTrue(recorded);
        assertEq(stored, root);
        assertFalse(ledger.isChainComplete(MODEL, 3, ARB));
    }

    function test_receiveMessage_completesAChainWhenEveryBatchUpToTheFinalIsIn() public {
        _record(ARB, 2, 1, 30, true);
        assertFalse(ledger.isChainComplete(MODEL, 3, ARB));
        _record(ARB, 0, 10, 100, false);
        assertFalse(ledger.isChainComplete(MODEL, 3, ARB));
        vm.expectEmit(address(ledger));
        emit IRevenueLedger.ChainCompleted(MODEL, 3, ARB, 21, 230);
        _record(ARB, 1, 10, 100, false);
        assertTrue(ledger.isChainComplete(MODEL, 3, ARB));
        IRevenueLedger.Revenue memory rev = ledger.revenue(MODEL, 3, ARB);
        assertEq(rev.payments, 21);
        assertEq(rev.total, 230);
        assertEq(rev.finalBatches, 3);
    }

    function test_receiveMessage_keepsChainsApart() public {
        _record(ARB, 0, 1, 10, true);
        _record(SOL, 0, 2, 20, false);
        assertTrue(ledger.isChainComplete(MODEL, 3, ARB));
        assertFalse(ledger.isChainComplete(MODEL, 3, SOL));
        assertEq(ledger.revenue(MODEL, 3, SOL).total, 20);
    }

    function test_receiveMessage_emptyFinalBatchCompletes() public {
        messenger.deliver(ledger, ARB, _batch(ARB, 0, 0, 0, bytes32(0), true));
        assertTrue(ledger.isChainComplete(MODEL, 3, ARB));
        (bool recorded, bytes32 root) = ledger.batchRoot(MODEL, 3, ARB, 0);
        assertTrue(recorded);
        assertEq(root, bytes32(0));
    }

    function test_receiveMessage_highestBatchIndexCanBeFinal() public {
        _record(ARB, type(uint32).max, 1, 10, true);
        IRevenueLedger.Revenue memory rev = ledger.revenue(MODEL, 3, ARB);
        assertEq(rev.finalBatches, uint64(type(uint32).max) + 1);
        assertFalse(ledger.isChainComplete(MODEL, 3, ARB));
        vm.expectRevert(abi.encodeWithSelector(IRevenueLedger.InconsistentBatch.selector, MODEL, uint64(3), ARB, 7));
        _record(ARB, 7, 1, 10, true);
    }

    function test_receiveMessage_revertsOnDuplicateBatch() public {
        _record(ARB, 0, 1, 10, false);
        vm.expectRevert(abi.encodeWithSelector(IRevenueLedger.DuplicateBatch.selector, MODEL, uint64(3), ARB, 0));
        _record(ARB, 0, 1, 10, false);
    }

    function test_receiveMessage_revertsOnBatchPastTheFinal() public {
        _record(ARB, 1, 1, 10, true);
        vm.expectRevert(abi.encodeWithSelector(IRevenueLedger.InconsistentBatch.selector, MODEL, uint64(3), ARB, 2));
        _record(ARB, 2, 1, 10, false);
    }

    function test_receiveMessage_revertsOnFinalBeforeARecordedIndex() public {
        _record(ARB, 3, 1, 10, false);
        vm.expectRevert(abi.encodeWithSelector(IRevenueLedger.InconsistentBatch.selector, MODEL, uint64(3), ARB, 1));
        _record(ARB, 1, 1, 10, true);
    }

    function test_receiveMessage_revertsOnASecondFinal() public {
        _record(ARB, 2, 1, 10, true);
        vm.expectRevert(abi.encodeWithSelector(IRevenueLedger.InconsistentBatch.selector, MODEL, uint64(3), ARB, 1));
        _record(ARB, 1, 1, 10, true);
    }

    function test_receiveMessage_revertsWhenAChainReportsAnother() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, SOL, MessageCodec.KIND_RECEIPT_BATCH)
        );
        messenger.deliver(ledger, SOL, _batch(ARB, 0, 1, 10, bytes32(0), true));
    }

    function test_receiveMessage_revertsOnOtherKinds() public {
        bytes memory verdict = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 3, 0, bytes32(0), 0));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, ARB, MessageCodec.KIND_VERDICT)
        );
        messenger.deliver(ledger, ARB, verdict);
        bytes memory listing = MessageCodec.encodeModelListing(MessageCodec.ModelListing(MODEL, 0, 1, 0, 1, true, 1, 2));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, ARB, MessageCodec.KIND_MODEL_LISTING)
        );
        messenger.deliver(ledger, ARB, listing);
        bytes memory payout = MessageCodec.encodePayout(MessageCodec.Payout(MODEL, 3, 0, bytes32(uint256(1)), 1));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, ARB, MessageCodec.KIND_PAYOUT)
        );
        messenger.deliver(ledger, ARB, payout);
    }

    function test_receiveMessage_revertsForUnregisteredMessenger() public {
        bytes memory batch = _batch(ARB, 0, 1, 10, bytes32(0), true);
        vm.expectRevert(abi.encodeWithSelector(IMessageReceiver.UnauthorizedMessenger.selector, address(this)));
        ledger.receiveMessage(ARB, batch);
    }

    function test_setMessenger_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        ledger.setMessenger(address(this), true);
    }

    // ---------------------------------------------------------------- verifyPayment

    function test_verifyPayment_provesEveryPaymentOfABatch() public {
        bytes32[] memory leaves = new bytes32[](5);
        for (uint256 i; i < 5; ++i) {
            leaves[i] = PaymentsMerkle.leaf(bytes32(i + 10), bytes32(uint256(0xb0 + i)), 1000 * (i + 1));
        }
        bytes32 root = PaymentsMerkle.root(_copy(leaves));
        messenger.deliver(ledger, SOL, _batch(SOL, 1, 5, 15_000, root, false));
        for (uint256 i; i < 5; ++i) {
            bytes32[] memory proof = PaymentsMerkle.proof(leaves, i);
            assertTrue(
                ledger.verifyPayment(
                    MODEL, 3, SOL, 1, bytes32(i + 10), bytes32(uint256(0xb0 + i)), 1000 * (i + 1), proof
                )
            );
            // wrong amount, wrong batch, wrong chain
            assertFalse(
                ledger.verifyPayment(MODEL, 3, SOL, 1, bytes32(i + 10), bytes32(uint256(0xb0 + i)), 1000 * i + 1, proof)
            );
            assertFalse(
                ledger.verifyPayment(
                    MODEL, 3, SOL, 0, bytes32(i + 10), bytes32(uint256(0xb0 + i)), 1000 * (i + 1), proof
                )
            );
            assertFalse(
                ledger.verifyPayment(
                    MODEL, 3, ARB, 1, bytes32(i + 10), bytes32(uint256(0xb0 + i)), 1000 * (i + 1), proof
                )
            );
        }
    }

    function test_verifyPayment_falseForAnUnrecordedBatch() public view {
        assertFalse(ledger.verifyPayment(MODEL, 3, ARB, 0, bytes32(0), bytes32(0), 0, new bytes32[](0)));
    }

    /// End to end: an escrow's relayed batches land in the ledger, complete the chain, and prove each payment.
    function test_verifyPayment_acceptsWhatAnEscrowRelayed() public {
        MockStablecoin usd = new MockStablecoin();
        MockMessenger toHome = new MockMessenger();
        Escrow escrow = new Escrow(owner, IERC20(address(usd)), ARB, HOME);
        vm.startPrank(owner);
        escrow.setMessenger(address(toHome), true);
        vm.stopPrank();
        vm.warp(1000);
        toHome.deliver(
            escrow, HOME, MessageCodec.encodeModelListing(MessageCodec.ModelListing(MODEL, 1000, 100, 0, 5, true, 1, 2))
        );
        bytes32[] memory leaves = new bytes32[](7);
        for (uint256 i; i < 7; ++i) {
            address buyer = address(uint160(0xb0 + i));
            usd.mint(buyer, 5 * (i + 1));
            vm.startPrank(buyer);
            usd.approve(address(escrow), 5 * (i + 1));
            escrow.pay(MODEL, 5 * (i + 1));
            vm.stopPrank();
            leaves[i] = PaymentsMerkle.leaf(i, buyer, 5 * (i + 1));
        }
        vm.warp(1100);
        // relay 4 + 3 and carry both messages to the ledger
        for (uint256 b; b < 2; ++b) {
            escrow.relayReceipts(MODEL, 0, 4, toHome);
            messenger.deliver(ledger, ARB, toHome.lastSent().message);
        }
        assertTrue(ledger.isChainComplete(MODEL, 0, ARB));
        assertEq(ledger.revenue(MODEL, 0, ARB).total, 5 * 28);
        assertEq(ledger.revenue(MODEL, 0, ARB).payments, 7);
        bytes32[] memory second = new bytes32[](3);
        for (uint256 i; i < 3; ++i) {
            second[i] = leaves[4 + i];
        }
        for (uint256 i; i < 3; ++i) {
            assertTrue(
                ledger.verifyPayment(
                    MODEL,
                    0,
                    ARB,
                    1,
                    bytes32(4 + i),
                    bytes32(uint256(0xb0 + 4 + i)),
                    5 * (5 + i),
                    PaymentsMerkle.proof(second, i)
                )
            );
        }
    }

    // ---------------------------------------------------------------- fuzz

    /// Batches arriving in any order: the chain is complete exactly when the last missing one arrives, and the
    /// totals are the sums.
    function test_fuzz_receiveMessage_anyOrderCompletesOnce(uint256 n, uint256 seed) public {
        n = bound(n, 1, 20);
        uint32[] memory order = new uint32[](n);
        for (uint256 i; i < n; ++i) {
            order[i] = uint32(i);
        }
        for (uint256 i = n - 1; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % (i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        uint256 total;
        for (uint256 k; k < n; ++k) {
            assertFalse(ledger.isChainComplete(MODEL, 3, ARB));
            uint32 index = order[k];
            _record(ARB, index, index + 1, 10 * (index + 1), index == n - 1);
            total += 10 * (index + 1);
        }
        assertTrue(ledger.isChainComplete(MODEL, 3, ARB));
        IRevenueLedger.Revenue memory rev = ledger.revenue(MODEL, 3, ARB);
        assertEq(rev.total, total);
        assertEq(rev.payments, n * (n + 1) / 2);
        assertEq(rev.batches, n);
    }

    function _copy(bytes32[] memory a) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}
