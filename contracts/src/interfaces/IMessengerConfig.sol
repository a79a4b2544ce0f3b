// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMessengerConfig
/// @notice Owner configuration shared by every slabridge messenger: which local contracts may send, which contract
/// receives, and how slabridge chain ids map to the transport's chain ids (LayerZero eid, Wormhole chain id).
interface IMessengerConfig {
    /// @notice A delivery arrived but no receiver is configured.
    error NoReceiver();
    /// @notice The transport chain id does not fit the transport (e.g. above uint16 for Wormhole) or is zero.
    error InvalidTransportChain(uint32 transportChain);
    /// @notice The transport chain is already mapped to another slabridge chain id.
    error TransportChainTaken(uint32 transportChain, uint32 chainId);

    /// @notice Emitted when the owner allows or revokes a local sender.
    event SenderSet(address indexed sender, bool allowed);
    /// @notice Emitted when the owner sets the receiver of delivered messages.
    event ReceiverSet(address indexed receiver);
    /// @notice Emitted when a slabridge chain id is mapped to a transport chain id (0 = unmapped).
    event ChainSet(uint32 indexed chainId, uint32 indexed transportChain);

    /// @notice Allows or revokes `sender` (a slabridge contract on this chain) to call `send`.
    function setSender(address sender, bool allowed) external;

    /// @notice Sets the IMessageReceiver that authenticated messages are handed to.
    function setReceiver(address receiver) external;

    /// @notice Whether `sender` may call `send`.
    function isSender(address sender) external view returns (bool);

    /// @notice The IMessageReceiver that authenticated messages are handed to.
    function receiver() external view returns (address);

    /// @notice Whether the message with this id (LayerZero GUID / Wormhole VAA hash) was delivered.
    function delivered(bytes32 messageId) external view returns (bool);

    /// @notice The transport chain id of slabridge chain `chainId`, 0 if unmapped.
    function transportChainOf(uint32 chainId) external view returns (uint32 transportChain);

    /// @notice The slabridge chain id of transport chain `transportChain`, 0 if unmapped.
    function chainOfTransport(uint32 transportChain) external view returns (uint32 chainId);
}
