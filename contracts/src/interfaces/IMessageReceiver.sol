// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMessageReceiver
/// @notice The single settlement entry point of a slabridge contract (escrow on payment chains, revenue ledger on the
/// home chain). Messengers call it after they authenticated the message's origin and checked it was not replayed.
interface IMessageReceiver {
    /// @notice The caller is not a registered messenger.
    error UnauthorizedMessenger(address caller);
    /// @notice The message kind is valid but this receiver does not accept it, or not from that chain.
    error UnexpectedMessage(uint32 srcChain, uint8 kind);

    /// @notice Handles one slabridge message that arrived from `srcChain` (a slabridge chain id).
    function receiveMessage(uint32 srcChain, bytes calldata message) external;
}
