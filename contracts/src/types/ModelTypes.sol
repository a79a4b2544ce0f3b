// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice License family of a model.
enum LicenseKind {
    Commercial,
    Research
}

/// @notice Who a payee entry pays. ProtocolFee and ParentCreator entries are appended by the registry itself.
enum PayeeRole {
    Creator,
    DataContributor,
    Validator,
    Host,
    ProtocolFee,
    ParentCreator
}

/// @notice Descriptive metadata of a model; changes take effect immediately (they move no money).
struct ModelMetadata {
    string artifactURI;
    bytes32 artifactHash;
    string architectureURI;
    string dataProvenanceURI;
    string benchmarkURI;
}

/// @notice License terms of a model.
struct License {
    LicenseKind kind;
    bool derivativesAllowed;
    bool attributionRequired;
    string uri;
}

/// @notice One refund tier: when measured uptime is strictly below `uptimeBelowBps`, refund `refundBps`.
struct RefundTier {
    uint16 uptimeBelowBps;
    uint16 refundBps;
}

/// @notice Service level terms of one epoch.
/// @dev `tiers` (at most 4) have strictly decreasing thresholds and non-decreasing refunds, the first threshold at or
/// below `minUptimeBps`; SlaTiers.validate enforces this and SlaTiers.refundBps applies it.
struct SlaTerms {
    uint32 maxP95LatencyMs;
    uint16 minUptimeBps;
    uint32 probeTimeoutMs;
    uint16 latencyBreachRefundBps;
    RefundTier[] tiers;
}

/// @notice One entry of a split table: `shareBps` of released revenue, paid on `chain` to `account`.
/// @dev `chain` is a slabridge chain id (EVM chain id or MessageCodec.SOLANA_CHAIN_ID); `account` is a left-padded
/// EVM address or a 32-byte Solana address.
struct Payee {
    PayeeRole role;
    uint32 chain;
    bytes32 account;
    uint16 shareBps;
}

/// @notice What a model owner schedules. The registry turns it into a `Terms` version by appending the protocol fee
/// entry (and the parent creator entry for a fine-tune) to `payees`.
struct TermsInput {
    uint256 pricePerRequest;
    bool active;
    uint16 verdictGraceEpochs;
    uint16 protocolFeeBps;
    SlaTerms sla;
    Payee[] payees;
}

/// @notice Terms of a model in force from epoch `fromEpoch` until the next version's `fromEpoch`.
/// @dev `payees` sums to exactly 10,000 bps: the owner's entries, then the ProtocolFee entry, then (fine-tunes only)
/// the ParentCreator entry. `verdictGraceEpochs` (> 0): once epoch `e + 1 + verdictGraceEpochs` has begun without a
/// verdict for `e`, every payment of `e` can be withdrawn in full from its escrow.
struct Terms {
    uint64 fromEpoch;
    bool active;
    uint16 verdictGraceEpochs;
    uint256 pricePerRequest;
    SlaTerms sla;
    Payee[] payees;
}

/// @notice The host a model's probers measure from epoch `fromEpoch` on (until the next entry's fromEpoch).
struct HostVersion {
    uint64 fromEpoch;
    address signer;
    string endpoint;
}

/// @notice Everything fixed or chosen at mint.
/// @param genesis start of epoch 0 (unix seconds, not in the future; 0 means the mint block's timestamp)
/// @param epochSeconds epoch length
/// @param parentId model this one fine-tunes, 0 for none
/// @param royaltyBps ERC-2981 royalty for secondary sales of this token
/// @param derivativeShareBps share future fine-tunes of this model must carve out for its creator
struct MintParams {
    ModelMetadata metadata;
    License license;
    string hostEndpoint;
    address hostSigner;
    uint64 genesis;
    uint64 epochSeconds;
    uint256 parentId;
    uint16 royaltyBps;
    uint16 derivativeShareBps;
    TermsInput terms;
}

/// @notice Fixed facts of a model (set at mint, never change).
struct ModelCore {
    address creator;
    uint64 genesis;
    uint64 epochSeconds;
    uint256 parentId;
    uint16 parentShareBps;
}

/// @notice Prober-signed measurement of one (model, epoch); signed as EIP-712 typed data by the SlaOracle's domain.
struct Report {
    uint256 modelId;
    uint64 epoch;
    uint32 p50Ms;
    uint32 p95Ms;
    uint32 p99Ms;
    uint16 uptimeBps;
    uint32 sampleCount;
    bytes32 samplesRoot;
    /// @dev paid calls' usage records taken as evidence (0 for a model not sold per call), and their Merkle root
    uint32 receiptCount;
    bytes32 receiptsRoot;
    uint16 refundBps;
}

/// @notice A recorded SLA verdict.
/// @param reportHash EIP-712 digest of the accepted Report (the exact hash the probers signed)
/// @param recordedAt block timestamp of recording; 0 means no verdict
struct Verdict {
    uint16 refundBps;
    uint64 recordedAt;
    bytes32 reportHash;
    bytes32 samplesRoot;
}
