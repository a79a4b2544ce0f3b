// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Clones } from "@openzeppelin/contracts/proxy/Clones.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { ISlaReceiver } from "./ISlaReceiver.sol";
import { SlaReceiver } from "./SlaReceiver.sol";

/// @title SlaReceiverFactory
/// @notice Creates one SlaReceiver minimal clone per model on this chain, at an address fixed by the model id (so the
/// gateway can name a model's x402 `payTo` before it exists).
contract SlaReceiverFactory is Ownable {
    /// @notice The model already has its SLA receiver here.
    error AlreadyCreated(uint256 modelId, address receiver);

    /// @notice The code every clone delegates to.
    address public immutable implementation;
    /// @notice Each model's SLA receiver (zero: none yet).
    mapping(uint256 modelId => address receiver) public receiverOf;

    event ReceiverCreated(uint256 indexed modelId, address receiver);

    constructor(address owner_) Ownable(owner_) {
        implementation = address(new SlaReceiver());
    }

    /// @notice Creates and initializes `p.modelId`'s receiver. Owner only (it picks the receiver's owner and operator).
    function create(ISlaReceiver.InitParams calldata p) external onlyOwner returns (address receiver) {
        if (receiverOf[p.modelId] != address(0)) revert AlreadyCreated(p.modelId, receiverOf[p.modelId]);
        receiver = Clones.cloneDeterministic(implementation, bytes32(p.modelId));
        receiverOf[p.modelId] = receiver;
        ISlaReceiver(receiver).initialize(p);
        emit ReceiverCreated(p.modelId, receiver);
    }

    /// @notice Where `modelId`'s receiver is or will be.
    function predict(uint256 modelId) external view returns (address) {
        return Clones.predictDeterministicAddress(implementation, bytes32(modelId));
    }
}
