// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { MerkleProof } from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import { IRevenueLedger } from "./interfaces/IRevenueLedger.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";
import { PaymentsMerkle } from "./libraries/PaymentsMerkle.sol";
import { SettlementReceiver } from "./SettlementReceiver.sol";

/// @title RevenueLedger
/// @notice slabridge's receipt ledger on the home chain (see IRevenueLedger).
contract RevenueLedger is IRevenueLedger, SettlementReceiver {
    struct BatchRecord {
        bytes32 root;
        bool recorded; // an empty batch has root 0, so the root alone can't say it was recorded
    }

    mapping(uint256 modelId => mapping(uint64 epoch => mapping(uint32 chain => Revenue))) private _revenue;
    mapping(
        uint256 modelId => mapping(uint64 epoch => mapping(uint32 chain => mapping(uint32 batchIndex => BatchRecord)))
    ) private _batches;

    constructor(address owner_) SettlementReceiver(owner_) { }

    /// @dev ReceiptBatch only, and only about the chain it came from: a chain can't report another chain's revenue.
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal override {
        if (kind != MessageCodec.KIND_RECEIPT_BATCH) revert UnexpectedMessage(srcChain, kind);
        MessageCodec.ReceiptBatch memory b = MessageCodec.decodeReceiptBatch(message);
        if (b.paymentChain != srcChain) revert UnexpectedMessage(srcChain, kind);
        _record(b);
    }

    function _record(MessageCodec.ReceiptBatch memory b) private {
        BatchRecord storage batch = _batches[b.modelId][b.epoch][b.paymentChain][b.batchIndex];
        if (batch.recorded) revert DuplicateBatch(b.modelId, b.epoch, b.paymentChain, b.batchIndex);
        Revenue storage rev = _revenue[b.modelId][b.epoch][b.paymentChain];
        // indices must stay within [0, final]: then `batches == final + 1` proves every index is recorded
        uint64 finalBatches = rev.finalBatches;
        uint64 span = uint64(b.batchIndex) + 1;
        if (
            (finalBatches != 0 && span > finalBatches)
                || (b.finalBatch && (finalBatches != 0 || rev.batchesSpan > span))
        ) revert InconsistentBatch(b.modelId, b.epoch, b.paymentChain, b.batchIndex);

        batch.root = b.paymentsRoot;
        batch.recorded = true;
        rev.batches += 1;
        if (span > rev.batchesSpan) rev.batchesSpan = span;
        if (b.finalBatch) rev.finalBatches = span;
        rev.payments += b.count;
        rev.total += b.total;
        emit ReceiptBatchRecorded(
            b.modelId, b.epoch, b.paymentChain, b.batchIndex, b.count, b.total, b.paymentsRoot, b.finalBatch
        );
        if (rev.finalBatches != 0 && rev.batches == rev.finalBatches) {
            emit ChainCompleted(b.modelId, b.epoch, b.paymentChain, rev.payments, rev.total);
        }
    }

    /// @inheritdoc IRevenueLedger
    function revenue(uint256 modelId, uint64 epoch, uint32 chain) external view returns (Revenue memory) {
        return _revenue[modelId][epoch][chain];
    }

    /// @inheritdoc IRevenueLedger
    function isChainComplete(uint256 modelId, uint64 epoch, uint32 chain) external view returns (bool) {
        Revenue storage rev = _revenue[modelId][epoch][chain];
        return rev.finalBatches != 0 && rev.batches == rev.finalBatches;
    }

    /// @inheritdoc IRevenueLedger
    function batchRoot(uint256 modelId, uint64 epoch, uint32 chain, uint32 batchIndex)
        external
        view
        returns (bool recorded, bytes32 paymentsRoot)
    {
        BatchRecord storage batch = _batches[modelId][epoch][chain][batchIndex];
        return (batch.recorded, batch.root);
    }

    /// @inheritdoc IRevenueLedger
    function verifyPayment(
        uint256 modelId,
        uint64 epoch,
        uint32 chain,
        uint32 batchIndex,
        bytes32 paymentId,
        bytes32 buyer,
        uint256 amount,
        bytes32[] calldata proof
    ) external view returns (bool) {
        BatchRecord storage batch = _batches[modelId][epoch][chain][batchIndex];
        if (!batch.recorded) return false;
        return MerkleProof.verifyCalldata(proof, batch.root, PaymentsMerkle.leaf(paymentId, buyer, amount));
    }
}
