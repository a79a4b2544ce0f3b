// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessageReceiver } from "../interfaces/IMessageReceiver.sol";
import { SettlementReceiver } from "../SettlementReceiver.sol";

/// @title MessageRouter
/// @notice A messenger has one receiver. On a chain that is both the home chain and a payment chain, one messenger
/// must reach the revenue ledger (receipt batches) and the escrow (listings, verdicts, payouts): this router is that
/// receiver and forwards each message, by kind, to the receiver the owner routed that kind to.
/// @dev The targets must register the router as a messenger. Origin checks stay where they are: the messenger
/// authenticates the emitter and replay, the router accepts only registered messengers, the targets check the
/// source chain and the kind.
contract MessageRouter is SettlementReceiver {
    /// @notice Receiver of each message kind (zero: the kind is refused).
    mapping(uint8 kind => IMessageReceiver target) public routeOf;

    /// @notice Emitted when the owner routes a kind to a receiver (zero removes the route).
    event RouteSet(uint8 indexed kind, address target);

    constructor(address owner_) SettlementReceiver(owner_) { }

    /// @notice Routes messages of `kind` to `target` (zero refuses the kind).
    function setRoute(uint8 kind, IMessageReceiver target) external onlyOwner {
        routeOf[kind] = target;
        emit RouteSet(kind, address(target));
    }

    /// @dev Forwards with the messenger's source chain; a target revert reverts the delivery (the messenger then
    /// keeps the message deliverable).
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal override {
        IMessageReceiver target = routeOf[kind];
        if (address(target) == address(0)) revert UnexpectedMessage(srcChain, kind);
        target.receiveMessage(srcChain, message);
    }
}
