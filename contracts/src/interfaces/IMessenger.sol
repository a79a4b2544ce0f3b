// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMessenger
/// @notice One bridge transport (LayerZero V2 or Wormhole) seen from slabridge's contracts. Every messenger carries
/// the same message bytes (see MessageCodec) and hands what it receives to the same IMessageReceiver, so a route can
/// switch transport without new contract code.
/// @dev Chain ids are slabridge chain ids: the EVM chain id for EVM chains, MessageCodec.SOLANA_CHAIN_ID for Solana.
interface IMessenger {
    /// @notice The caller is not one of this chain's slabridge contracts allowed to send.
    error UnauthorizedSender(address caller);
    /// @notice No peer/emitter is configured for this slabridge chain id.
    error UnknownChain(uint32 chainId);
    /// @notice The message came from a peer/emitter that is not on the allowlist.
    error UntrustedPeer(uint32 transportChain, bytes32 sender);
    /// @notice This exact message (LayerZero GUID / Wormhole VAA hash) was delivered before.
    error AlreadyDelivered(bytes32 messageId);

    /// @notice Emitted when a message leaves this chain.
    /// @param dstChain slabridge chain id of the destination
    /// @param messageId LayerZero GUID or Wormhole (emitter chain, emitter, sequence) digest
    event MessageSent(uint32 indexed dstChain, bytes32 indexed messageId, bytes message);
    /// @notice Emitted when a message was handed to the receiver.
    event MessageDelivered(uint32 indexed srcChain, bytes32 indexed messageId);

    /// @notice The native fee `send` needs for this message to `dstChain`.
    function quote(uint32 dstChain, bytes calldata message) external view returns (uint256 nativeFee);

    /// @notice Sends `message` to slabridge's receiver on `dstChain`. Only allowlisted senders (this chain's
    /// registry, oracle, escrow or ledger) may call it; the destination trusts the messenger, not the caller.
    function send(uint32 dstChain, bytes calldata message) external payable returns (bytes32 messageId);
}
