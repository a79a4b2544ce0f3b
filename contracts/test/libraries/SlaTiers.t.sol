// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { SlaTiers } from "../../src/libraries/SlaTiers.sol";
import { RefundTier, SlaTerms } from "../../src/types/ModelTypes.sol";

contract SlaTiersHarness {
    function validate(SlaTerms calldata t) external pure {
        SlaTiers.validate(t);
    }

    function refundBps(SlaTerms calldata t, uint16 uptimeBps, uint32 p95Ms) external pure returns (uint16) {
        return SlaTiers.refundBps(t, uptimeBps, p95Ms);
    }
}

contract SlaTiersTest is Test {
    SlaTiersHarness internal h;

    function setUp() public {
        h = new SlaTiersHarness();
    }

    function _terms() internal pure returns (SlaTerms memory s) {
        s.maxP95LatencyMs = 500;
        s.minUptimeBps = 9_950;
        s.probeTimeoutMs = 2_000;
        s.latencyBreachRefundBps = 1_500;
        s.tiers = new RefundTier[](4);
        s.tiers[0] = RefundTier(9_950, 1_000);
        s.tiers[1] = RefundTier(9_900, 2_500);
        s.tiers[2] = RefundTier(9_500, 5_000);
        s.tiers[3] = RefundTier(9_000, 10_000);
    }

    // ------------------------------------------------------------ validate

    function test_validate_acceptsDefault() public view {
        h.validate(_terms());
    }

    function test_validate_acceptsNoTiers() public view {
        SlaTerms memory s = _terms();
        s.tiers = new RefundTier[](0);
        h.validate(s);
    }

    function test_validate_revertsTooManyTiers() public {
        SlaTerms memory s = _terms();
        s.tiers = new RefundTier[](5);
        for (uint16 i; i < 5; ++i) {
            s.tiers[i] = RefundTier(9_950 - i * 100, 1_000 + i * 100);
        }
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TooManyTiers.selector, 5));
        h.validate(s);
    }

    function test_validate_revertsZeroMaxLatency() public {
        SlaTerms memory s = _terms();
        s.maxP95LatencyMs = 0;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.InvalidLatencyTerms.selector, 0, 2_000));
        h.validate(s);
    }

    function test_validate_revertsProbeTimeoutBelowMaxLatency() public {
        SlaTerms memory s = _terms();
        s.probeTimeoutMs = s.maxP95LatencyMs - 1;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.InvalidLatencyTerms.selector, 500, 499));
        h.validate(s);
    }

    function test_validate_acceptsProbeTimeoutAtMax() public view {
        SlaTerms memory s = _terms();
        s.probeTimeoutMs = SlaTiers.MAX_PROBE_TIMEOUT_MS;
        h.validate(s);
    }

    /// Finding 1: an uncapped timeout (the review's 300 s "large model") let one host outlast the prober's budget.
    function test_fuzz_validate_revertsProbeTimeoutAboveMax(uint32 timeoutMs) public {
        SlaTerms memory s = _terms();
        s.probeTimeoutMs = uint32(bound(timeoutMs, uint256(SlaTiers.MAX_PROBE_TIMEOUT_MS) + 1, type(uint32).max));
        vm.expectRevert(
            abi.encodeWithSelector(
                SlaTiers.ProbeTimeoutTooLong.selector, s.probeTimeoutMs, SlaTiers.MAX_PROBE_TIMEOUT_MS
            )
        );
        h.validate(s);
    }

    function test_validate_revertsMinUptimeAboveBps() public {
        SlaTerms memory s = _terms();
        s.minUptimeBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.BpsOutOfRange.selector, 10_001));
        h.validate(s);
    }

    function test_validate_revertsLatencyRefundAboveBps() public {
        SlaTerms memory s = _terms();
        s.latencyBreachRefundBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.BpsOutOfRange.selector, 10_001));
        h.validate(s);
    }

    function test_validate_revertsTierRefundAboveBps() public {
        SlaTerms memory s = _terms();
        s.tiers[3].refundBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.BpsOutOfRange.selector, 10_001));
        h.validate(s);
    }

    function test_validate_revertsTierAboveMinUptime() public {
        SlaTerms memory s = _terms();
        s.tiers[0].uptimeBelowBps = s.minUptimeBps + 1;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TierThresholdOutOfRange.selector, 0));
        h.validate(s);
    }

    function test_validate_revertsZeroThreshold() public {
        SlaTerms memory s = _terms();
        s.tiers[3].uptimeBelowBps = 0;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TierThresholdOutOfRange.selector, 3));
        h.validate(s);
    }

    function test_validate_revertsEqualThresholds() public {
        SlaTerms memory s = _terms();
        s.tiers[2].uptimeBelowBps = s.tiers[1].uptimeBelowBps;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TierThresholdsNotDecreasing.selector, 2));
        h.validate(s);
    }

    function test_validate_revertsIncreasingThresholds() public {
        SlaTerms memory s = _terms();
        s.tiers[1].uptimeBelowBps = 9_940;
        s.tiers[0].uptimeBelowBps = 9_900;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TierThresholdsNotDecreasing.selector, 1));
        h.validate(s);
    }

    function test_validate_revertsDecreasingRefund() public {
        SlaTerms memory s = _terms();
        s.tiers[2].refundBps = s.tiers[1].refundBps - 1;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.TierRefundDecreasing.selector, 2));
        h.validate(s);
    }

    function test_validate_acceptsEqualRefunds() public view {
        SlaTerms memory s = _terms();
        s.tiers[2].refundBps = s.tiers[1].refundBps;
        h.validate(s);
    }

    /// @dev Valid iff a straightforward re-statement of the rules says so.
    function testFuzz_validate_matchesReference(uint16[4] memory thresholds, uint16[4] memory refunds, uint8 count)
        public
    {
        SlaTerms memory s = _terms();
        count = uint8(bound(count, 0, 4));
        s.tiers = new RefundTier[](count);
        bool ok = true;
        for (uint256 i; i < count; ++i) {
            // Mostly in-range values so that valid tables are common.
            s.tiers[i] = RefundTier(uint16(bound(thresholds[i], 0, 10_000)), uint16(bound(refunds[i], 0, 10_001)));
            if (s.tiers[i].refundBps > 10_000) ok = false;
            if (s.tiers[i].uptimeBelowBps == 0 || s.tiers[i].uptimeBelowBps > s.minUptimeBps) ok = false;
            if (i > 0 && s.tiers[i].uptimeBelowBps >= s.tiers[i - 1].uptimeBelowBps) ok = false;
            if (i > 0 && s.tiers[i].refundBps < s.tiers[i - 1].refundBps) ok = false;
        }
        if (ok) {
            h.validate(s);
        } else {
            vm.expectRevert();
            h.validate(s);
        }
    }

    // ------------------------------------------------------------ refundBps

    function test_refundBps_zeroWhenMet() public view {
        assertEq(h.refundBps(_terms(), 9_950, 500), 0);
        assertEq(h.refundBps(_terms(), 10_000, 1), 0);
    }

    function test_refundBps_tierBoundaries() public view {
        SlaTerms memory s = _terms();
        assertEq(h.refundBps(s, 9_949, 0), 1_000);
        assertEq(h.refundBps(s, 9_900, 0), 1_000);
        assertEq(h.refundBps(s, 9_899, 0), 2_500);
        assertEq(h.refundBps(s, 9_499, 0), 5_000);
        assertEq(h.refundBps(s, 9_000, 0), 5_000);
        assertEq(h.refundBps(s, 8_999, 0), 10_000);
        assertEq(h.refundBps(s, 0, 0), 10_000);
    }

    function test_refundBps_latencyBreach() public view {
        SlaTerms memory s = _terms();
        assertEq(h.refundBps(s, 10_000, 501), 1_500);
        assertEq(h.refundBps(s, 9_949, 501), 1_500); // max(1,000, 1,500)
        assertEq(h.refundBps(s, 9_899, 501), 2_500); // max(2,500, 1,500)
        assertEq(h.refundBps(s, 10_000, 500), 0); // at the limit is not a breach
    }

    function test_refundBps_noTiers() public view {
        SlaTerms memory s = _terms();
        s.tiers = new RefundTier[](0);
        assertEq(h.refundBps(s, 0, 0), 0);
        assertEq(h.refundBps(s, 0, 501), 1_500);
    }

    /// @dev Reference: scan every tier, keep the largest refund of those whose threshold uptime is below.
    function testFuzz_refundBps_matchesReference(
        uint16[4] memory gaps,
        uint16[4] memory steps,
        uint8 count,
        uint16 uptime,
        uint32 p95,
        uint16 latencyRefund
    ) public view {
        SlaTerms memory s = _terms();
        s.latencyBreachRefundBps = uint16(bound(latencyRefund, 0, 10_000));
        count = uint8(bound(count, 0, 4));
        s.tiers = new RefundTier[](count);
        uint256 threshold = s.minUptimeBps + 1;
        uint256 refund;
        for (uint256 i; i < count; ++i) {
            if (threshold <= 1) {
                // forge-lint: disable-next-line(unsafe-typecast)
                count = uint8(i); // i < 4
                break;
            }
            threshold -= bound(gaps[i], 1, threshold - 1 < 3_000 ? threshold - 1 : 3_000);
            refund = bound(steps[i], refund, 10_000);
            // forge-lint: disable-next-line(unsafe-typecast)
            s.tiers[i] = RefundTier(uint16(threshold), uint16(refund)); // both <= 10,000
        }
        assembly {
            mstore(mload(add(s, 0x80)), count) // truncate tiers if thresholds ran out
        }
        h.validate(s);
        uptime = uint16(bound(uptime, 0, 10_000));
        p95 = uint32(bound(p95, 0, 5_000));

        uint16 expected;
        for (uint256 i; i < s.tiers.length; ++i) {
            if (uptime < s.tiers[i].uptimeBelowBps && s.tiers[i].refundBps > expected) expected = s.tiers[i].refundBps;
        }
        if (p95 > s.maxP95LatencyMs && s.latencyBreachRefundBps > expected) expected = s.latencyBreachRefundBps;
        assertEq(h.refundBps(s, uptime, p95), expected);

        // Monotone: less uptime never refunds less.
        if (uptime > 0) assertGe(h.refundBps(s, uptime - 1, p95), expected);
    }
}
