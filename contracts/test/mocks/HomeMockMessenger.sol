// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "../../src/interfaces/IMessenger.sol";

/// @notice Records every send so tests can decode what the home contracts emitted.
contract HomeMockMessenger is IMessenger {
    struct Sent {
        address sender;
        uint32 dstChain;
        bytes message;
        uint256 value;
    }

    Sent[] internal _sent;

    function quote(uint32, bytes calldata) external pure returns (uint256) {
        return 0;
    }

    function send(uint32 dstChain, bytes calldata message) external payable returns (bytes32 messageId) {
        _sent.push(Sent(msg.sender, dstChain, message, msg.value));
        messageId = keccak256(abi.encode(_sent.length, dstChain, message));
        emit MessageSent(dstChain, messageId, message);
    }

    function sentCount() external view returns (uint256) {
        return _sent.length;
    }

    function lastSent() external view returns (Sent memory) {
        return _sent[_sent.length - 1];
    }
}
