// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { EIP712 } from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import { SignatureChecker } from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import { Multicall } from "@openzeppelin/contracts/utils/Multicall.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { IDepositCollector } from "./IDepositCollector.sol";
import { IX402BatchSettlement } from "./IX402BatchSettlement.sol";

/// @title X402BatchSettlement
/// @notice slabridge's implementation of the x402 `batch-settlement` channel contract, written from the scheme's EVM
/// binding for the devnet: same ABI, EIP-712 domain ("x402 Batch Settlement", "1") and types, events and rules as
/// the canonical `x402BatchSettlement`, so the stock x402 EVM client, server and facilitator run against it
/// unchanged. The devnet places its runtime code at the canonical address
/// 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003 (`anvil_setCode`); on real networks the canonical deployment is used.
/// @dev Unidirectional channels keyed by `channelId` = EIP-712 hash of the `ChannelConfig`. A payer deposits once
/// (through a deposit collector), signs cumulative vouchers off chain, and the receiver side claims them in batches
/// (accounting only) and settles claimed funds per receiver and token in one transfer. Funds held for token T equal
/// the sum of T-channel balances minus everything settled in T. Assumes a plain ERC-20 (no fee on transfer: a short
/// deposit reverts). Needs EIP-1153 (transient reentrancy guard).
/// No storage is written at construction, so the runtime code works wherever it is placed (OZ `EIP712` rebuilds its
/// domain separator when `address(this)` differs from the deploying address).
contract X402BatchSettlement is IX402BatchSettlement, EIP712, Multicall, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Shortest timed-withdrawal delay the binding allows (15 minutes).
    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    /// @notice Longest timed-withdrawal delay the binding allows (30 days).
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    /// @inheritdoc IX402BatchSettlement
    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    /// @notice `keccak256` of the `Voucher` EIP-712 type string.
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    /// @notice `keccak256` of the `Refund` EIP-712 type string.
    bytes32 public constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    /// @notice `keccak256` of the `ClaimBatch` EIP-712 type string (with its referenced `ClaimEntry`).
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );
    /// @notice `keccak256` of the `ClaimEntry` EIP-712 type string.
    bytes32 public constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");

    /// @inheritdoc IX402BatchSettlement
    mapping(bytes32 channelId => ChannelState) public channels;
    /// @inheritdoc IX402BatchSettlement
    mapping(bytes32 channelId => WithdrawalState) public pendingWithdrawals;
    /// @inheritdoc IX402BatchSettlement
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;
    /// @inheritdoc IX402BatchSettlement
    mapping(bytes32 channelId => uint256) public refundNonce;

    constructor() EIP712("x402 Batch Settlement", "1") { }

    // ---------------------------------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IX402BatchSettlement
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        _checkConfig(config);
        if (amount == 0) revert ZeroAmount();
        bytes32 channelId = _channelId(config);
        IERC20 token = IERC20(config.token);
        uint256 before = token.balanceOf(address(this));
        IDepositCollector(collector).collect(config.payer, config.token, amount, channelId, collectorData);
        // The collector is untrusted: only what arrived counts, and it must be the whole amount.
        uint256 received = token.balanceOf(address(this)) - before;
        if (received < amount) revert DepositShortfall(amount, received);

        ChannelState storage channel = channels[channelId];
        uint128 previous = channel.balance;
        if (uint256(previous) + amount > type(uint128).max) revert AmountOverflow();
        uint128 newBalance = previous + amount;
        channel.balance = newBalance;
        if (previous == 0) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, amount, newBalance);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Claims and settlement
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IX402BatchSettlement
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            ChannelConfig calldata config = voucherClaims[i].voucher.channel;
            if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) {
                revert NotReceiverSide(_channelId(config), msg.sender);
            }
            _claim(voucherClaims[i], _channelId(config));
        }
    }

    /// @inheritdoc IX402BatchSettlement
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        uint256 n = voucherClaims.length;
        if (n == 0) revert EmptyClaimBatch();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        bytes32[] memory ids = new bytes32[](n);
        bytes32[] memory entries = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            ids[i] = _channelId(row.voucher.channel);
            if (row.voucher.channel.receiverAuthorizer != authorizer) revert ReceiverAuthorizerMismatch(ids[i]);
            entries[i] = _claimEntryHash(ids[i], row.voucher.maxClaimableAmount, row.totalClaimed);
        }
        // Replaying the signature is harmless: a claim at an unchanged total is a no-op.
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, _hashArray(entries))));
        if (!SignatureChecker.isValidSignatureNowCalldata(authorizer, digest, authorizerSignature)) {
            revert InvalidAuthorizerSignature();
        }
        for (uint256 i = 0; i < n; ++i) {
            _claim(voucherClaims[i], ids[i]);
        }
    }

    /// @inheritdoc IX402BatchSettlement
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage state = receivers[receiver][token];
        uint128 amount = state.totalClaimed - state.totalSettled;
        if (amount == 0) return;
        state.totalSettled = state.totalClaimed;
        IERC20(token).safeTransfer(receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Refunds and the payer's timed withdrawal
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IX402BatchSettlement
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        bytes32 channelId = _channelId(config);
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) {
            revert NotReceiverSide(channelId, msg.sender);
        }
        _refund(config, channelId, amount);
    }

    /// @inheritdoc IX402BatchSettlement
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 channelId = _channelId(config);
        uint256 expected = refundNonce[channelId];
        if (nonce != expected) revert InvalidRefundNonce(channelId, expected, nonce);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
        if (!SignatureChecker.isValidSignatureNowCalldata(
                config.receiverAuthorizer, digest, receiverAuthorizerSignature
            )) {
            revert InvalidAuthorizerSignature();
        }
        _refund(config, channelId, amount);
    }

    /// @inheritdoc IX402BatchSettlement
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        bytes32 channelId = _onlyPayerSide(config);
        if (amount == 0) revert ZeroAmount();
        ChannelState memory channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        if (amount > available) revert WithdrawExceedsAvailable(channelId, amount, available);
        // A new request replaces a pending one and restarts its clock, so the receiver always gets the full delay.
        pendingWithdrawals[channelId] = WithdrawalState({ amount: amount, initiatedAt: uint40(block.timestamp) });
        emit WithdrawInitiated(channelId, amount, uint40(block.timestamp) + config.withdrawDelay);
    }

    /// @inheritdoc IX402BatchSettlement
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        bytes32 channelId = _onlyPayerSide(config);
        WithdrawalState memory pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt == 0) revert NoPendingWithdrawal(channelId);
        uint256 readyAt = uint256(pending.initiatedAt) + config.withdrawDelay;
        if (block.timestamp < readyAt) revert WithdrawNotReady(channelId, readyAt);
        delete pendingWithdrawals[channelId];

        ChannelState storage channel = channels[channelId];
        // Claims made during the delay keep their funds: only escrow still unclaimed leaves.
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 amount = pending.amount < available ? pending.amount : available;
        if (amount > 0) {
            channel.balance -= amount;
            IERC20(config.token).safeTransfer(config.payer, amount);
        }
        emit WithdrawFinalized(channelId, msg.sender, amount);
        if (amount > 0 && channel.balance == 0) emit ChannelClosed(channelId, config);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IX402BatchSettlement
    function getChannelId(ChannelConfig calldata config) external view returns (bytes32) {
        return _channelId(config);
    }

    /// @inheritdoc IX402BatchSettlement
    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32) {
        return _voucherDigest(channelId, maxClaimableAmount);
    }

    /// @inheritdoc IX402BatchSettlement
    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    /// @inheritdoc IX402BatchSettlement
    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) external view returns (bytes32) {
        bytes32[] memory entries = new bytes32[](voucherClaims.length);
        for (uint256 i = 0; i < voucherClaims.length; ++i) {
            VoucherClaim calldata row = voucherClaims[i];
            entries[i] =
                _claimEntryHash(_channelId(row.voucher.channel), row.voucher.maxClaimableAmount, row.totalClaimed);
        }
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, _hashArray(entries))));
    }

    /// @notice The EIP-712 domain separator in force at this address and chain.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Checks one row's voucher and raises its channel's `totalClaimed` (never lowers it; equal is a no-op).
    function _claim(VoucherClaim calldata row, bytes32 channelId) private {
        ChannelConfig calldata config = row.voucher.channel;
        uint128 maxClaimable = row.voucher.maxClaimableAmount;
        uint128 total = row.totalClaimed;
        if (total > maxClaimable) revert ClaimExceedsVoucher(channelId, total, maxClaimable);
        ChannelState storage channel = channels[channelId];
        ChannelState memory state = channel;
        if (total > state.balance) revert ClaimExceedsBalance(channelId, total, state.balance);
        if (total < state.totalClaimed) revert ClaimBelowClaimed(channelId, total, state.totalClaimed);
        if (!_isValidVoucher(config, _voucherDigest(channelId, maxClaimable), row.signature)) {
            revert InvalidVoucherSignature(channelId);
        }
        uint128 delta = total - state.totalClaimed;
        if (delta == 0) return;
        channel.totalClaimed = total;
        ReceiverState storage receiver = receivers[config.receiver][config.token];
        // Cannot overflow: a receiver's claims are bounded by tokens actually deposited, each balance < 2^128.
        receiver.totalClaimed += delta;
        emit Claimed(channelId, msg.sender, delta, total);
    }

    /// @dev Bumps the nonce first (so any refund, even one that moves nothing, voids signatures for the old nonce),
    /// then returns up to the unclaimed escrow and shrinks or cancels a pending withdrawal by what was returned.
    function _refund(ChannelConfig calldata config, bytes32 channelId, uint128 amount) private {
        if (amount == 0) revert ZeroAmount();
        ++refundNonce[channelId];
        ChannelState storage channel = channels[channelId];
        uint128 available = channel.balance - channel.totalClaimed;
        uint128 refunded = amount < available ? amount : available;
        if (refunded == 0) return;
        uint128 newBalance = channel.balance - refunded;
        channel.balance = newBalance;

        WithdrawalState storage pending = pendingWithdrawals[channelId];
        if (pending.initiatedAt != 0) {
            if (refunded >= pending.amount) delete pendingWithdrawals[channelId];
            else pending.amount -= refunded;
        }
        IERC20(config.token).safeTransfer(config.payer, refunded);
        emit Refunded(channelId, msg.sender, refunded);
        if (newBalance == 0) emit ChannelClosed(channelId, config);
    }

    /// @dev Voucher signer rule: a set payerAuthorizer must have signed it (ECDSA only); with none, the payer
    /// (ECDSA or EIP-1271).
    function _isValidVoucher(ChannelConfig calldata config, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bool)
    {
        if (config.payerAuthorizer != address(0)) {
            (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(digest, signature);
            return error == ECDSA.RecoverError.NoError && recovered == config.payerAuthorizer;
        }
        return SignatureChecker.isValidSignatureNowCalldata(config.payer, digest, signature);
    }

    /// @dev The channel's id, after checking `msg.sender` is its payer or payerAuthorizer.
    function _onlyPayerSide(ChannelConfig calldata config) private view returns (bytes32 channelId) {
        channelId = _channelId(config);
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) {
            revert NotPayerSide(channelId, msg.sender);
        }
    }

    /// @dev The binding's config rules for a deposit: delay within bounds, the parties and token set.
    function _checkConfig(ChannelConfig calldata config) private pure {
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange(config.withdrawDelay);
        }
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidChannelConfig();
    }

    /// @dev EIP-712 hash of the config under this contract's domain (chain id and address included).
    function _channelId(ChannelConfig calldata config) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    /// @dev EIP-712 digest of `Voucher(channelId, maxClaimableAmount)`.
    function _voucherDigest(bytes32 channelId, uint128 maxClaimableAmount) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    /// @dev EIP-712 struct hash of one `ClaimEntry`.
    function _claimEntryHash(bytes32 channelId, uint128 maxClaimableAmount, uint128 totalClaimed)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(CLAIM_ENTRY_TYPEHASH, channelId, maxClaimableAmount, totalClaimed));
    }

    /// @dev EIP-712 encoding of a struct array: the hash of its members' concatenated struct hashes.
    function _hashArray(bytes32[] memory hashes) private pure returns (bytes32 result) {
        assembly ("memory-safe") {
            result := keccak256(add(hashes, 0x20), mul(mload(hashes), 0x20))
        }
    }
}
