// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { MessageCodec } from "../../src/libraries/MessageCodec.sol";

/// @notice Exposes MessageCodec's internal functions externally so tests can hand it calldata and expect reverts.
contract MessageCodecHarness {
    function kindOf(bytes calldata message) external pure returns (uint8) {
        return MessageCodec.kindOf(message);
    }

    function modelIdOf(bytes calldata message) external pure returns (uint256) {
        return MessageCodec.modelIdOf(message);
    }

    /// @notice Decodes any message by its kind, like the TypeScript `decodeMessage`; returns the re-encoding.
    function decode(bytes calldata message) external pure returns (bytes memory) {
        uint8 kind = MessageCodec.kindOf(message);
        if (kind == MessageCodec.KIND_MODEL_LISTING) {
            return abi.encode(MessageCodec.decodeModelListing(message));
        }
        if (kind == MessageCodec.KIND_RECEIPT_BATCH) {
            return abi.encode(MessageCodec.decodeReceiptBatch(message));
        }
        if (kind == MessageCodec.KIND_VERDICT) return abi.encode(MessageCodec.decodeVerdict(message));
        return abi.encode(MessageCodec.decodePayout(message));
    }

    function encodeModelListing(MessageCodec.ModelListing memory m) external pure returns (bytes memory) {
        return MessageCodec.encodeModelListing(m);
    }

    function encodeReceiptBatch(MessageCodec.ReceiptBatch memory m) external pure returns (bytes memory) {
        return MessageCodec.encodeReceiptBatch(m);
    }

    function encodeVerdict(MessageCodec.Verdict memory m) external pure returns (bytes memory) {
        return MessageCodec.encodeVerdict(m);
    }

    function encodePayout(MessageCodec.Payout memory m) external pure returns (bytes memory) {
        return MessageCodec.encodePayout(m);
    }

    function decodeModelListing(bytes calldata message) external pure returns (MessageCodec.ModelListing memory) {
        return MessageCodec.decodeModelListing(message);
    }

    function decodeReceiptBatch(bytes calldata message) external pure returns (MessageCodec.ReceiptBatch memory) {
        return MessageCodec.decodeReceiptBatch(message);
    }

    function decodeVerdict(bytes calldata message) external pure returns (MessageCodec.Verdict memory) {
        return MessageCodec.decodeVerdict(message);
    }

    function decodePayout(bytes calldata message) external pure returns (MessageCodec.Payout memory) {
        return MessageCodec.decodePayout(message);
    }
}
