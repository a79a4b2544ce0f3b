// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IRevenueLedger
/// @notice slabridge's ledger on the home chain: it records the receipt batches every payment chain's escrow sends
/// for a (model, epoch), so the home chain knows each chain's revenue, when a chain has reported all of it, and can
/// prove a single payment was counted (Merkle proof against the batch's paymentsRoot).
interface IRevenueLedger {
    /// @notice This batch index of the (model, epoch, chain) was already recorded.
    error DuplicateBatch(uint256 modelId, uint64 epoch, uint32 chain, uint32 batchIndex);
    /// @notice The batch contradicts the recorded ones: its index is past the final batch, or it says final while a
    /// later index was already recorded.
    error InconsistentBatch(uint256 modelId, uint64 epoch, uint32 chain, uint32 batchIndex);

    /// @notice A receipt batch of `chain` for the (model, epoch) was recorded.
    event ReceiptBatchRecorded(
        uint256 indexed modelId,
        uint64 indexed epoch,
        uint32 indexed chain,
        uint32 batchIndex,
        uint32 count,
        uint256 total,
        bytes32 paymentsRoot,
        bool finalBatch
    );
    /// @notice Every batch of `chain` for the (model, epoch) is recorded: `payments` payments worth `total`.
    event ChainCompleted(
        uint256 indexed modelId, uint64 indexed epoch, uint32 indexed chain, uint64 payments, uint256 total
    );

    /// @notice What one payment chain reported for a (model, epoch).
    struct Revenue {
        uint64 batches; // batches recorded
        uint64 finalBatches; // final batch index + 1, or 0 while the final batch has not arrived
        uint64 batchesSpan; // highest recorded batch index + 1 (uint64: index 2^32 - 1 gives 2^32)
        uint64 payments; // payments counted over the recorded batches
        uint256 total; // sum of their amounts
    }

    /// @notice What `chain` reported so far for the (model, epoch).
    function revenue(uint256 modelId, uint64 epoch, uint32 chain) external view returns (Revenue memory);

    /// @notice Whether `chain`'s final batch and every batch index below it are recorded for the (model, epoch).
    function isChainComplete(uint256 modelId, uint64 epoch, uint32 chain) external view returns (bool);

    /// @notice Whether batch `batchIndex` is recorded, and its paymentsRoot.
    function batchRoot(uint256 modelId, uint64 epoch, uint32 chain, uint32 batchIndex)
        external
        view
        returns (bool recorded, bytes32 paymentsRoot);

    /// @notice Whether the payment (paymentId, buyer, amount) is a leaf of a recorded batch, by its Merkle proof.
    /// @param paymentId bytes32(payment index) on EVM chains
    /// @param buyer the buyer's address left-padded to 32 bytes on EVM chains (a public key on Solana)
    function verifyPayment(
        uint256 modelId,
        uint64 epoch,
        uint32 chain,
        uint32 batchIndex,
        bytes32 paymentId,
        bytes32 buyer,
        uint256 amount,
        bytes32[] calldata proof
    ) external view returns (bool);
}
