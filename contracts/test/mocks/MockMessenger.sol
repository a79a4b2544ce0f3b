// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "../../src/interfaces/IMessenger.sol";
import { IMessageReceiver } from "../../src/interfaces/IMessageReceiver.sol";

/// @notice A messenger that records what it is asked to send and delivers whatever a test hands it. Shared by
/// the payment-chain (Escrow, RevenueLedger) and home-chain (ModelRegistry, SlaOracle) tests; the message id of the
/// n-th send (0-based) is keccak256(abi.encode(n, dstChain, message)).
contract MockMessenger is IMessenger {
    struct Sent {
        address sender;
        uint32 dstChain;
        bytes message;
        uint256 value;
    }

    Sent[] private _sent;
    uint256 public fee;

    function setFee(uint256 fee_) external {
        fee = fee_;
    }

    function quote(uint32, bytes calldata) external view returns (uint256) {
        return fee;
    }

    function send(uint32 dstChain, bytes calldata message) external payable returns (bytes32 messageId) {
        messageId = keccak256(abi.encode(_sent.length, dstChain, message));
        _sent.push(Sent(msg.sender, dstChain, message, msg.value));
        emit MessageSent(dstChain, messageId, message);
    }

    /// @notice Hands `message` to `receiver` as if it had arrived from `srcChain`.
    function deliver(IMessageReceiver receiver, uint32 srcChain, bytes calldata message) external {
        receiver.receiveMessage(srcChain, message);
    }

    function sentCount() external view returns (uint256) {
        return _sent.length;
    }

    function sent(uint256 i) external view returns (Sent memory) {
        return _sent[i];
    }

    function lastSent() external view returns (Sent memory) {
        return _sent[_sent.length - 1];
    }
}
