// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessageReceiver } from "../interfaces/IMessageReceiver.sol";
import { MessageCodec } from "../libraries/MessageCodec.sol";
import { SettlementReceiver } from "../SettlementReceiver.sol";

/// @title MessageRouter
/// @notice A messenger has one receiver. On a chain that is both the home chain and a payment chain, one messenger
/// must reach the revenue ledger (receipt batches) and the escrow (listings, verdicts, payouts); on a payment chain
/// with pay per call, each model has its own SlaReceiver (one clone per model) that must get that model's verdicts
/// and payouts, while listings still go to the escrow. This router is that receiver: it forwards a Verdict or Payout
/// (the kinds that name one model) to the receiver the owner routed its model to, and any other message, or one for a
/// model without a route, to the receiver the owner routed its kind to.
/// @dev The targets must register the router as a messenger. Origin checks stay where they are: the messenger
/// authenticates the emitter and replay, the router accepts only registered messengers, the targets check the
/// source chain, the kind and the model.
contract MessageRouter is SettlementReceiver {
    /// @notice Receiver of each message kind (zero: the kind is refused, unless its model has a route).
    mapping(uint8 kind => IMessageReceiver target) public routeOf;
    /// @notice Receiver of a model's Verdict and Payout messages (zero: they follow their kind's route).
    mapping(uint256 modelId => IMessageReceiver target) public modelRouteOf;

    /// @notice Emitted when the owner routes a kind to a receiver (zero removes the route).
    event RouteSet(uint8 indexed kind, address target);
    /// @notice Emitted when the owner routes a model's verdicts and payouts to a receiver (zero removes the route).
    event ModelRouteSet(uint256 indexed modelId, address target);

    constructor(address owner_) SettlementReceiver(owner_) { }

    /// @notice Routes messages of `kind` to `target` (zero refuses the kind).
    function setRoute(uint8 kind, IMessageReceiver target) external onlyOwner {
        routeOf[kind] = target;
        emit RouteSet(kind, address(target));
    }

    /// @notice Routes `modelId`'s Verdict and Payout messages to `target`, ahead of their kind's route (zero removes
    /// the model's route, so they follow the kind's route again).
    function setModelRoute(uint256 modelId, IMessageReceiver target) external onlyOwner {
        modelRouteOf[modelId] = target;
        emit ModelRouteSet(modelId, address(target));
    }

    /// @dev Forwards with the messenger's source chain; a target revert reverts the delivery (the messenger then
    /// keeps the message deliverable). Only the model id is read here; the target decodes the message in full.
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal override {
        IMessageReceiver target;
        if (kind == MessageCodec.KIND_VERDICT || kind == MessageCodec.KIND_PAYOUT) {
            target = modelRouteOf[MessageCodec.modelIdOf(message)];
        }
        if (address(target) == address(0)) target = routeOf[kind];
        if (address(target) == address(0)) revert UnexpectedMessage(srcChain, kind);
        target.receiveMessage(srcChain, message);
    }
}
