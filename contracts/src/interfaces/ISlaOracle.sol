// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IHostBond } from "./IHostBond.sol";
import { IMessenger } from "./IMessenger.sol";
import { Report, Verdict } from "../types/ModelTypes.sol";

/// @title ISlaOracle
/// @notice Records one SLA verdict per (model, epoch) on the home chain from a Report signed by M of the N prober
/// keys, and relays it to payment chains.
///
/// Reports are EIP-712 typed data, domain {name: "slabridge SLA", version: "1", chainId, verifyingContract: oracle},
/// type `Report(uint256 modelId,uint64 epoch,uint32 p50Ms,uint32 p95Ms,uint32 p99Ms,uint16 uptimeBps,
/// uint32 sampleCount,bytes32 samplesRoot,uint32 receiptCount,bytes32 receiptsRoot,uint16 refundBps)`. A report's
/// `reportHash` is its full EIP-712 digest (what the probers sign), so it names the home chain and oracle too.
interface ISlaOracle {
    // ---------------------------------------------------------------- errors

    /// @notice Threshold is zero or above the signer count.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);
    /// @notice More signers than MAX_SIGNERS.
    error TooManySigners(uint256 count);
    /// @notice The zero address as a signer.
    error ZeroSigner();
    /// @notice The same signer twice in a signer set.
    error DuplicateSignerInSet(address signer);
    /// @notice The epoch has not ended yet.
    error EpochNotOver(uint256 modelId, uint64 epoch, uint256 epochEnd);
    /// @notice A report figure is impossible: bps above 10,000, no samples, or percentiles out of order.
    error InvalidReport();
    /// @notice The report's refundBps differs from what the epoch's terms pick for its uptime and p95.
    error RefundMismatch(uint16 expected, uint16 reported);
    /// @notice A different report was already recorded for (modelId, epoch).
    error VerdictAlreadyRecorded(uint256 modelId, uint64 epoch, bytes32 recordedHash);
    /// @notice Fewer valid signatures than the threshold.
    error InsufficientSignatures(uint256 count, uint256 threshold);
    /// @notice Signature `index` does not parse or recover (bad length, high s, invalid v).
    error MalformedSignature(uint256 index);
    /// @notice Signature `index` recovers to a signer not in the current set.
    error UnknownSigner(uint256 index, address signer);
    /// @notice Signature `index` recovers to the same signer as the previous one.
    error DuplicateSignature(uint256 index, address signer);
    /// @notice Signature `index` recovers to a signer below the previous one (must be strictly ascending).
    error SignaturesNotSorted(uint256 index);
    /// @notice No verdict for (modelId, epoch) yet.
    error VerdictNotRecorded(uint256 modelId, uint64 epoch);
    /// @notice The messenger is not on the oracle owner's allowlist.
    error MessengerNotAllowed(address messenger);
    /// @notice The verdict already left for `dstChain` through `messenger`: the destination applies it once, so a
    /// second message would only cost its fee.
    error VerdictAlreadyPublished(uint256 modelId, uint64 epoch, uint32 dstChain, address messenger);
    /// @notice The registry address is zero.
    error ZeroRegistry();

    // ---------------------------------------------------------------- events

    /// @notice The owner replaced the prober signer set.
    event SignersUpdated(uint256 indexed setId, address[] signers, uint256 threshold);
    /// @notice The owner allowed or revoked a messenger.
    event MessengerSet(address indexed messenger, bool allowed);
    /// @notice A verdict was recorded; carries every report figure for relayers and dispute evidence.
    event VerdictRecorded(
        uint256 indexed modelId,
        uint64 indexed epoch,
        uint16 refundBps,
        bytes32 reportHash,
        bytes32 samplesRoot,
        uint32 p50Ms,
        uint32 p95Ms,
        uint32 p99Ms,
        uint16 uptimeBps,
        uint32 sampleCount,
        bytes32 receiptsRoot,
        uint32 receiptCount
    );
    /// @notice The owner set the HostBond consulted for verdict top-ups (zero: none).
    event HostBondSet(address indexed hostBond);
    /// @notice A Verdict message left for `dstChain`.
    event VerdictPublished(uint256 indexed modelId, uint64 indexed epoch, uint32 indexed dstChain, bytes32 messageId);

    // ---------------------------------------------------------------- functions

    /// @notice Replaces the prober signer set and threshold. Owner only.
    function setSigners(address[] calldata signers, uint256 threshold) external;

    /// @notice Allows or revokes a messenger for publishing verdicts. Owner only.
    function setMessenger(address messenger, bool allowed) external;

    /// @notice Sets the HostBond whose top-ups verdicts carry (zero: none, every top-up is 0). Owner only.
    function setHostBond(IHostBond hostBond) external;

    /// @notice Records the verdict of `report` once its epoch is over, given at least `threshold` signatures of
    /// distinct current signers, sorted by signer address ascending.
    /// @return recorded true if recorded now; false if this exact report was already recorded (idempotent retry)
    function submitReport(Report calldata report, bytes[] calldata signatures) external returns (bool recorded);

    /// @notice Sends the verdict of (modelId, epoch) as a MessageCodec.Verdict to `dstChain` through an allowlisted
    /// `messenger`, forwarding msg.value as the fee. Anyone may call. With a HostBond set, the message's `topUp` is
    /// `hostBond.topUpFor(modelId, epoch, dstChain)`, which settles the epoch's bond first: a breached epoch of a
    /// bonded model is published only once every payment chain's receipts are in (it reverts
    /// `IHostBond.ReceiptsIncomplete` until then). Without one the top-up is 0. Once per (modelId, epoch, dstChain,
    /// messenger) (`VerdictAlreadyPublished` after): a message that is slow or stuck is retried by its transport
    /// (LayerZero's endpoint, a Wormhole VAA, any time later), not sent again; another allowlisted messenger may still
    /// carry the verdict if a transport fails for good.
    function publishVerdict(uint256 modelId, uint64 epoch, uint32 dstChain, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId);

    /// @notice The EIP-712 digest probers sign for `report` (also its recorded reportHash).
    function hashReport(Report calldata report) external view returns (bytes32);

    /// @notice The verdict of (modelId, epoch); recordedAt == 0 if none.
    function verdictOf(uint256 modelId, uint64 epoch) external view returns (Verdict memory);

    /// @notice Whether (modelId, epoch) has a verdict.
    function hasVerdict(uint256 modelId, uint64 epoch) external view returns (bool);

    /// @notice Whether the verdict of (modelId, epoch) left for `dstChain` through `messenger`.
    function isPublished(uint256 modelId, uint64 epoch, uint32 dstChain, IMessenger messenger)
        external
        view
        returns (bool);

    /// @notice The current prober signers.
    function signers() external view returns (address[] memory);

    /// @notice The current threshold M.
    function threshold() external view returns (uint256);

    /// @notice Whether `account` is in the current signer set.
    function isSigner(address account) external view returns (bool);

    /// @notice Whether `messenger` may be used for publishing.
    function isMessenger(address messenger) external view returns (bool);

    /// @notice The HostBond consulted for verdict top-ups (zero: none).
    function hostBond() external view returns (IHostBond);

    /// @notice The model registry consulted for epochs and terms.
    function registry() external view returns (address);
}
