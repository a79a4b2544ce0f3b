// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEpochSettlementEvents
/// @notice The settlement events of a (model, epoch) on a payment chain, shared by the Escrow (many models, one
/// payment per `pay`) and each model's SlaReceiver (x402 channels, one booked total per buyer-epoch), so that the same
/// log readers (relay, status API, reports) decode both with one ABI: same signatures, same topics.
/// @dev In an SlaReceiver a "payment" is a buyer-epoch: `paymentIndex` is the buyer index, the payment id of its
/// receipts, and a buyer-epoch refunded with a top-up share emits both `Refunded` and `TopUpRefunded` for its one
/// transfer.
interface IEpochSettlementEvents {
    /// @notice Payments [firstIndex, firstIndex + count) were sent home as receipt batch `batchIndex`.
    event ReceiptsRelayed(
        uint256 indexed modelId,
        uint64 indexed epoch,
        uint32 batchIndex,
        uint32 firstIndex,
        uint32 count,
        uint256 total,
        bytes32 paymentsRoot,
        bool finalBatch,
        bytes32 messageId
    );
    /// @notice The SLA verdict of the (model, epoch) arrived: `refundBps` of every payment goes back to its buyer.
    event VerdictApplied(uint256 indexed modelId, uint64 indexed epoch, uint16 refundBps, bytes32 reportHash);
    /// @notice Payment `paymentIndex` was refunded `amount` (transferred, or credited when the transfer failed).
    event Refunded(
        uint256 indexed modelId, uint64 indexed epoch, uint256 paymentIndex, address indexed buyer, uint256 amount
    );
    /// @notice The verdict assigned this chain's buyers a top-up of `due`, shared among payments worth `eligible`.
    event TopUpRecorded(uint256 indexed modelId, uint64 indexed epoch, uint256 due, uint256 eligible);
    /// @notice `funder` paid in the (model, epoch)'s top-up.
    event TopUpFunded(uint256 indexed modelId, uint64 indexed epoch, address indexed funder, uint256 amount);
    /// @notice Payment `paymentIndex` got `amount` of the top-up (transferred, or credited when the transfer failed).
    event TopUpRefunded(
        uint256 indexed modelId, uint64 indexed epoch, uint256 paymentIndex, address indexed buyer, uint256 amount
    );
    /// @notice The owner set the account top-ups are pulled from (this chain's netting vault; zero: none).
    event TopUpFunderSet(address indexed funder);
    /// @notice A transfer to `account` failed (e.g. the token blacklists it); `amount` is kept for it to `claim`.
    event Credited(address indexed account, uint256 amount);
    /// @notice `account` claimed its credit to `to`.
    event Claimed(address indexed account, address indexed to, uint256 amount);
    /// @notice Refunds of the (model, epoch) are done; `amount` (paid - refunded) is released to payees.
    event Released(uint256 indexed modelId, uint64 indexed epoch, uint256 amount);
    /// @notice Payout `payoutIndex` paid `amount` (`shareBps` of the released amount, or the remainder) to `payee`.
    event PaidOut(
        uint256 indexed modelId,
        uint64 indexed epoch,
        uint32 payoutIndex,
        address indexed payee,
        uint16 shareBps,
        uint256 amount
    );
}
