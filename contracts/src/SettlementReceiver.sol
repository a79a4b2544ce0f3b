// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable2Step, Ownable } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IMessageReceiver } from "./interfaces/IMessageReceiver.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";

/// @title SettlementReceiver
/// @notice The one settlement entry point shared by every slabridge receiver: it trusts only messengers the owner
/// registered (one per transport), checks the message header, and dispatches by kind. Origin authentication
/// (peer/emitter allowlist) and replay protection live in the messengers; the money rules live in the subclass.
abstract contract SettlementReceiver is IMessageReceiver, Ownable2Step {
    /// @notice Messengers allowed to deliver messages (LayerZero OApp, Wormhole messenger).
    mapping(address messenger => bool allowed) public isMessenger;

    /// @notice Emitted when the owner adds or removes a messenger.
    event MessengerSet(address indexed messenger, bool allowed);

    constructor(address owner_) Ownable(owner_) { }

    /// @notice Allows or revokes a messenger.
    function setMessenger(address messenger, bool allowed) external onlyOwner {
        isMessenger[messenger] = allowed;
        emit MessengerSet(messenger, allowed);
    }

    /// @inheritdoc IMessageReceiver
    function receiveMessage(uint32 srcChain, bytes calldata message) external {
        if (!isMessenger[msg.sender]) revert UnauthorizedMessenger(msg.sender);
        _handleMessage(srcChain, MessageCodec.kindOf(message), message);
    }

    /// @dev Handles a header-checked message; must revert with UnexpectedMessage for kinds or chains it refuses.
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal virtual;
}
