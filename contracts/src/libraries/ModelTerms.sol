// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IModelRegistry } from "../interfaces/IModelRegistry.sol";
import { SlaTiers } from "./SlaTiers.sol";
import { Payee, PayeeRole, SlaTerms, Terms, TermsInput } from "../types/ModelTypes.sol";

/// @title ModelTerms
/// @notice The write path of ModelRegistry's terms versioning: validation and storage of versions. Its functions are
/// `external` (deployed once, linked, run by DELEGATECALL) to keep ModelRegistry under the EIP-170 code size limit.
/// It reverts with IModelRegistry's errors.
library ModelTerms {
    /// @notice Most entries of a split table, appended entries included (bounds payout fan-out).
    uint256 internal constant MAX_PAYEES = 16;
    uint16 private constant BPS = 10_000;

    /// @notice Registry state the split table depends on, copied into the version when it is scheduled.
    struct SplitContext {
        uint16 minProtocolFeeBps;
        uint32 feeChain;
        bytes32 feeAccount;
        uint16 parentShareBps;
        uint32 parentChain;
        bytes32 parentAccount;
    }

    /// @notice Validates `input` and stores it as the version from `fromEpoch`: a new version, or in place of the
    /// last one when that already starts at `fromEpoch` (it is pending then: callers only pass the epoch in progress
    /// at mint, or currentEpoch + 1).
    /// @return replaced whether a pending version was replaced
    function schedule(Terms[] storage versions, TermsInput calldata input, uint64 fromEpoch, SplitContext memory ctx)
        external
        returns (bool replaced)
    {
        if (input.pricePerRequest == 0) revert IModelRegistry.ZeroPrice();
        if (input.verdictGraceEpochs == 0) revert IModelRegistry.ZeroVerdictGrace();
        SlaTiers.validate(input.sla);
        Terms storage t;
        (t, replaced) = _slot(versions, fromEpoch);
        t.active = input.active;
        t.verdictGraceEpochs = input.verdictGraceEpochs;
        t.pricePerRequest = input.pricePerRequest;
        _writeSla(t.sla, input.sla);
        _writePayees(t, input, ctx);
    }

    /// @notice Schedules the latest version with `active` changed from `fromEpoch` (= currentEpoch + 1).
    /// @return replaced whether a pending version was changed in place
    function scheduleActive(Terms[] storage versions, uint64 fromEpoch, bool active) external returns (bool replaced) {
        Terms storage last = versions[versions.length - 1];
        replaced = last.fromEpoch == fromEpoch;
        if (!replaced) {
            Terms storage next = versions.push();
            next.fromEpoch = fromEpoch;
            next.pricePerRequest = last.pricePerRequest;
            next.verdictGraceEpochs = last.verdictGraceEpochs;
            SlaTerms storage s = next.sla;
            s.maxP95LatencyMs = last.sla.maxP95LatencyMs;
            s.minUptimeBps = last.sla.minUptimeBps;
            s.probeTimeoutMs = last.sla.probeTimeoutMs;
            s.latencyBreachRefundBps = last.sla.latencyBreachRefundBps;
            for (uint256 i; i < last.sla.tiers.length; ++i) {
                s.tiers.push(last.sla.tiers[i]);
            }
            for (uint256 i; i < last.payees.length; ++i) {
                next.payees.push(last.payees[i]);
            }
            last = next;
        }
        last.active = active;
    }

    /// @notice The version in force during `epoch`: greatest fromEpoch <= epoch (binary search, ascending list).
    function versionAt(Terms[] storage versions, uint256 modelId, uint64 epoch) internal view returns (Terms storage) {
        if (epoch < versions[0].fromEpoch) revert IModelRegistry.NoTermsForEpoch(modelId, epoch);
        uint256 lo;
        uint256 hi = versions.length;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (versions[mid].fromEpoch <= epoch) lo = mid;
            else hi = mid;
        }
        return versions[lo];
    }

    function _slot(Terms[] storage versions, uint64 fromEpoch) private returns (Terms storage t, bool replaced) {
        uint256 count = versions.length;
        replaced = count != 0 && versions[count - 1].fromEpoch == fromEpoch;
        t = replaced ? versions[count - 1] : versions.push();
        t.fromEpoch = fromEpoch;
    }

    function _writeSla(SlaTerms storage s, SlaTerms calldata input) private {
        s.maxP95LatencyMs = input.maxP95LatencyMs;
        s.minUptimeBps = input.minUptimeBps;
        s.probeTimeoutMs = input.probeTimeoutMs;
        s.latencyBreachRefundBps = input.latencyBreachRefundBps;
        delete s.tiers;
        for (uint256 i; i < input.tiers.length; ++i) {
            s.tiers.push(input.tiers[i]);
        }
    }

    /// @dev Owner entries, then ProtocolFee, then ParentCreator (see IModelRegistry); the whole sums to 10,000.
    function _writePayees(Terms storage t, TermsInput calldata input, SplitContext memory ctx) private {
        uint16 fee = input.protocolFeeBps;
        if (fee < ctx.minProtocolFeeBps) revert IModelRegistry.ProtocolFeeTooLow(fee, ctx.minProtocolFeeBps);
        uint256 n = input.payees.length;
        uint256 size = n + (fee != 0 ? 1 : 0) + (ctx.parentShareBps != 0 ? 1 : 0);
        if (n == 0 || size > MAX_PAYEES) revert IModelRegistry.InvalidPayeeCount(size);

        delete t.payees;
        Payee[] storage table = t.payees;
        uint256 total;
        for (uint256 i; i < n; ++i) {
            Payee calldata e = input.payees[i];
            if (e.role == PayeeRole.ProtocolFee || e.role == PayeeRole.ParentCreator) {
                revert IModelRegistry.ReservedPayeeRole(i);
            }
            if (e.shareBps == 0 || e.chain == 0 || e.account == bytes32(0)) revert IModelRegistry.InvalidPayee(i);
            total += e.shareBps;
            table.push(e);
        }
        if (fee != 0) {
            table.push(Payee(PayeeRole.ProtocolFee, ctx.feeChain, ctx.feeAccount, fee));
            total += fee;
        }
        if (ctx.parentShareBps != 0) {
            table.push(Payee(PayeeRole.ParentCreator, ctx.parentChain, ctx.parentAccount, ctx.parentShareBps));
            total += ctx.parentShareBps;
        }
        if (total != BPS) revert IModelRegistry.SharesNotTotal(total);
    }
}
