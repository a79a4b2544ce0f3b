// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessageReceiver } from "../../src/interfaces/IMessageReceiver.sol";

/// @notice Test receiver: records every delivery, optionally reverts, and only accepts its messenger(s).
contract RecordingReceiver is IMessageReceiver {
    struct Delivery {
        address messenger;
        uint32 srcChain;
        bytes message;
    }

    error Refused();

    Delivery[] internal _deliveries;
    mapping(address messenger => bool) public isMessenger;
    bool public refuse;

    function setMessenger(address messenger, bool allowed) external {
        isMessenger[messenger] = allowed;
    }

    function setRefuse(bool refuse_) external {
        refuse = refuse_;
    }

    function receiveMessage(uint32 srcChain, bytes calldata message) external {
        if (!isMessenger[msg.sender]) revert UnauthorizedMessenger(msg.sender);
        if (refuse) revert Refused();
        _deliveries.push(Delivery(msg.sender, srcChain, message));
    }

    function count() external view returns (uint256) {
        return _deliveries.length;
    }

    function delivery(uint256 i) external view returns (Delivery memory) {
        return _deliveries[i];
    }
}
