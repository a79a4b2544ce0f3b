// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDepositCollector
/// @notice How slabridge's stand-in `X402BatchSettlement` pulls a deposit: it calls the collector named in
/// `deposit`, which moves `amount` of `token` from `payer` to the channel contract under the payer's authorization in
/// `data`. The channel contract then checks its own token balance, so a collector can never credit more than it
/// delivered.
/// @dev Internal to slabridge's devnet stand-in (the x402 SDK only names the collector's address and encodes `data`);
/// on real networks the canonical deployments are used.
interface IDepositCollector {
    /// @notice Moves `amount` of `token` from `payer` to the calling channel contract for `channelId`.
    /// @param data The collector's authorization (for ERC-3009: validAfter, validBefore, salt, signature).
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata data) external;
}
