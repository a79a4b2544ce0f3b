// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "./IMessenger.sol";
import { IMessengerConfig } from "./IMessengerConfig.sol";
import { IWormhole } from "./IWormhole.sol";

/// @title IWormholeMessenger
/// @notice slabridge's Wormhole transport. Wormhole messages are broadcast, so each published payload is
/// `uint32 dstChain || message` and a destination accepts only VAAs that name it, from an allowlisted emitter
/// (slabridge's messenger on the source chain, or slabridge's Solana program emitter on Wormhole chain 1).
interface IWormholeMessenger is IMessenger, IMessengerConfig {
    /// @notice The core rejected the VAA (bad signature, unknown or expired guardian set, malformed encoding).
    error InvalidVaa(string reason);
    /// @notice The VAA is addressed to another slabridge chain.
    error WrongDestination(uint32 dstChain);
    /// @notice The VAA payload is too short to name a destination.
    error MalformedPayload(uint256 length);
    /// @notice `msg.value` does not cover the core's message fee.
    error InsufficientFee(uint256 provided, uint256 required);
    /// @notice Returning the fee excess to the caller failed.
    error RefundFailed(address to, uint256 amount);

    /// @notice Emitted when the owner trusts (or, with emitter 0, stops trusting) a Wormhole chain's emitter.
    event EmitterSet(uint16 indexed whChain, bytes32 emitter, uint32 indexed chainId);

    /// @notice Trusts `emitter` as slabridge's messenger on Wormhole chain `whChain`, which is slabridge chain
    /// `chainId`; sends to `chainId` become possible. `emitter` 0 removes the chain.
    function setEmitter(uint16 whChain, bytes32 emitter, uint32 chainId) external;

    /// @notice Verifies a VAA with the core and hands its message to the receiver. Anyone (a relayer) may call it.
    function receiveVaa(bytes calldata encodedVm) external;

    /// @notice The trusted emitter of Wormhole chain `whChain`, 0 if none.
    function emitters(uint16 whChain) external view returns (bytes32);

    /// @notice The Wormhole core this messenger publishes to and verifies with.
    function core() external view returns (IWormhole);

    /// @notice The consistency (finality) level of published messages.
    function consistencyLevel() external view returns (uint8);

    /// @notice This chain's slabridge chain id; VAAs must name it as destination.
    function thisChain() external view returns (uint32);
}
