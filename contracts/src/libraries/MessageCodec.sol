// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MessageCodec
/// @notice slabridge's cross-chain message format, version 1. The TypeScript codec in packages/core produces and
/// reads the same bytes; test/vectors/messages.json proves both sides agree.
///
/// Layout: `version (uint8) || kind (uint8) || abi.encode(fields...)`. Every field is static, so a body has an exact
/// length per kind, and a decoder rejects any other length, an unknown version or kind, and any field whose value
/// does not fit its type, each with its own error.
///
/// | kind | name          | direction                 | fields (abi-encoded, in order)                                            |
/// |------|---------------|---------------------------|---------------------------------------------------------------------------|
/// | 1    | ModelListing  | home -> payment chains    | uint256 modelId, uint64 genesis, uint64 epochSeconds, uint64 fromEpoch,     |
/// |      |               |                           | uint256 pricePerRequest, bool active, uint32 version,                     |
/// |      |               |                           | uint16 verdictGraceEpochs                                                 |
/// | 2    | ReceiptBatch  | payment -> home chain     | uint256 modelId, uint64 epoch, uint32 paymentChain, uint32 batchIndex,    |
/// |      |               |                           | uint32 count, uint256 total, bytes32 paymentsRoot, bool finalBatch        |
/// | 3    | Verdict       | home -> payment chains    | uint256 modelId, uint64 epoch, uint16 refundBps, bytes32 reportHash        |
/// | 4    | Payout        | home -> payment chains    | uint256 modelId, uint64 epoch, uint32 payoutIndex, bytes32 payee,          |
/// |      |               |                           | uint16 shareBps                                                           |
library MessageCodec {
    /// @notice The only version this codec reads and writes.
    uint8 internal constant VERSION = 1;
    /// @notice slabridge chain id of Solana (ASCII "Sola"); EVM chains use their EVM chain id.
    uint32 internal constant SOLANA_CHAIN_ID = 0x536f6c61;
    /// @notice Basis points in one whole.
    uint16 internal constant BPS = 10_000;

    uint8 internal constant KIND_MODEL_LISTING = 1;
    uint8 internal constant KIND_RECEIPT_BATCH = 2;
    uint8 internal constant KIND_VERDICT = 3;
    uint8 internal constant KIND_PAYOUT = 4;

    uint256 private constant HEADER_LENGTH = 2;

    /// @notice The message is shorter than its header or its version is not VERSION.
    error UnsupportedVersion(uint8 version);
    /// @notice The kind byte names no known message kind.
    error UnknownKind(uint8 kind);
    /// @notice The body length does not match the kind's fixed layout.
    error MalformedMessage(uint8 kind, uint256 length);
    /// @notice The message is well formed but of another kind than the decoder expects.
    error WrongKind(uint8 expected, uint8 actual);
    /// @notice Field number `field` (0-based) does not fit its type (or a bps value exceeds 10,000).
    error ValueOutOfRange(uint8 kind, uint256 field);

    /// @notice home -> payment chains: a model's listing as seen by escrows (epoch clock, price, verdict grace).
    /// @dev The epoch clock (genesis, epochSeconds) is fixed at mint; price, `active` and `verdictGraceEpochs` apply
    /// from `fromEpoch`. `version` counts the model's terms changes on the registry (from 1, +1 per change): a
    /// receiver applies a listing only when it is newer than the newest it applied, so late, reordered or repeated
    /// deliveries never bring older terms back. `verdictGraceEpochs` (> 0): once epoch `e + 1 + grace` has begun
    /// without a verdict for `e`, each payment of `e` can be withdrawn in full.
    struct ModelListing {
        uint256 modelId;
        uint64 genesis;
        uint64 epochSeconds;
        uint64 fromEpoch;
        uint256 pricePerRequest;
        bool active;
        uint32 version;
        uint16 verdictGraceEpochs;
    }

    /// @notice payment -> home chain: a batch of one (model, epoch)'s payments on one chain.
    /// @dev Batches of one (model, epoch, chain) are numbered from 0 and the last one says finalBatch. paymentsRoot
    /// is a sorted-pair Merkle root (OpenZeppelin MerkleProof compatible) over the batch's payments in order, leaf =
    /// keccak256(bytes.concat(keccak256(abi.encode(bytes32 paymentId, bytes32 buyer, uint256 amount)))), an odd node
    /// promoted unchanged to the next level.
    struct ReceiptBatch {
        uint256 modelId;
        uint64 epoch;
        uint32 paymentChain;
        uint32 batchIndex;
        uint32 count;
        uint256 total;
        bytes32 paymentsRoot;
        bool finalBatch;
    }

    /// @notice home -> payment chains: the SLA verdict of one (model, epoch): the share of every payment to refund.
    struct Verdict {
        uint256 modelId;
        uint64 epoch;
        uint16 refundBps;
        bytes32 reportHash;
        /// @dev host bond slashed for this chain's buyers of the epoch, shared pro rata on top of the refunds
        uint96 topUp;
    }

    /// @notice home -> payment chain: pay `shareBps` of a (model, epoch)'s released revenue on that chain to `payee`.
    /// @dev Shares are sent instead of amounts because only the payment chain knows its exact released amount (refunds
    /// round per payment). (modelId, epoch, payoutIndex) is unique: a destination pays each index at most once, and
    /// the payout that brings the paid shares to 10,000 bps takes the rounding remainder.
    struct Payout {
        uint256 modelId;
        uint64 epoch;
        uint32 payoutIndex;
        bytes32 payee;
        uint16 shareBps;
    }

    /// @notice Returns the kind of a version-1 message after checking its header and exact length.
    function kindOf(bytes calldata message) internal pure returns (uint8 kind) {
        if (message.length < HEADER_LENGTH || uint8(message[0]) != VERSION) {
            revert UnsupportedVersion(message.length == 0 ? 0 : uint8(message[0]));
        }
        kind = uint8(message[1]);
        uint256 fields = _fieldCount(kind);
        if (message.length != HEADER_LENGTH + 32 * fields) revert MalformedMessage(kind, message.length);
    }

    /// @notice Returns the model id, the first field of every kind, without decoding the rest: cheap enough to route
    /// by model before the receiver decodes the message in full.
    /// @dev Checks only that the field is there (MalformedMessage with the kind byte, 0 when missing); the header and
    /// exact length are `kindOf`'s.
    function modelIdOf(bytes calldata message) internal pure returns (uint256) {
        if (message.length < HEADER_LENGTH + 32) {
            revert MalformedMessage(message.length < HEADER_LENGTH ? 0 : uint8(message[1]), message.length);
        }
        return _word(message, 0);
    }

    function encodeModelListing(ModelListing memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, KIND_MODEL_LISTING, abi.encode(m));
    }

    function encodeReceiptBatch(ReceiptBatch memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, KIND_RECEIPT_BATCH, abi.encode(m));
    }

    function encodeVerdict(Verdict memory m) internal pure returns (bytes memory) {
        if (m.refundBps > BPS) revert ValueOutOfRange(KIND_VERDICT, 2);
        return abi.encodePacked(VERSION, KIND_VERDICT, abi.encode(m));
    }

    function encodePayout(Payout memory m) internal pure returns (bytes memory) {
        if (m.shareBps > BPS) revert ValueOutOfRange(KIND_PAYOUT, 4);
        return abi.encodePacked(VERSION, KIND_PAYOUT, abi.encode(m));
    }

    function decodeModelListing(bytes calldata message) internal pure returns (ModelListing memory m) {
        _expect(message, KIND_MODEL_LISTING);
        m.modelId = _word(message, 0);
        m.genesis = uint64(_bounded(message, KIND_MODEL_LISTING, 1, type(uint64).max));
        m.epochSeconds = uint64(_bounded(message, KIND_MODEL_LISTING, 2, type(uint64).max));
        m.fromEpoch = uint64(_bounded(message, KIND_MODEL_LISTING, 3, type(uint64).max));
        m.pricePerRequest = _word(message, 4);
        m.active = _bounded(message, KIND_MODEL_LISTING, 5, 1) == 1;
        m.version = uint32(_bounded(message, KIND_MODEL_LISTING, 6, type(uint32).max));
        m.verdictGraceEpochs = uint16(_bounded(message, KIND_MODEL_LISTING, 7, type(uint16).max));
    }

    function decodeReceiptBatch(bytes calldata message) internal pure returns (ReceiptBatch memory m) {
        _expect(message, KIND_RECEIPT_BATCH);
        m.modelId = _word(message, 0);
        m.epoch = uint64(_bounded(message, KIND_RECEIPT_BATCH, 1, type(uint64).max));
        m.paymentChain = uint32(_bounded(message, KIND_RECEIPT_BATCH, 2, type(uint32).max));
        m.batchIndex = uint32(_bounded(message, KIND_RECEIPT_BATCH, 3, type(uint32).max));
        m.count = uint32(_bounded(message, KIND_RECEIPT_BATCH, 4, type(uint32).max));
        m.total = _word(message, 5);
        m.paymentsRoot = bytes32(_word(message, 6));
        m.finalBatch = _bounded(message, KIND_RECEIPT_BATCH, 7, 1) == 1;
    }

    function decodeVerdict(bytes calldata message) internal pure returns (Verdict memory m) {
        _expect(message, KIND_VERDICT);
        m.modelId = _word(message, 0);
        m.epoch = uint64(_bounded(message, KIND_VERDICT, 1, type(uint64).max));
        m.refundBps = uint16(_bounded(message, KIND_VERDICT, 2, BPS));
        m.reportHash = bytes32(_word(message, 3));
        m.topUp = uint96(_bounded(message, KIND_VERDICT, 4, type(uint96).max));
    }

    function decodePayout(bytes calldata message) internal pure returns (Payout memory m) {
        _expect(message, KIND_PAYOUT);
        m.modelId = _word(message, 0);
        m.epoch = uint64(_bounded(message, KIND_PAYOUT, 1, type(uint64).max));
        m.payoutIndex = uint32(_bounded(message, KIND_PAYOUT, 2, type(uint32).max));
        m.payee = bytes32(_word(message, 3));
        m.shareBps = uint16(_bounded(message, KIND_PAYOUT, 4, BPS));
    }

    function _fieldCount(uint8 kind) private pure returns (uint256) {
        if (kind == KIND_MODEL_LISTING) return 8;
        if (kind == KIND_RECEIPT_BATCH) return 8;
        if (kind == KIND_VERDICT) return 5;
        if (kind == KIND_PAYOUT) return 5;
        revert UnknownKind(kind);
    }

    function _expect(bytes calldata message, uint8 kind) private pure {
        uint8 actual = kindOf(message);
        if (actual != kind) revert WrongKind(kind, actual);
    }

    function _word(bytes calldata message, uint256 index) private pure returns (uint256 value) {
        uint256 offset = HEADER_LENGTH + 32 * index;
        assembly ("memory-safe") {
            value := calldataload(add(message.offset, offset))
        }
    }

    function _bounded(bytes calldata message, uint8 kind, uint256 index, uint256 max) private pure returns (uint256 v) {
        v = _word(message, index);
        if (v > max) revert ValueOutOfRange(kind, index);
    }
}
