// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test, Vm } from "forge-std/Test.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IMessenger } from "../../src/interfaces/IMessenger.sol";
import { IMessengerConfig } from "../../src/interfaces/IMessengerConfig.sol";
import { IWormhole } from "../../src/interfaces/IWormhole.sol";
import { IWormholeMessenger } from "../../src/interfaces/IWormholeMessenger.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { WormholeMessenger } from "../../src/messaging/WormholeMessenger.sol";
import { RecordingReceiver } from "./RecordingReceiver.sol";
import { VaaBuilder } from "./VaaBuilder.sol";
import { WormholeCore } from "./WormholeCore.sol";

interface IWormholeGovernance {
    function submitSetMessageFee(bytes memory vaa) external;
}

/// @notice WormholeMessenger against two real Wormhole cores (one per "chain") sharing a one-key guardian set.
contract WormholeMessengerTest is Test {
    uint32 internal constant CHAIN_A = 8453; // home chain
    uint32 internal constant CHAIN_B = 42161; // payment chain
    uint32 internal constant CHAIN_C = 10;
    uint16 internal constant WH_A = 30;
    uint16 internal constant WH_B = 23;
    uint8 internal constant CONSISTENCY = 1;
    bytes32 internal constant SOLANA_EMITTER = keccak256("slabridge solana emitter");

    address internal guardian;
    uint256 internal guardianKey;
    IWormhole internal coreA;
    IWormhole internal coreB;
    WormholeMessenger internal messengerA;
    WormholeMessenger internal messengerB;
    RecordingReceiver internal receiverB;
    address internal sender = makeAddr("oracle");

    function setUp() public {
        (guardian, guardianKey) = makeAddrAndKey("guardian");
        coreA = WormholeCore.deploy(guardian, WH_A);
        coreB = WormholeCore.deploy(guardian, WH_B);
        messengerA = new WormholeMessenger(address(this), coreA, CONSISTENCY, CHAIN_A);
        messengerB = new WormholeMessenger(address(this), coreB, CONSISTENCY, CHAIN_B);

        messengerA.setEmitter(WH_B, _b32(address(messengerB)), CHAIN_B);
        messengerB.setEmitter(WH_A, _b32(address(messengerA)), CHAIN_A);
        messengerB.setEmitter(1, SOLANA_EMITTER, MessageCodec.SOLANA_CHAIN_ID);
        messengerA.setSender(sender, true);

        receiverB = new RecordingReceiver();
        receiverB.setMessenger(address(messengerB), true);
        messengerB.setReceiver(address(receiverB));
        vm.deal(sender, 10 ether);
        vm.warp(1_750_000_000);
    }

    // ---------------------------------------------------------------- send

    function test_send_publishesThroughCore() public {
        bytes memory message = _verdict(7);
        vm.recordLogs();
        vm.prank(sender);
        bytes32 id = messengerA.send(CHAIN_B, message);

        (uint64 sequence, uint32 nonce, bytes memory payload, uint8 consistency) = _published();
        assertEq(payload, abi.encodePacked(CHAIN_B, message), "payload names destination then message");
        assertEq(sequence, 0);
        assertEq(nonce, 0);
        assertEq(consistency, CONSISTENCY);
        assertEq(id, keccak256(abi.encodePacked(WH_A, _b32(address(messengerA)), sequence)), "message id");

        vm.prank(sender);
        messengerA.send(CHAIN_B, message);
        (uint64 second,,,) = _published();
        assertEq(second, 1, "sequence advances per emitter");
    }

    function test_send_emitsMessageSent() public {
        bytes memory message = _verdict(7);
        bytes32 id = keccak256(abi.encodePacked(WH_A, _b32(address(messengerA)), uint64(0)));
        vm.expectEmit(address(messengerA));
        emit IMessenger.MessageSent(CHAIN_B, id, message);
        vm.prank(sender);
        messengerA.send(CHAIN_B, message);
    }

    function test_send_revertsForUnauthorizedSender() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UnauthorizedSender.selector, stranger));
        vm.prank(stranger);
        messengerA.send(CHAIN_B, _verdict(1));
    }

    function test_send_revertsForInvalidMessage() public {
        bytes memory message = _verdict(1);
        message[0] = 0x02; // version 2
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(2)));
        vm.prank(sender);
        messengerA.send(CHAIN_B, message);

        bytes memory truncated = bytes.concat(_verdict(1), hex"00");
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, uint8(3), truncated.length));
        vm.prank(sender);
        messengerA.send(CHAIN_B, truncated);

        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnknownKind.selector, uint8(9)));
        vm.prank(sender);
        messengerA.send(CHAIN_B, hex"0109");
    }

    function test_send_revertsForUnknownChain() public {
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UnknownChain.selector, CHAIN_C));
        vm.prank(sender);
        messengerA.send(CHAIN_C, _verdict(1));
    }

    function test_quote_returnsCoreMessageFee() public {
        assertEq(messengerA.quote(CHAIN_B, _verdict(1)), 0, "fresh core charges nothing");
        _setMessageFee(coreA, WH_A, 0.01 ether);
        assertEq(messengerA.quote(CHAIN_B, _verdict(1)), 0.01 ether);
    }

    function test_send_revertsBelowMessageFee() public {
        _setMessageFee(coreA, WH_A, 0.01 ether);
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.InsufficientFee.selector, 0.005 ether, 0.01 ether));
        vm.prank(sender);
        messengerA.send{ value: 0.005 ether }(CHAIN_B, _verdict(1));
    }

    function test_send_refundsExcessToCaller() public {
        _setMessageFee(coreA, WH_A, 0.01 ether);
        uint256 before = sender.balance;
        vm.prank(sender);
        messengerA.send{ value: 1 ether }(CHAIN_B, _verdict(1));
        assertEq(sender.balance, before - 0.01 ether, "caller pays exactly the fee");
        assertEq(address(coreA).balance, 0.01 ether, "core holds the fee");
        assertEq(address(messengerA).balance, 0);
    }

    // ---------------------------------------------------------------- receive

    function test_receiveVaa_deliversGuardianSignedPublish() public {
        bytes memory message = _verdict(7);
        vm.recordLogs();
        vm.prank(sender);
        bytes32 id = messengerA.send(CHAIN_B, message);
        bytes memory vaa = VaaBuilder.sign(_observe(), guardianKey);

        vm.expectEmit(address(messengerB));
        emit IMessenger.MessageDelivered(CHAIN_A, id);
        vm.prank(makeAddr("relayer"));
        messengerB.receiveVaa(vaa);

        assertEq(receiverB.count(), 1);
        RecordingReceiver.Delivery memory d = receiverB.delivery(0);
        assertEq(d.messenger, address(messengerB));
        assertEq(d.srcChain, CHAIN_A);
        assertEq(d.message, message);
        (IWormhole.VM memory parsed,,) = coreB.parseAndVerifyVM(vaa);
        assertTrue(messengerB.delivered(parsed.hash));
    }

    function test_receiveVaa_deliversFromSolanaEmitter() public {
        bytes memory message = _verdict(3);
        VaaBuilder.Body memory body = _body(1, SOLANA_EMITTER, abi.encodePacked(CHAIN_B, message));
        messengerB.receiveVaa(VaaBuilder.sign(body, guardianKey));
        assertEq(receiverB.count(), 1);
        assertEq(receiverB.delivery(0).srcChain, MessageCodec.SOLANA_CHAIN_ID);
        assertEq(receiverB.delivery(0).message, message);
    }

    function test_receiveVaa_revertsForWrongEmitter() public {
        bytes32 rogue = _b32(makeAddr("rogue"));
        VaaBuilder.Body memory body = _body(WH_A, rogue, abi.encodePacked(CHAIN_B, _verdict(1)));
        vm.expectRevert(abi.encodeWithSelector(IMessenger.UntrustedPeer.selector, uint32(WH_A), rogue));
        messengerB.receiveVaa(VaaBuilder.sign(body, guardianKey));

        // The right emitter address on a chain it does not live on is just as foreign.
        body = _body(WH_B, _b32(address(messengerA)), abi.encodePacked(CHAIN_B, _verdict(1)));
        vm.expectRevert(
            abi.encodeWithSelector(IMessenger.UntrustedPeer.selector, uint32(WH_B), _b32(address(messengerA)))
        );
        messengerB.receiveVaa(VaaBuilder.sign(body, guardianKey));
        assertEq(receiverB.count(), 0);
    }

    function test_receiveVaa_revertsForSignatureOfOtherKey() public {
        (, uint256 otherKey) = makeAddrAndKey("not a guardian");
        bytes memory vaa = VaaBuilder.sign(_bodyFromA(_verdict(1)), otherKey);
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.InvalidVaa.selector, "VM signature invalid"));
        messengerB.receiveVaa(vaa);
        assertEq(receiverB.count(), 0);
    }

    function test_receiveVaa_revertsForTamperedPayload() public {
        bytes memory vaa = VaaBuilder.sign(_bodyFromA(_verdict(1)), guardianKey);
        vaa[vaa.length - 1] = bytes1(uint8(vaa[vaa.length - 1]) ^ 0x01); // flip a bit of reportHash
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.InvalidVaa.selector, "VM signature invalid"));
        messengerB.receiveVaa(vaa);
        assertEq(receiverB.count(), 0);
    }

    function test_receiveVaa_revertsForUnknownGuardianSet() public {
        bytes memory vaa = VaaBuilder.sign(VaaBuilder.encodeBody(_bodyFromA(_verdict(1))), guardianKey, 1);
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.InvalidVaa.selector, "invalid guardian set"));
        messengerB.receiveVaa(vaa);
    }

    function test_receiveVaa_revertsForUnparsableVaa() public {
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.InvalidVaa.selector, "toUint32_outOfBounds"));
        messengerB.receiveVaa(hex"01000000");
        assertEq(receiverB.count(), 0);
    }

    function test_receiveVaa_revertsForReplay() public {
        bytes memory vaa = VaaBuilder.sign(_bodyFromA(_verdict(1)), guardianKey);
        messengerB.receiveVaa(vaa);
        (IWormhole.VM memory parsed,,) = coreB.parseAndVerifyVM(vaa);
        vm.expectRevert(abi.encodeWithSelector(IMessenger.AlreadyDelivered.selector, parsed.hash));
        messengerB.receiveVaa(vaa);
        assertEq(receiverB.count(), 1, "delivered once");
    }

    function test_receiveVaa_revertsForWrongDestination() public {
        VaaBuilder.Body memory body = _body(WH_A, _b32(address(messengerA)), abi.encodePacked(CHAIN_C, _verdict(1)));
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.WrongDestination.selector, CHAIN_C));
        messengerB.receiveVaa(VaaBuilder.sign(body, guardianKey));
        assertEq(receiverB.count(), 0);
    }

    function test_receiveVaa_revertsForPayloadWithoutDestination() public {
        VaaBuilder.Body memory body = _body(WH_A, _b32(address(messengerA)), hex"0000");
        vm.expectRevert(abi.encodeWithSelector(IWormholeMessenger.MalformedPayload.selector, uint256(2)));
        messengerB.receiveVaa(VaaBuilder.sign(body, guardianKey));
    }

    function test_receiveVaa_allowsRetryAfterReceiverRevert() public {
        bytes memory vaa = VaaBuilder.sign(_bodyFromA(_verdict(1)), guardianKey);
        receiverB.setRefuse(true);
        vm.expectRevert(RecordingReceiver.Refused.selector);
        messengerB.receiveVaa(vaa);
        receiverB.setRefuse(false);
        messengerB.receiveVaa(vaa);
        assertEq(receiverB.count(), 1);
    }

    function test_receiveVaa_revertsWithoutReceiver() public {
        messengerB.setReceiver(address(0));
        vm.expectRevert(IMessengerConfig.NoReceiver.selector);
        messengerB.receiveVaa(VaaBuilder.sign(_bodyFromA(_verdict(1)), guardianKey));
    }

    function test_receiveVaa_revertsAfterEmitterRemoved() public {
        messengerB.setEmitter(WH_A, bytes32(0), CHAIN_A);
        assertEq(messengerB.chainOfTransport(WH_A), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMessenger.UntrustedPeer.selector, uint32(WH_A), _b32(address(messengerA)))
        );
        messengerB.receiveVaa(VaaBuilder.sign(_bodyFromA(_verdict(1)), guardianKey));
    }

    // ---------------------------------------------------------------- configuration

    function test_setEmitter_revertsForSolanaMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(IMessengerConfig.InvalidTransportChain.selector, uint32(1)));
        messengerB.setEmitter(1, SOLANA_EMITTER, CHAIN_C);
        vm.expectRevert(abi.encodeWithSelector(IMessengerConfig.InvalidTransportChain.selector, uint32(24)));
        messengerB.setEmitter(24, SOLANA_EMITTER, MessageCodec.SOLANA_CHAIN_ID);
    }

    function test_setEmitter_revertsForTakenWormholeChain() public {
        vm.expectRevert(abi.encodeWithSelector(IMessengerConfig.TransportChainTaken.selector, uint32(WH_A), CHAIN_A));
        messengerB.setEmitter(WH_A, _b32(address(messengerA)), CHAIN_C);
    }

    function test_setEmitter_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, sender));
        vm.prank(sender);
        messengerB.setEmitter(WH_A, _b32(sender), CHAIN_A);
    }

    function test_setSender_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, sender));
        vm.prank(sender);
        messengerA.setSender(sender, true);
    }

    // ---------------------------------------------------------------- helpers

    function _verdict(uint256 modelId) internal pure returns (bytes memory) {
        return MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, 5, 2_500, keccak256("report"), 0));
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function _body(uint16 chain, bytes32 emitter, bytes memory payload) internal view returns (VaaBuilder.Body memory) {
        return VaaBuilder.Body(uint32(block.timestamp), 0, chain, emitter, 0, CONSISTENCY, payload);
    }

    function _bodyFromA(bytes memory message) internal view returns (VaaBuilder.Body memory) {
        return _body(WH_A, _b32(address(messengerA)), abi.encodePacked(CHAIN_B, message));
    }

    /// @dev The last LogMessagePublished of coreA by messengerA.
    function _published() internal returns (uint64 sequence, uint32 nonce, bytes memory payload, uint8 consistency) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; i--) {
            Vm.Log memory l = logs[i - 1];
            if (l.emitter == address(coreA) && l.topics[0] == IWormhole.LogMessagePublished.selector) {
                assertEq(l.topics[1], _b32(address(messengerA)), "emitter is the messenger");
                return abi.decode(l.data, (uint64, uint32, bytes, uint8));
            }
        }
        revert("no LogMessagePublished");
    }

    /// @dev What a guardian observes from the last publish on coreA.
    function _observe() internal returns (VaaBuilder.Body memory) {
        (uint64 sequence, uint32 nonce, bytes memory payload, uint8 consistency) = _published();
        return VaaBuilder.Body(
            uint32(block.timestamp), nonce, WH_A, _b32(address(messengerA)), sequence, consistency, payload
        );
    }

    /// @dev Sets `core`'s message fee through a guardian-signed governance VAA, as Wormhole governance would.
    function _setMessageFee(IWormhole core, uint16 chain, uint256 fee) internal {
        VaaBuilder.Body memory body = VaaBuilder.Body(
            uint32(block.timestamp),
            0,
            WormholeCore.GOVERNANCE_CHAIN,
            WormholeCore.GOVERNANCE_CONTRACT,
            uint64(uint256(keccak256(abi.encode(core, fee)))),
            CONSISTENCY,
            VaaBuilder.setMessageFeePayload(chain, fee)
        );
        IWormholeGovernance(address(core)).submitSetMessageFee(VaaBuilder.sign(body, guardianKey));
        assertEq(core.messageFee(), fee);
    }
}
