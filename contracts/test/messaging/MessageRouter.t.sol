// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test, Vm } from "forge-std/Test.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IMessageReceiver } from "../../src/interfaces/IMessageReceiver.sol";
import { IMessengerConfig } from "../../src/interfaces/IMessengerConfig.sol";
import { IRevenueLedger } from "../../src/interfaces/IRevenueLedger.sol";
import { IWormhole } from "../../src/interfaces/IWormhole.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { MessageRouter } from "../../src/messaging/MessageRouter.sol";
import { WormholeMessenger } from "../../src/messaging/WormholeMessenger.sol";
import { RevenueLedger } from "../../src/RevenueLedger.sol";
import { RecordingReceiver } from "./RecordingReceiver.sol";
import { VaaBuilder } from "./VaaBuilder.sol";
import { WormholeCore } from "./WormholeCore.sol";

/// @notice A chain that is both home and payment chain: its WormholeMessenger trusts its own emitter, delivers to
/// itself through the router, and the router hands receipt batches to the ledger and the rest to the escrow, except
/// the verdicts and payouts of a model routed to its own receiver (a pay-per-call model's SlaReceiver).
contract MessageRouterTest is Test {
    uint32 internal constant HOME = 31_338;
    uint32 internal constant OTHER = 31_337;
    uint16 internal constant WH_HOME = 10_004;
    uint16 internal constant WH_OTHER = 10_002;
    uint256 internal constant MODEL = 2;

    uint256 internal guardianKey;
    IWormhole internal core;
    WormholeMessenger internal messenger;
    MessageRouter internal router;
    RevenueLedger internal ledger;
    RecordingReceiver internal escrow;
    RecordingReceiver internal modelReceiver;
    address internal sender = makeAddr("registry");
    address internal otherMessenger = makeAddr("other chain's messenger");

    function setUp() public {
        address guardian;
        (guardian, guardianKey) = makeAddrAndKey("guardian");
        core = WormholeCore.deploy(guardian, WH_HOME);
        messenger = new WormholeMessenger(address(this), core, 1, HOME);
        messenger.setEmitter(WH_HOME, _b32(address(messenger)), HOME);
        messenger.setEmitter(WH_OTHER, _b32(otherMessenger), OTHER);
        messenger.setSender(sender, true);

        router = new MessageRouter(address(this));
        router.setMessenger(address(messenger), true);
        messenger.setReceiver(address(router));
        ledger = new RevenueLedger(address(this));
        ledger.setMessenger(address(router), true);
        escrow = new RecordingReceiver();
        escrow.setMessenger(address(router), true);
        router.setRoute(MessageCodec.KIND_RECEIPT_BATCH, ledger);
        router.setRoute(MessageCodec.KIND_MODEL_LISTING, escrow);
        router.setRoute(MessageCodec.KIND_VERDICT, escrow);
        router.setRoute(MessageCodec.KIND_PAYOUT, escrow);
        modelReceiver = new RecordingReceiver();
        modelReceiver.setMessenger(address(router), true);
        vm.warp(1_750_000_000);
    }

    function test_selfDelivery_routesAVerdictToTheEscrow() public {
        bytes memory message = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 2_500, keccak256("report"), 0));
        bytes memory vaa = _sendAndSign(message);
        messenger.receiveVaa(vaa);
        assertEq(escrow.count(), 1);
        RecordingReceiver.Delivery memory d = escrow.delivery(0);
        assertEq(d.messenger, address(router), "the router is the escrow's messenger");
        assertEq(d.srcChain, HOME, "self-delivered messages come from this chain");
        assertEq(d.message, message);
    }

    function test_selfDelivery_routesAReceiptBatchToTheLedger() public {
        bytes32 root = keccak256("payments");
        bytes memory message =
            MessageCodec.encodeReceiptBatch(MessageCodec.ReceiptBatch(MODEL, 4, HOME, 0, 3, 30_000, root, true));
        messenger.receiveVaa(_sendAndSign(message));
        IRevenueLedger.Revenue memory revenue = ledger.revenue(MODEL, 4, HOME);
        assertEq(revenue.payments, 3);
        assertEq(revenue.total, 30_000);
        assertTrue(ledger.isChainComplete(MODEL, 4, HOME));
        assertEq(escrow.count(), 0, "nothing reached the escrow");
    }

    function test_selfDelivery_isOnce() public {
        bytes memory vaa = _sendAndSign(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0)));
        messenger.receiveVaa(vaa);
        vm.expectRevert();
        messenger.receiveVaa(vaa);
        assertEq(escrow.count(), 1);
    }

    function test_receiveMessage_revertsForAKindWithoutRoute() public {
        router.setRoute(MessageCodec.KIND_PAYOUT, IMessageReceiver(address(0)));
        bytes memory payout =
            MessageCodec.encodePayout(MessageCodec.Payout(MODEL, 4, 0, _b32(makeAddr("payee")), 10_000));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, HOME, MessageCodec.KIND_PAYOUT)
        );
        vm.prank(address(messenger));
        router.receiveMessage(HOME, payout);
    }

    function test_receiveMessage_revertsForAnUnregisteredCaller() public {
        bytes memory message = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0));
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IMessageReceiver.UnauthorizedMessenger.selector, stranger));
        vm.prank(stranger);
        router.receiveMessage(HOME, message);
    }

    function test_receiveMessage_keepsTheSourceChainOfOtherEmitters() public {
        bytes memory message = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0));
        bytes memory body = VaaBuilder.encodeBody(
            VaaBuilder.Body(
                uint32(block.timestamp), 0, WH_OTHER, _b32(otherMessenger), 0, 1, abi.encodePacked(HOME, message)
            )
        );
        messenger.receiveVaa(VaaBuilder.sign(body, guardianKey, 0));
        assertEq(escrow.delivery(0).srcChain, OTHER, "the escrow sees the real origin and refuses non-home verdicts");
    }

    function test_selfDelivery_routesAModelsVerdictAndPayoutToItsReceiver_listingsToTheEscrow() public {
        router.setModelRoute(MODEL, modelReceiver);
        bytes memory verdict =
            MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 2_500, keccak256("report"), 1e6));
        bytes memory payout =
            MessageCodec.encodePayout(MessageCodec.Payout(MODEL, 4, 0, _b32(makeAddr("payee")), 10_000));
        bytes memory listing = _listing(MODEL);
        messenger.receiveVaa(_sendAndSign(verdict));
        messenger.receiveVaa(_sendAndSign(payout));
        messenger.receiveVaa(_sendAndSign(listing));
        assertEq(modelReceiver.count(), 2);
        assertEq(modelReceiver.delivery(0).message, verdict);
        assertEq(modelReceiver.delivery(0).messenger, address(router));
        assertEq(modelReceiver.delivery(0).srcChain, HOME);
        assertEq(modelReceiver.delivery(1).message, payout);
        assertEq(escrow.count(), 1, "the listing still goes to the escrow");
        assertEq(escrow.delivery(0).message, listing);
    }

    function test_modelRoute_winsForVerdictAndPayout() public {
        router.setModelRoute(MODEL, modelReceiver);
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0)));
        _deliver(MessageCodec.encodePayout(MessageCodec.Payout(MODEL, 4, 0, _b32(makeAddr("payee")), 10_000)));
        assertEq(modelReceiver.count(), 2);
        assertEq(escrow.count(), 0);
    }

    function test_modelRoute_needsNoKindRoute() public {
        router.setModelRoute(MODEL, modelReceiver);
        router.setRoute(MessageCodec.KIND_VERDICT, IMessageReceiver(address(0)));
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0)));
        assertEq(modelReceiver.count(), 1);
        bytes memory other = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL + 1, 4, 0, bytes32(0), 0));
        vm.expectRevert(
            abi.encodeWithSelector(IMessageReceiver.UnexpectedMessage.selector, HOME, MessageCodec.KIND_VERDICT)
        );
        vm.prank(address(messenger));
        router.receiveMessage(HOME, other);
    }

    function test_modelRoute_kindRouteForListingsAndReceiptBatches() public {
        router.setModelRoute(MODEL, modelReceiver);
        _deliver(_listing(MODEL));
        _deliver(
            MessageCodec.encodeReceiptBatch(
                MessageCodec.ReceiptBatch(MODEL, 4, HOME, 0, 3, 30_000, keccak256("payments"), true)
            )
        );
        assertEq(modelReceiver.count(), 0, "listings and receipt batches follow their kind's route");
        assertEq(escrow.count(), 1);
        assertEq(ledger.revenue(MODEL, 4, HOME).payments, 3);
    }

    function test_modelRoute_otherModelsFollowTheKindRoute() public {
        router.setModelRoute(MODEL, modelReceiver);
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL + 1, 4, 0, bytes32(0), 0)));
        _deliver(MessageCodec.encodePayout(MessageCodec.Payout(MODEL + 1, 4, 0, _b32(makeAddr("payee")), 10_000)));
        assertEq(escrow.count(), 2);
        assertEq(modelReceiver.count(), 0);
    }

    function test_setModelRoute_zeroRemovesTheRoute() public {
        vm.expectEmit(address(router));
        emit MessageRouter.ModelRouteSet(MODEL, address(modelReceiver));
        router.setModelRoute(MODEL, modelReceiver);
        assertEq(address(router.modelRouteOf(MODEL)), address(modelReceiver));
        vm.expectEmit(address(router));
        emit MessageRouter.ModelRouteSet(MODEL, address(0));
        router.setModelRoute(MODEL, IMessageReceiver(address(0)));
        assertEq(address(router.modelRouteOf(MODEL)), address(0));
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 4, 0, bytes32(0), 0)));
        assertEq(escrow.count(), 1, "back to the kind's route");
        assertEq(modelReceiver.count(), 0);
    }

    function test_setModelRoute_onlyOwner() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        router.setModelRoute(MODEL, IMessageReceiver(stranger));
    }

    function test_receiveMessage_revertsTypedForATooShortMessage() public {
        router.setModelRoute(MODEL, modelReceiver);
        // a verdict cut inside its model id, and a bare header: no model to route by
        bytes memory cut = abi.encodePacked(MessageCodec.VERSION, MessageCodec.KIND_VERDICT, bytes16(0));
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, MessageCodec.KIND_VERDICT, 18));
        vm.prank(address(messenger));
        router.receiveMessage(HOME, cut);
        bytes memory header = abi.encodePacked(MessageCodec.VERSION, MessageCodec.KIND_PAYOUT);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, MessageCodec.KIND_PAYOUT, 2));
        vm.prank(address(messenger));
        router.receiveMessage(HOME, header);
        assertEq(modelReceiver.count() + escrow.count(), 0);
    }

    function test_setRoute_onlyOwner() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        router.setRoute(MessageCodec.KIND_VERDICT, IMessageReceiver(stranger));
    }

    function test_setEmitter_allowsTheMessengerToTrustItself() public view {
        assertEq(messenger.emitters(WH_HOME), _b32(address(messenger)));
        assertEq(messenger.chainOfTransport(WH_HOME), HOME);
        assertEq(IMessengerConfig(address(messenger)).transportChainOf(HOME), WH_HOME);
    }

    /// @dev Sends `message` to this chain through the messenger and signs the VAA the guardian would observe.
    function _sendAndSign(bytes memory message) internal returns (bytes memory) {
        vm.recordLogs();
        vm.prank(sender);
        messenger.send(HOME, message);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter == address(core) && logs[i].topics[0] == IWormhole.LogMessagePublished.selector) {
                (uint64 sequence, uint32 nonce, bytes memory payload, uint8 consistency) =
                    abi.decode(logs[i].data, (uint64, uint32, bytes, uint8));
                return VaaBuilder.sign(
                    VaaBuilder.Body(
                        uint32(block.timestamp),
                        nonce,
                        WH_HOME,
                        _b32(address(messenger)),
                        sequence,
                        consistency,
                        payload
                    ),
                    guardianKey
                );
            }
        }
        revert("no LogMessagePublished");
    }

    /// @dev Hands `message` to the router as its messenger would.
    function _deliver(bytes memory message) internal {
        vm.prank(address(messenger));
        router.receiveMessage(HOME, message);
    }

    function _listing(uint256 modelId) internal view returns (bytes memory) {
        return MessageCodec.encodeModelListing(
            MessageCodec.ModelListing(modelId, uint64(block.timestamp), 1 hours, 0, 1_000, true, 1, 1)
        );
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
