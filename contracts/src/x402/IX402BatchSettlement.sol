// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IX402BatchSettlement
/// @notice The external interface of the x402 `batch-settlement` channel contract, as the scheme's EVM binding
/// (`specs/schemes/batch-settlement/scheme_batch_settlement_evm.md`) and the x402 EVM SDK (npm `x402/evm` 2.27)'s bundled ABI
/// define it: the same function signatures, struct layouts, EIP-712 types and event signatures, so the stock client,
/// server and facilitator talk to any implementation of it unchanged.
/// @dev Written for slabridge's devnet stand-in (`X402BatchSettlement`); on real networks the canonical deployment
/// at 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003 is used.
interface IX402BatchSettlement {
    /// @notice A channel's immutable identity; `channelId` is its EIP-712 hash under this contract's domain.
    /// @param payer Whose tokens fund the channel and who gets refunds and withdrawals.
    /// @param payerAuthorizer EOA that signs vouchers (ECDSA); zero means the payer signs (ECDSA or EIP-1271).
    /// @param receiver Where claimed funds are settled to.
    /// @param receiverAuthorizer Signs claim batches and refunds; never zero.
    /// @param token The ERC-20 the channel holds.
    /// @param withdrawDelay Seconds between `initiateWithdraw` and `finalizeWithdraw` (15 minutes to 30 days).
    /// @param salt Tells apart channels with otherwise equal parameters.
    struct ChannelConfig {
        address payer;
        address payerAuthorizer;
        address receiver;
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    /// @notice A payer-signed cumulative ceiling for one channel (EIP-712 `Voucher(bytes32 channelId,uint128
    /// maxClaimableAmount)`, over the channel's id).
    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    /// @notice One row of a claim: a voucher, its signature, and the cumulative total to claim up to.
    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    /// @notice A channel's accounting: `balance` is deposits minus refunds and withdrawals (claimed funds stay in
    /// it until the channel empties), `totalClaimed` the cumulative amount claimed for the receiver.
    struct ChannelState {
        uint128 balance;
        uint128 totalClaimed;
    }

    /// @notice A payer's pending timed withdrawal (`initiatedAt` is zero when none is pending).
    struct WithdrawalState {
        uint128 amount;
        uint40 initiatedAt;
    }

