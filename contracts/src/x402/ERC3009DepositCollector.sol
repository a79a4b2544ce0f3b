// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { IDepositCollector } from "./IDepositCollector.sol";
import { IERC3009 } from "./IERC3009.sol";

/// @title ERC3009DepositCollector
/// @notice slabridge's ERC-3009 deposit collector for its x402 `batch-settlement` stand-in, written from the scheme's
/// EVM binding for the devnet: it redeems the payer's `ReceiveWithAuthorization` (to = this collector, nonce =
/// keccak256(abi.encode(channelId, salt))) and forwards the tokens to the channel contract, which checks its balance.
/// The devnet places its runtime code at the canonical address 0x4020806089470a89826cB9fB1f4059150b550004, built
/// with the canonical channel address as `settlement`; on real networks the canonical deployment is used.
/// @dev The nonce binds the authorization to one channel, so a relayer cannot spend it on another config; and only
/// this collector can redeem it (`receiveWithAuthorization` requires msg.sender == to), only when the channel
/// contract asks.
contract ERC3009DepositCollector is IDepositCollector {
    using SafeERC20 for IERC20;

    /// @notice The channel contract this collector serves (its only caller and the tokens' destination).
    address public immutable settlement;

    /// @notice The caller is not the channel contract.
    error OnlySettlement(address caller);

    /// @param settlement_ The channel contract (the canonical address when the code is placed on the devnet).
    constructor(address settlement_) {
        settlement = settlement_;
    }

    /// @inheritdoc IDepositCollector
    /// @dev `data` = abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature), as the x402
    /// facilitator builds it.
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata data) external {
        if (msg.sender != settlement) revert OnlySettlement(msg.sender);
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(data, (uint256, uint256, uint256, bytes));
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        IERC3009(token)
            .receiveWithAuthorization(payer, address(this), amount, validAfter, validBefore, nonce, signature);
        IERC20(token).safeTransfer(settlement, amount);
    }
}
