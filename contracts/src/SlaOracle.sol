// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { EIP712 } from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IHostBond } from "./interfaces/IHostBond.sol";
import { ISlaOracle } from "./interfaces/ISlaOracle.sol";
import { IModelRegistry } from "./interfaces/IModelRegistry.sol";
import { IMessenger } from "./interfaces/IMessenger.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";
import { MessengerFees } from "./libraries/MessengerFees.sol";
import { SlaTiers } from "./libraries/SlaTiers.sol";
import { Report, SlaTerms, Verdict } from "./types/ModelTypes.sol";

/// @title SlaOracle
/// @notice Records SLA verdicts signed by M of N probers on the home chain and publishes them to payment chains.
contract SlaOracle is ISlaOracle, EIP712, Ownable2Step {
    /// @notice EIP-712 type hash of Report.
    bytes32 public constant REPORT_TYPEHASH = keccak256(
        "Report(uint256 modelId,uint64 epoch,uint32 p50Ms,uint32 p95Ms,uint32 p99Ms,uint16 uptimeBps,"
        "uint32 sampleCount,bytes32 samplesRoot,uint32 receiptCount,bytes32 receiptsRoot,uint16 refundBps)"
    );
    /// @notice Most prober signers (bounds signature checking gas).
    uint256 public constant MAX_SIGNERS = 32;

    uint16 private constant BPS = 10_000;

    IModelRegistry private immutable _registry;

    /// @inheritdoc ISlaOracle
    uint256 public threshold;
    /// @inheritdoc ISlaOracle
    mapping(address messenger => bool allowed) public isMessenger;
    /// @inheritdoc ISlaOracle
    IHostBond public hostBond;

    address[] private _signers;
    /// @dev Replacing the set bumps the id, which retires every old signer without clearing storage.
    uint256 private _setId;
    mapping(address signer => uint256 setId) private _signerSetId;
    mapping(uint256 modelId => mapping(uint64 epoch => Verdict)) private _verdicts;
    /// @dev keccak256(modelId, epoch, dstChain, messenger) of every verdict message sent.
    mapping(bytes32 publication => bool sent) private _published;

    /// @param owner_ manages signers and messengers
    /// @param registry_ the ModelRegistry (epoch clock and terms)
    /// @param signers_ initial prober signers
    /// @param threshold_ initial M
    constructor(address owner_, IModelRegistry registry_, address[] memory signers_, uint256 threshold_)
        EIP712("slabridge SLA", "1")
        Ownable(owner_)
    {
        if (address(registry_) == address(0)) revert ZeroRegistry();
        _registry = registry_;
        _setSigners(signers_, threshold_);
    }

    /// @inheritdoc ISlaOracle
    function setSigners(address[] calldata signers_, uint256 threshold_) external onlyOwner {
        _setSigners(signers_, threshold_);
    }

    /// @inheritdoc ISlaOracle
    function setMessenger(address messenger, bool allowed) external onlyOwner {
        isMessenger[messenger] = allowed;
        emit MessengerSet(messenger, allowed);
    }

    /// @inheritdoc ISlaOracle
    function setHostBond(IHostBond hostBond_) external onlyOwner {
        hostBond = hostBond_;
        emit HostBondSet(address(hostBond_));
    }

    /// @inheritdoc ISlaOracle
    function submitReport(Report calldata report, bytes[] calldata signatures) external returns (bool recorded) {
        bytes32 digest = hashReport(report);
        Verdict storage v = _verdicts[report.modelId][report.epoch];
        if (v.recordedAt != 0) {
            // Bots retry: the same report again is a harmless no-op, a different one a conflict.
            if (v.reportHash == digest) return false;
            revert VerdictAlreadyRecorded(report.modelId, report.epoch, v.reportHash);
        }

        uint256 end = _registry.epochEnd(report.modelId, report.epoch);
        // Epochs are hours to days long; seconds of validator skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < end) revert EpochNotOver(report.modelId, report.epoch, end);
        if (
            report.uptimeBps > BPS || report.refundBps > BPS || report.sampleCount == 0 || report.p50Ms > report.p95Ms
                || report.p95Ms > report.p99Ms
        ) revert InvalidReport();

        // Probers attest measurements; the refund follows from the epoch's on-chain terms alone.
        SlaTerms memory terms = _registry.slaTermsAt(report.modelId, report.epoch);
        uint16 expected = SlaTiers.refundBps(terms, report.uptimeBps, report.p95Ms);
        if (expected != report.refundBps) revert RefundMismatch(expected, report.refundBps);

        _verifySignatures(digest, signatures);

        v.refundBps = report.refundBps;
        v.recordedAt = uint64(block.timestamp);
        v.reportHash = digest;
        v.samplesRoot = report.samplesRoot;
        _emitVerdict(report, digest);
        return true;
    }

    /// @inheritdoc ISlaOracle
    function publishVerdict(uint256 modelId, uint64 epoch, uint32 dstChain, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId)
    {
        if (!isMessenger[address(messenger)]) revert MessengerNotAllowed(address(messenger));
        Verdict storage v = _verdicts[modelId][epoch];
        if (v.recordedAt == 0) revert VerdictNotRecorded(modelId, epoch);
        bytes32 publication = _publicationOf(modelId, epoch, dstChain, messenger);
        if (_published[publication]) revert VerdictAlreadyPublished(modelId, epoch, dstChain, address(messenger));
        _published[publication] = true;
        IHostBond bond = hostBond;
        // settles the epoch's bond first (reverts, e.g. ReceiptsIncomplete, while its slash cannot be known yet)
        uint96 topUp = address(bond) == address(0) ? 0 : bond.topUpFor(modelId, epoch, dstChain);
        bytes memory message = MessageCodec.encodeVerdict(
            MessageCodec.Verdict({
                modelId: modelId, epoch: epoch, refundBps: v.refundBps, reportHash: v.reportHash, topUp: topUp
            })
        );
        messageId = MessengerFees.sendPayingQuote(messenger, dstChain, message);
        emit VerdictPublished(modelId, epoch, dstChain, messageId);
    }

    /// @inheritdoc ISlaOracle
    function hashReport(Report calldata report) public view returns (bytes32) {
        // Report has only static fields, so abi.encode(report) is the EIP-712 encoding of its members in order.
        return _hashTypedDataV4(keccak256(abi.encode(REPORT_TYPEHASH, report)));
    }

    /// @inheritdoc ISlaOracle
    function verdictOf(uint256 modelId, uint64 epoch) external view returns (Verdict memory) {
        return _verdicts[modelId][epoch];
    }

    /// @inheritdoc ISlaOracle
    function hasVerdict(uint256 modelId, uint64 epoch) external view returns (bool) {
        return _verdicts[modelId][epoch].recordedAt != 0;
    }

    /// @inheritdoc ISlaOracle
    function isPublished(uint256 modelId, uint64 epoch, uint32 dstChain, IMessenger messenger)
        external
        view
        returns (bool)
    {
        return _published[_publicationOf(modelId, epoch, dstChain, messenger)];
    }

    /// @inheritdoc ISlaOracle
    function signers() external view returns (address[] memory) {
        return _signers;
    }

    /// @inheritdoc ISlaOracle
    function isSigner(address account) public view returns (bool) {
        return account != address(0) && _signerSetId[account] == _setId;
    }

    /// @inheritdoc ISlaOracle
    function registry() external view returns (address) {
        return address(_registry);
    }

    function _publicationOf(uint256 modelId, uint64 epoch, uint32 dstChain, IMessenger messenger)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(modelId, epoch, dstChain, messenger));
    }

    function _setSigners(address[] memory signers_, uint256 threshold_) private {
        uint256 n = signers_.length;
        if (n > MAX_SIGNERS) revert TooManySigners(n);
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        uint256 id = ++_setId;
        for (uint256 i; i < n; ++i) {
            address s = signers_[i];
            if (s == address(0)) revert ZeroSigner();
            if (_signerSetId[s] == id) revert DuplicateSignerInSet(s);
            _signerSetId[s] = id;
        }
        _signers = signers_;
        threshold = threshold_;
        emit SignersUpdated(id, signers_, threshold_);
    }

    /// @dev Every signature must recover to a current signer, strictly ascending (which rules out duplicates), and
    /// there must be at least `threshold` of them. OZ ECDSA rejects high-s (malleable) signatures.
    function _verifySignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 count = signatures.length;
        uint256 m = threshold;
        if (count < m) revert InsufficientSignatures(count, m);
        uint256 id = _setId;
        address previous;
        for (uint256 i; i < count; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert MalformedSignature(i);
            if (signer == previous) revert DuplicateSignature(i, signer);
            if (signer < previous) revert SignaturesNotSorted(i);
            if (_signerSetId[signer] != id) revert UnknownSigner(i, signer);
            previous = signer;
        }
    }

    function _emitVerdict(Report calldata r, bytes32 digest) private {
        emit VerdictRecorded(
            r.modelId,
            r.epoch,
            r.refundBps,
            digest,
            r.samplesRoot,
            r.p50Ms,
            r.p95Ms,
            r.p99Ms,
            r.uptimeBps,
            r.sampleCount,
            r.receiptsRoot,
            r.receiptCount
        );
    }
}
