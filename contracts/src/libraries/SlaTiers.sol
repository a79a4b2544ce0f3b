// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { RefundTier, SlaTerms } from "../types/ModelTypes.sol";

/// @title SlaTiers
/// @notice Validation of SLA terms and the refund they pick for a measured (uptime, p95 latency). The SlaOracle uses
/// `refundBps` to recompute a report's refund, so probers cannot invent one.
library SlaTiers {
    /// @notice At most this many refund tiers.
    uint256 internal constant MAX_TIERS = 4;
    uint16 internal constant BPS = 10_000;
    /// @notice Longest probe timeout terms may set: one probe round of every model must fit the prober's time budget,
    /// so one slow or hanging host cannot stall every model's measurement (off-chain: `MAX_PROBE_TIMEOUT_MS`).
    uint32 internal constant MAX_PROBE_TIMEOUT_MS = 30_000;

    /// @notice More than MAX_TIERS tiers.
    error TooManyTiers(uint256 count);
    /// @notice A bps figure (uptime or refund) exceeds 10,000.
    error BpsOutOfRange(uint256 value);
    /// @notice maxP95LatencyMs is zero or probeTimeoutMs is below it (a timed-out probe must count as a breach).
    error InvalidLatencyTerms(uint32 maxP95LatencyMs, uint32 probeTimeoutMs);
    /// @notice probeTimeoutMs exceeds MAX_PROBE_TIMEOUT_MS.
    error ProbeTimeoutTooLong(uint32 probeTimeoutMs, uint32 maxProbeTimeoutMs);
    /// @notice Tier `index` has a zero threshold or one above minUptimeBps (it could refund a met SLA).
    error TierThresholdOutOfRange(uint256 index);
    /// @notice Tier `index`'s threshold is not strictly below the previous tier's.
    error TierThresholdsNotDecreasing(uint256 index);
    /// @notice Tier `index` refunds less than the previous tier although uptime is lower.
    error TierRefundDecreasing(uint256 index);

    /// @notice Reverts unless `t` is well formed (see the errors above).
    function validate(SlaTerms memory t) internal pure {
        if (t.maxP95LatencyMs == 0 || t.probeTimeoutMs < t.maxP95LatencyMs) {
            revert InvalidLatencyTerms(t.maxP95LatencyMs, t.probeTimeoutMs);
        }
        if (t.probeTimeoutMs > MAX_PROBE_TIMEOUT_MS) {
            revert ProbeTimeoutTooLong(t.probeTimeoutMs, MAX_PROBE_TIMEOUT_MS);
        }
        if (t.minUptimeBps > BPS) revert BpsOutOfRange(t.minUptimeBps);
        if (t.latencyBreachRefundBps > BPS) revert BpsOutOfRange(t.latencyBreachRefundBps);
        RefundTier[] memory tiers = t.tiers;
        if (tiers.length > MAX_TIERS) revert TooManyTiers(tiers.length);
        for (uint256 i; i < tiers.length; ++i) {
            RefundTier memory tier = tiers[i];
            if (tier.refundBps > BPS) revert BpsOutOfRange(tier.refundBps);
            if (tier.uptimeBelowBps == 0 || tier.uptimeBelowBps > t.minUptimeBps) revert TierThresholdOutOfRange(i);
            if (i > 0) {
                if (tier.uptimeBelowBps >= tiers[i - 1].uptimeBelowBps) revert TierThresholdsNotDecreasing(i);
                if (tier.refundBps < tiers[i - 1].refundBps) revert TierRefundDecreasing(i);
            }
        }
    }

    /// @notice The refund `t` picks: the highest refund among tiers whose threshold `uptimeBps` is below, and if
    /// `p95Ms` exceeds maxP95LatencyMs, at least latencyBreachRefundBps. 0 when the SLA was met.
    function refundBps(SlaTerms memory t, uint16 uptimeBps, uint32 p95Ms) internal pure returns (uint16 refund) {
        RefundTier[] memory tiers = t.tiers;
        // Taking the max (rather than the last matching tier) keeps the result right even for unvalidated terms.
        for (uint256 i; i < tiers.length; ++i) {
            if (uptimeBps < tiers[i].uptimeBelowBps && tiers[i].refundBps > refund) refund = tiers[i].refundBps;
        }
        if (p95Ms > t.maxP95LatencyMs && t.latencyBreachRefundBps > refund) refund = t.latencyBreachRefundBps;
    }
}
