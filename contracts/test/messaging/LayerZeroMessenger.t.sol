// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { TestHelperOz5 } from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { EnforcedOptionParam } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import { IOAppCore } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import { OAppReceiver } from "@layerzerolabs/oapp-evm/contracts/oapp/OAppReceiver.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { Errors } from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/Errors.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IMessenger } from "../../src/interfaces/IMessenger.sol";
import { IMessengerConfig } from "../../src/interfaces/IMessengerConfig.sol";
import { ILayerZeroMessenger } from "../../src/interfaces/ILayerZeroMessenger.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { LayerZeroMessenger } from "../../src/messaging/LayerZeroMessenger.sol";
import { RecordingReceiver } from "./RecordingReceiver.sol";

/// @notice LayerZeroMessenger between two EndpointV2s wired with the ULN302 send/receive libraries, DVN and executor
/// of LayerZero's test-devtools (TestHelperOz5).
contract LayerZeroMessengerTest is TestHelperOz5 {
    using OptionsBuilder for bytes;

    uint32 internal constant A_EID = 1;
    uint32 internal constant B_EID = 2;
    uint32 internal constant CHAIN_A = 8453; // home chain
    uint32 internal constant CHAIN_B = 42161; // payment chain
    uint32 internal constant CHAIN_C = 10;
    uint128 internal constant RECEIVE_GAS = 300_000;

    LayerZeroMessenger internal messengerA;
    LayerZeroMessenger internal messengerB;
    RecordingReceiver internal receiverB;
    address internal sender = makeAddr("oracle");

    function setUp() public override {
        super.setUp();
        setUpEndpoints(2, LibraryType.UltraLightNode);
        messengerA = new LayerZeroMessenger(endpoints[A_EID], address(this));
        messengerB = new LayerZeroMessenger(endpoints[B_EID], address(this));

        address[] memory oapps = new address[](2);
        oapps[0] = address(messengerA);
        oapps[1] = address(messengerB);
        wireOApps(oapps);
        _route(messengerA, CHAIN_B, B_EID);
        _route(messengerB, CHAIN_A, A_EID);

        messengerA.setSender(sender, true);
        receiverB = new RecordingReceiver();
        receiverB.setMessenger(address(messengerB), true);
        messengerB.setReceiver(address(receiverB));
        vm.deal(sender, 10 ether);
    }

    // ---------------------------------------------------------------- send and deliver

    function test_send_deliversToReceiverOnDestination() public {
        bytes memory message = _verdict(7);
        bytes32 guid = _send(message);

        vm.expectEmit(address(messengerB));
        emit IMessenger.MessageDelivered(CHAIN_A, guid);
        this.verifyPackets(B_EID, address(messengerB));

        assertEq(receiverB.count(), 1);
        RecordingReceiver.Delivery memory d = receiverB.delivery(0);
        assertEq(d.messenger, address(messengerB));
        assertEq(d.srcChain, CHAIN_A);
        assertEq(d.message, message);
        assertTrue(messengerB.delivered(guid));
    }

    function test_send_returnsPacketGuid() public {
        bytes32 guid = _send(_verdict(7));
        this.assertGuid(getNextInflightPacket(uint16(B_EID), _b32(address(messengerB))), guid);
    }

    function test_send_emitsMessageSent() public {
        bytes memory message = _verdict(7);
        uint256 fee = messengerA.quote(CHAIN_B, message);
        vm.expectEmit(true, false, false, true, address(messengerA));
        emit IMessenger.MessageSent(CHAIN_B, bytes32(0), message);
        vm.prank(sender);
        messengerA.send{ value: fee }(CHAIN_B, message);
    }

    function test_send_deliversInOrderAcrossMessages() public {
        _send(_verdict(1));
        _send(_verdict(2));
        verifyPackets(B_EID, address(messengerB));
        assertEq(receiverB.count(), 2);
        assertEq(receiverB.delivery(0).message, _verdict(1));
        assertEq(receiverB.delivery(1).message, _verdict(2));
    }

    function test_send_refundsExcessToCaller() public {
        bytes memory message = _verdict(7);
        uint256 fee = messengerA.quote(CHAIN_B, message);
        uint256 before = sender.balance;
        vm.prank(sender);
        messengerA.send{ value: fee + 1 ether }(CHAIN_B, message);
        assertEq(sender.balance, before - fee, "caller pays exactly the quote");
        assertEq(address(messengerA).balance, 0);
    }

    function test_send_revertsBelowQuote() public {
        bytes memory message = _verdict(7);
        uint256 fee = messengerA.quote(CHAIN_B, message);
        vm.expectRevert(abi.encodeWithSelector(Errors.LZ_InsufficientFee.selector, fee, fee - 1, 0, 0));
        vm.prank(sender);
        messengerA.send{ value: fee - 1 }(CHAIN_B, message);
    }

    function test_send_revertsForUnauthorizedSender() public {
        address stranger = makeAddr("stranger");
        vm.deal(stranger, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UnauthorizedSender.selector, stranger));
        vm.prank(stranger);
        messengerA.send{ value: 1 ether }(CHAIN_B, _verdict(1));
    }

    function test_send_revertsForInvalidMessage() public {
        bytes memory message = _verdict(1);
        message[0] = 0x02;
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(2)));
        vm.prank(sender);
        messengerA.send{ value: 1 ether }(CHAIN_B, message);

        bytes memory short = hex"0103";
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, uint8(3), uint256(2)));
        vm.prank(sender);
        messengerA.send{ value: 1 ether }(CHAIN_B, short);

        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(0)));
        vm.prank(sender);
        messengerA.send{ value: 1 ether }(CHAIN_B, "");

        assertFalse(hasPendingPackets(uint16(B_EID), _b32(address(messengerB))), "nothing left the chain");
    }

    function test_send_revertsForUnknownChain() public {
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UnknownChain.selector, CHAIN_C));
        vm.prank(sender);
        messengerA.send{ value: 1 ether }(CHAIN_C, _verdict(1));
    }

    function test_send_revertsWithoutEnforcedOptions() public {
        // Without an lzReceive gas limit no executor could deliver, so refuse before paying for the packet.
        LayerZeroMessenger bare = new LayerZeroMessenger(endpoints[A_EID], address(this));
        bare.setPeer(B_EID, _b32(address(messengerB)));
        bare.setChain(CHAIN_B, B_EID);
        bare.setSender(sender, true);
        vm.expectRevert(abi.encodeWithSelector(ILayerZeroMessenger.MissingOptions.selector, B_EID));
        bare.quote(CHAIN_B, _verdict(1));
        vm.expectRevert(abi.encodeWithSelector(ILayerZeroMessenger.MissingOptions.selector, B_EID));
        vm.prank(sender);
        bare.send{ value: 1 ether }(CHAIN_B, _verdict(1));
    }

    function test_quote_returnsPositiveFee() public view {
        assertGt(messengerA.quote(CHAIN_B, _verdict(1)), 0);
    }

    // ---------------------------------------------------------------- forged, replayed, misrouted

    function test_lzReceive_rejectsPacketFromUnknownPeer() public {
        // An attacker deploys the same messenger and points it at B; B never named it as its peer.
        LayerZeroMessenger rogue = new LayerZeroMessenger(endpoints[A_EID], address(this));
        _route(rogue, CHAIN_B, B_EID);
        rogue.setPeer(B_EID, _b32(address(messengerB)));
        rogue.setSender(sender, true);
        bytes memory message = _verdict(1);
        uint256 fee = rogue.quote(CHAIN_B, message);
        vm.prank(sender);
        bytes32 guid = rogue.send{ value: fee }(CHAIN_B, message);

        Origin memory origin = Origin(A_EID, _b32(address(rogue)), 1);
        assertFalse(messengerB.allowInitializePath(origin), "B refuses the path");
        // The DVN's commit fails at the endpoint (LZ_PathNotInitializable), so the executor has nothing to run.
        try this.verifyPackets(B_EID, _b32(address(messengerB))) {
            fail();
        } catch (bytes memory err) {
            assertEq(err, abi.encodeWithSelector(Errors.LZ_InvalidNonce.selector, uint64(1)));
        }
        assertEq(
            ILayerZeroEndpointV2(endpoints[B_EID])
                .inboundPayloadHash(address(messengerB), A_EID, _b32(address(rogue)), 1),
            bytes32(0)
        );
        // Even a (hypothetically) compromised endpoint hits the OApp's own peer check.
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, A_EID, _b32(address(rogue))));
        vm.prank(endpoints[B_EID]);
        messengerB.lzReceive(origin, guid, message, address(0), "");
        assertEq(receiverB.count(), 0);
    }

    function test_lzReceive_rejectsVerifiedPacketAfterPeerRotated() public {
        bytes memory message = _verdict(1);
        bytes32 guid = _send(message);
        this.validatePacket(getNextInflightPacket(uint16(B_EID), _b32(address(messengerB))), "");

        messengerB.setPeer(A_EID, _b32(makeAddr("new A messenger")));
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, A_EID, _b32(address(messengerA))));
        _execute(guid, message, 1);

        messengerB.setPeer(A_EID, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.NoPeer.selector, A_EID));
        _execute(guid, message, 1);
        assertEq(receiverB.count(), 0);
    }

    function test_lzReceive_rejectsPeerWithoutChainMapping() public {
        bytes memory message = _verdict(1);
        bytes32 guid = _send(message);
        this.validatePacket(getNextInflightPacket(uint16(B_EID), _b32(address(messengerB))), "");
        messengerB.setChain(CHAIN_A, 0);
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UntrustedPeer.selector, A_EID, _b32(address(messengerA))));
        _execute(guid, message, 1);
    }

    function test_lzReceive_rejectsReplayedPacket() public {
        bytes memory message = _verdict(1);
        bytes32 guid = _send(message);
        verifyPackets(B_EID, address(messengerB));
        assertEq(receiverB.count(), 1);

        // The endpoint cleared the payload hash on first execution.
        vm.expectRevert(
            abi.encodeWithSelector(
                Errors.LZ_PayloadHashNotFound.selector, bytes32(0), keccak256(abi.encodePacked(guid, message))
            )
        );
        _execute(guid, message, 1);
        assertEq(receiverB.count(), 1, "delivered once");
    }

    function test_lzReceive_rejectsGuidRedeliveredByEndpoint() public {
        bytes memory message = _verdict(1);
        bytes32 guid = _send(message);
        verifyPackets(B_EID, address(messengerB));
        // Defence in depth: should the endpoint ever call twice, the messenger's own GUID mark refuses.
        vm.expectRevert(abi.encodeWithSelector(IMessenger.AlreadyDelivered.selector, guid));
        vm.prank(endpoints[B_EID]);
        messengerB.lzReceive(Origin(A_EID, _b32(address(messengerA)), 1), guid, message, address(0), "");
    }

    function test_lzReceive_revertsForNonEndpointCaller() public {
        vm.expectRevert(abi.encodeWithSelector(OAppReceiver.OnlyEndpoint.selector, address(this)));
        messengerB.lzReceive(Origin(A_EID, _b32(address(messengerA)), 1), bytes32(0), _verdict(1), address(0), "");
    }

    function test_lzReceive_allowsRetryAfterReceiverRevert() public {
        bytes memory message = _verdict(1);
        bytes32 guid = _send(message);
        this.validatePacket(getNextInflightPacket(uint16(B_EID), _b32(address(messengerB))), "");
        receiverB.setRefuse(true);
        vm.expectRevert(RecordingReceiver.Refused.selector);
        _execute(guid, message, 1);
        receiverB.setRefuse(false);
        _execute(guid, message, 1);
        assertEq(receiverB.count(), 1);
    }

    // ---------------------------------------------------------------- configuration

    function test_setChain_revertsForTakenEid() public {
        vm.expectRevert(abi.encodeWithSelector(IMessengerConfig.TransportChainTaken.selector, B_EID, CHAIN_B));
        messengerA.setChain(CHAIN_C, B_EID);
    }

    function test_setChain_remapsBothWays() public {
        messengerA.setChain(CHAIN_B, 7);
        assertEq(messengerA.transportChainOf(CHAIN_B), 7);
        assertEq(messengerA.chainOfTransport(7), CHAIN_B);
        assertEq(messengerA.chainOfTransport(B_EID), 0, "old eid released");
    }

    function test_setSender_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, sender));
        vm.prank(sender);
        messengerA.setSender(sender, true);
    }

    function test_setPeer_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, sender));
        vm.prank(sender);
        messengerB.setPeer(A_EID, _b32(sender));
    }

    function test_transferOwnership_takesTwoSteps() public {
        address next = makeAddr("next owner");
        messengerA.transferOwnership(next);
        assertEq(messengerA.owner(), address(this), "pending until accepted");
        vm.prank(next);
        messengerA.acceptOwnership();
        assertEq(messengerA.owner(), next);
    }

    // ---------------------------------------------------------------- helpers

    function _route(LayerZeroMessenger m, uint32 chainId, uint32 eid) internal {
        m.setChain(chainId, eid);
        EnforcedOptionParam[] memory params = new EnforcedOptionParam[](1);
        params[0] = EnforcedOptionParam(
            eid, m.MSG_TYPE_SEND(), OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0)
        );
        m.setEnforcedOptions(params);
    }

    function _send(bytes memory message) internal returns (bytes32 guid) {
        uint256 fee = messengerA.quote(CHAIN_B, message);
        vm.prank(sender);
        guid = messengerA.send{ value: fee }(CHAIN_B, message);
    }

    /// @dev The executor's call: the endpoint's permissionless lzReceive for (A messenger, nonce).
    function _execute(bytes32 guid, bytes memory message, uint64 nonce) internal {
        ILayerZeroEndpointV2(endpoints[B_EID])
            .lzReceive(Origin(A_EID, _b32(address(messengerA)), nonce), address(messengerB), guid, message, "");
    }

    function _verdict(uint256 modelId) internal pure returns (bytes memory) {
        return MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, 5, 2_500, keccak256("report"), 0));
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