    /// @notice Per receiver and token: everything claimed for it and what of that has been transferred.
    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    /// @notice The channel received funds while its balance was zero (fires again if it is refilled after emptying).
    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    /// @notice The channel's balance returned to zero with nothing claimed (full refund or withdrawal).
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);
    /// @notice `amount` arrived through a collector (relayed by `sender`); the channel now holds `newBalance`.
    event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance);
    /// @notice `sender` raised the channel's claimed total by `claimAmount` to `newTotalClaimed` (no transfer).
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed);
    /// @notice `amount` of claimed funds went to `receiver` in one transfer, on `sender`'s call.
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    /// @notice `amount` of unclaimed escrow went back to the payer, on `sender`'s call or signature relay.
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    /// @notice The payer side asked for `amount`; it can be finalized from `finalizeAfter` (unix seconds).
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    /// @notice The timed withdrawal paid the payer `amount` (capped at the escrow still unclaimed).
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    /// @notice `withdrawDelay` is outside 15 minutes to 30 days.
    error WithdrawDelayOutOfRange(uint40 withdrawDelay);
    /// @notice A config field that must be set (payer, receiver, receiverAuthorizer, token) is zero.
    error InvalidChannelConfig();
    /// @notice A deposit, refund or withdrawal of zero.
    error ZeroAmount();
    /// @notice The collector delivered less than the deposit amount (checked on this contract's token balance).
    error DepositShortfall(uint256 expected, uint256 received);
    /// @notice The channel balance or a receiver total would not fit in 128 bits.
    error AmountOverflow();
    /// @notice `msg.sender` is neither the row's receiver nor its receiverAuthorizer.
    error NotReceiverSide(bytes32 channelId, address caller);
    /// @notice `msg.sender` is neither the channel's payer nor its payerAuthorizer.
    error NotPayerSide(bytes32 channelId, address caller);
    /// @notice The voucher was not signed by the payerAuthorizer (ECDSA) or, with none set, by the payer.
    error InvalidVoucherSignature(bytes32 channelId);
    /// @notice The ClaimBatch or Refund signature is not the receiverAuthorizer's (ECDSA or EIP-1271).
    error InvalidAuthorizerSignature();
    /// @notice `claimWithSignature` got no rows.
    error EmptyClaimBatch();
    /// @notice The rows of a `claimWithSignature` name different receiverAuthorizers.
    error ReceiverAuthorizerMismatch(bytes32 channelId);
    /// @notice A row claims more than its voucher's `maxClaimableAmount`.
    error ClaimExceedsVoucher(bytes32 channelId, uint128 totalClaimed, uint128 maxClaimableAmount);
    /// @notice A row claims more than the channel's balance.
    error ClaimExceedsBalance(bytes32 channelId, uint128 totalClaimed, uint128 balance);
    /// @notice A claim would lower the channel's `totalClaimed`.
    error ClaimBelowClaimed(bytes32 channelId, uint128 totalClaimed, uint128 alreadyClaimed);
    /// @notice The signed refund is not for the channel's current `refundNonce`.
    error InvalidRefundNonce(bytes32 channelId, uint256 expected, uint256 given);
    /// @notice `initiateWithdraw` asked for more than the unclaimed escrow.
    error WithdrawExceedsAvailable(bytes32 channelId, uint128 amount, uint128 available);
    /// @notice `finalizeWithdraw` without an `initiateWithdraw` pending.
    error NoPendingWithdrawal(bytes32 channelId);
    /// @notice `finalizeWithdraw` before `initiatedAt + withdrawDelay`.
    error WithdrawNotReady(bytes32 channelId, uint256 readyAt);

    /// @notice Funds a channel through `collector`, which pulls `amount` of `config.token` from `config.payer`
    /// (`collectorData` is the collector's authorization). Anyone may call it; the channel is created on first funds.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external;

    /// @notice Raises each row's channel `totalClaimed`; `msg.sender` is each row's receiver or receiverAuthorizer.
    function claim(VoucherClaim[] calldata voucherClaims) external;

    /// @notice As `claim`, authorized by an EIP-712 `ClaimBatch` signature of the rows' shared receiverAuthorizer.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature) external;

    /// @notice Transfers everything claimed and not yet settled for `receiver` in `token`; a no-op when nothing is.
    function settle(address receiver, address token) external;

    /// @notice The payer side starts its escape hatch for up to the unclaimed escrow.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external;

    /// @notice After `withdrawDelay`, returns the pending amount, capped at the escrow still unclaimed.
    function finalizeWithdraw(ChannelConfig calldata config) external;

    /// @notice The receiver side returns up to `amount` of unclaimed escrow to the payer; bumps `refundNonce`.
    function refund(ChannelConfig calldata config, uint128 amount) external;

    /// @notice As `refund`, authorized by the receiverAuthorizer's EIP-712 `Refund` signature for the current nonce.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external;

    /// @notice The EIP-712 hash of `config` under this contract's domain (binds chain id and address).
    function getChannelId(ChannelConfig calldata config) external view returns (bytes32);

    /// @notice The EIP-712 digest a payer signs for `Voucher(channelId, maxClaimableAmount)`.
    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) external view returns (bytes32);

    /// @notice The EIP-712 digest a receiverAuthorizer signs for `Refund(channelId, nonce, amount)`.
    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) external view returns (bytes32);

    /// @notice The EIP-712 digest a receiverAuthorizer signs for the `ClaimBatch` of these rows.
    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) external view returns (bytes32);

    /// @notice `keccak256` of the `ChannelConfig` EIP-712 type string.
    // solhint-disable-next-line func-name-mixedcase
    function CHANNEL_CONFIG_TYPEHASH() external view returns (bytes32);

    /// @notice A channel's balance (deposits minus refunds and withdrawals) and cumulative claimed amount.
    function channels(bytes32 channelId) external view returns (uint128 balance, uint128 totalClaimed);

    /// @notice A channel's pending timed withdrawal (`initiatedAt` zero when none).
    function pendingWithdrawals(bytes32 channelId) external view returns (uint128 amount, uint40 initiatedAt);

    /// @notice Everything claimed for `receiver` in `token`, and what of it has been settled.
    function receivers(address receiver, address token)
        external
        view
        returns (uint128 totalClaimed, uint128 totalSettled);

    /// @notice The nonce the next `refundWithSignature` of this channel must carry.
    function refundNonce(bytes32 channelId) external view returns (uint256);
}
