// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IMessenger } from "../interfaces/IMessenger.sol";
import { IMessengerConfig } from "../interfaces/IMessengerConfig.sol";
import { IMessageReceiver } from "../interfaces/IMessageReceiver.sol";
import { MessageCodec } from "../libraries/MessageCodec.sol";

/// @title MessengerBase
/// @notice What every slabridge messenger shares whatever its transport: the owner's allowlist of local senders,
/// the receiver, the slabridge <-> transport chain id mapping, outgoing message checks and replay-safe delivery.
/// @dev The transport authenticates the origin (peer / emitter) before calling `_deliver`.
abstract contract MessengerBase is IMessenger, IMessengerConfig, Ownable2Step {
    /// @inheritdoc IMessengerConfig
    mapping(address sender => bool allowed) public isSender;
    /// @inheritdoc IMessengerConfig
    address public receiver;
    /// @inheritdoc IMessengerConfig
    mapping(bytes32 messageId => bool done) public delivered;
    /// @inheritdoc IMessengerConfig
    mapping(uint32 chainId => uint32 transportChain) public transportChainOf;
    /// @inheritdoc IMessengerConfig
    mapping(uint32 transportChain => uint32 chainId) public chainOfTransport;

    modifier onlySender() {
        if (!isSender[msg.sender]) revert UnauthorizedSender(msg.sender);
        _;
    }

    /// @inheritdoc IMessengerConfig
    function setSender(address sender, bool allowed) external onlyOwner {
        isSender[sender] = allowed;
        emit SenderSet(sender, allowed);
    }

    /// @inheritdoc IMessengerConfig
    function setReceiver(address receiver_) external onlyOwner {
        receiver = receiver_;
        emit ReceiverSet(receiver_);
    }

    /// @dev Maps `chainId` to `transportChain` both ways (0 unmaps) and drops the chain's previous mapping, so a
    /// transport chain always resolves to at most one slabridge chain.
    function _setChain(uint32 chainId, uint32 transportChain) internal {
        if (chainId == 0) revert UnknownChain(0);
        if (transportChain != 0) {
            _checkTransportChain(transportChain);
            uint32 holder = chainOfTransport[transportChain];
            if (holder != 0 && holder != chainId) revert TransportChainTaken(transportChain, holder);
        }
        uint32 previous = transportChainOf[chainId];
        if (previous != 0) delete chainOfTransport[previous];
        transportChainOf[chainId] = transportChain;
        if (transportChain != 0) chainOfTransport[transportChain] = chainId;
        emit ChainSet(chainId, transportChain);
    }

    /// @dev Reverts with InvalidTransportChain if the transport cannot address `transportChain`.
    function _checkTransportChain(uint32 transportChain) internal view virtual;

    /// @dev Checks an outgoing message (a valid v1 message to a mapped chain) and returns the transport chain id.
    /// Rejecting malformed bytes here keeps the remote receiver from ever seeing them, and keeps fees unspent.
    function _checkOutgoing(uint32 dstChain, bytes calldata message) internal view returns (uint32 transportChain) {
        MessageCodec.kindOf(message);
        transportChain = transportChainOf[dstChain];
        if (transportChain == 0) revert UnknownChain(dstChain);
    }

    /// @dev Marks `replayKey` before the external call, so a reentrant or repeated delivery of the same message
    /// fails; a receiver revert undoes the mark, so the message can be retried.
    function _deliver(uint32 srcChain, bytes32 replayKey, bytes32 messageId, bytes memory message) internal {
        if (delivered[replayKey]) revert AlreadyDelivered(replayKey);
        delivered[replayKey] = true;
        address target = receiver;
        if (target == address(0)) revert NoReceiver();
        IMessageReceiver(target).receiveMessage(srcChain, message);
        emit MessageDelivered(srcChain, messageId);
    }
}
