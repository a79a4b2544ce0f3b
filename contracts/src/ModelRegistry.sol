// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { ERC721 } from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import { IERC165 } from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import { IERC2981 } from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { IModelRegistry } from "./interfaces/IModelRegistry.sol";
import { IMessenger } from "./interfaces/IMessenger.sol";
import { ISlaOracle } from "./interfaces/ISlaOracle.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";
import { MessengerFees } from "./libraries/MessengerFees.sol";
import { ModelTerms } from "./libraries/ModelTerms.sol";
import {
    License,
    ModelCore,
    ModelMetadata,
    MintParams,
    HostVersion,
    Payee,
    SlaTerms,
    Terms,
    TermsInput
} from "./types/ModelTypes.sol";

/// @title ModelRegistry
/// @notice Home-chain registry of Model NFTs: metadata, license, host, epoch clock, versioned terms (price, active,
/// SLA, split table), ERC-2981 royalty, and publishing of listings and payouts to payment chains.
contract ModelRegistry is IModelRegistry, ERC721, IERC2981, Ownable2Step {
    /// @notice Shortest epoch this deployment accepts: probers need time to measure and sign. A deployment setting,
    /// not a constant: an hour or more in production, a few seconds on the local devnet (same code).
    uint64 public immutable MIN_EPOCH_SECONDS;
    /// @notice Longest epoch: escrows hold buyers' money until their epoch's verdict.
    uint64 public constant MAX_EPOCH_SECONDS = 90 days;
    /// @notice Cap of the ERC-2981 royalty.
    uint16 public constant MAX_ROYALTY_BPS = 1_000;
    /// @notice Cap of the share a parent takes from its fine-tunes.
    uint16 public constant MAX_PARENT_SHARE_BPS = 5_000;
    /// @notice Cap of the registry-wide minimum protocol fee.
    uint16 public constant MAX_MIN_PROTOCOL_FEE_BPS = 2_000;
    /// @notice Most entries of a split table, appended entries included (bounds payout fan-out).
    uint256 public constant MAX_PAYEES = ModelTerms.MAX_PAYEES;

    uint16 private constant BPS = 10_000;

    struct Model {
        ModelCore core;
        uint16 royaltyBps;
        uint16 derivativeShareBps;
        uint32 listingVersion;
        /// @dev In ascending fromEpoch; only the last may lie in the future (fromEpoch = currentEpoch + 1).
        HostVersion[] hosts;
        ModelMetadata metadata;
        License license;
    }

    /// @inheritdoc IModelRegistry
    uint16 public minProtocolFeeBps;
    /// @inheritdoc IModelRegistry
    mapping(address messenger => bool allowed) public isMessenger;
    /// @inheritdoc IModelRegistry
    mapping(uint32 chain => bytes32 vault) public nettingVault;
    /// @inheritdoc IModelRegistry
    address public slaOracle;

    uint32 private _feeChain;
    bytes32 private _feeAccount;
    uint256 private _nextModelId = 1;
    mapping(uint256 modelId => Model) private _models;
    /// @dev Versions in ascending fromEpoch; only the last may lie in the future (fromEpoch = currentEpoch + 1).
    mapping(uint256 modelId => Terms[]) private _versions;

    modifier onlyModelOwner(uint256 modelId) {
        _model(modelId);
        if (_ownerOf(modelId) != msg.sender) revert NotModelOwner(modelId, msg.sender);
        _;
    }

    /// @param owner_ registry owner (messengers, vaults, oracle, protocol fee)
    /// @param minFeeBps registry-wide minimum protocol fee
    /// @param feeChain chain the protocol fee is paid on
    /// @param feeAccount protocol fee recipient on `feeChain`
    /// @param minEpochSeconds shortest epoch a model may use (1 ..= MAX_EPOCH_SECONDS)
    constructor(address owner_, uint16 minFeeBps, uint32 feeChain, bytes32 feeAccount, uint64 minEpochSeconds)
        ERC721("slabridge Model", "SLAMODEL")
        Ownable(owner_)
    {
        if (minEpochSeconds == 0 || minEpochSeconds > MAX_EPOCH_SECONDS) revert InvalidEpochSeconds(minEpochSeconds);
        MIN_EPOCH_SECONDS = minEpochSeconds;
        _setMinProtocolFee(minFeeBps);
        _setProtocolFeeRecipient(feeChain, feeAccount);
    }

    // ---------------------------------------------------------------- model lifecycle

    /// @inheritdoc IModelRegistry
    function mint(MintParams calldata p) external returns (uint256 modelId) {
        uint64 genesis = p.genesis == 0 ? uint64(block.timestamp) : p.genesis;
        // forge-lint: disable-next-line(block-timestamp)
        if (genesis > block.timestamp) revert GenesisInFuture(genesis);
        if (p.epochSeconds < MIN_EPOCH_SECONDS || p.epochSeconds > MAX_EPOCH_SECONDS) {
            revert InvalidEpochSeconds(p.epochSeconds);
        }
        if (p.royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(p.royaltyBps);
        if (p.derivativeShareBps > MAX_PARENT_SHARE_BPS) revert ParentShareTooHigh(p.derivativeShareBps);
        uint16 parentShare;
        if (p.parentId != 0) {
            Model storage parent = _model(p.parentId);
            if (!parent.license.derivativesAllowed) revert DerivativesNotAllowed(p.parentId);
            parentShare = parent.derivativeShareBps;
        }

        modelId = _nextModelId++;
        Model storage m = _models[modelId];
        m.core = ModelCore(msg.sender, genesis, p.epochSeconds, p.parentId, parentShare);
        m.royaltyBps = p.royaltyBps;
        m.derivativeShareBps = p.derivativeShareBps;
        m.metadata = p.metadata;
        m.license = p.license;
        // _mint, not _safeMint: the caller mints to itself, and no callback may run before the terms exist.
        _mint(msg.sender, modelId);
        emit ModelMinted(modelId, msg.sender, p.parentId, genesis, p.epochSeconds);
        uint64 mintEpoch = _epochAt(m.core, block.timestamp);
        _setHost(m, modelId, mintEpoch, p.hostEndpoint, p.hostSigner);
        emit MetadataUpdated(modelId, p.metadata.artifactURI, p.metadata.artifactHash);
        _schedule(modelId, m.core, p.terms, mintEpoch);
    }

    /// @inheritdoc IModelRegistry
    function scheduleTerms(uint256 modelId, TermsInput calldata terms)
        external
        onlyModelOwner(modelId)
        returns (uint64 fromEpoch)
    {
        ModelCore storage core = _models[modelId].core;
        fromEpoch = _epochAt(core, block.timestamp) + 1;
        _schedule(modelId, core, terms, fromEpoch);
    }

    /// @inheritdoc IModelRegistry
    function scheduleActive(uint256 modelId, bool active) external onlyModelOwner(modelId) returns (uint64 fromEpoch) {
        Model storage m = _models[modelId];
        fromEpoch = _epochAt(m.core, block.timestamp) + 1;
        bool replaced = ModelTerms.scheduleActive(_versions[modelId], fromEpoch, active);
        ++m.listingVersion;
        emit TermsScheduled(modelId, fromEpoch, replaced);
    }

    /// @inheritdoc IModelRegistry
    function setHost(uint256 modelId, string calldata endpoint, address signer)
        external
        onlyModelOwner(modelId)
        returns (uint64 fromEpoch)
    {
        Model storage m = _models[modelId];
        fromEpoch = _epochAt(m.core, block.timestamp) + 1;
        _setHost(m, modelId, fromEpoch, endpoint, signer);
    }

    /// @inheritdoc IModelRegistry
    function setMetadata(uint256 modelId, ModelMetadata calldata metadata) external onlyModelOwner(modelId) {
        _models[modelId].metadata = metadata;
        emit MetadataUpdated(modelId, metadata.artifactURI, metadata.artifactHash);
    }

    /// @inheritdoc IModelRegistry
    function setLicense(uint256 modelId, License calldata license) external onlyModelOwner(modelId) {
        _models[modelId].license = license;
        emit LicenseUpdated(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setDerivativeShare(uint256 modelId, uint16 shareBps) external onlyModelOwner(modelId) {
        if (shareBps > MAX_PARENT_SHARE_BPS) revert ParentShareTooHigh(shareBps);
        _models[modelId].derivativeShareBps = shareBps;
        emit DerivativeShareUpdated(modelId, shareBps);
    }

    /// @inheritdoc IModelRegistry
    function setRoyalty(uint256 modelId, uint16 royaltyBps) external {
        Model storage m = _model(modelId);
        if (m.core.creator != msg.sender) revert NotCreator(modelId, msg.sender);
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps);
        m.royaltyBps = royaltyBps;
        emit RoyaltyUpdated(modelId, royaltyBps);
    }

    // ---------------------------------------------------------------- cross-chain publishing

    /// @inheritdoc IModelRegistry
    function publishListing(uint256 modelId, uint32 dstChain, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId)
    {
        Model storage m = _model(modelId);
        ModelCore storage core = m.core;
        Terms[] storage versions = _versions[modelId];
        Terms storage latest = versions[versions.length - 1];
        bytes memory message = MessageCodec.encodeModelListing(
            MessageCodec.ModelListing({
                modelId: modelId,
                genesis: core.genesis,
                epochSeconds: core.epochSeconds,
                fromEpoch: latest.fromEpoch,
                pricePerRequest: latest.pricePerRequest,
                active: latest.active,
                version: m.listingVersion,
                verdictGraceEpochs: latest.verdictGraceEpochs
            })
        );
        messageId = _send(messenger, dstChain, message);
        emit ListingPublished(modelId, dstChain, latest.fromEpoch, messageId);
    }

    /// @inheritdoc IModelRegistry
    function publishPayout(uint256 modelId, uint64 epoch, uint32 dstChain, uint32 payoutIndex, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId)
    {
        address oracle = slaOracle;
        if (oracle == address(0)) revert OracleNotSet();
        Payee[] storage table = _versionAt(modelId, epoch).payees;
        if (!ISlaOracle(oracle).hasVerdict(modelId, epoch)) revert VerdictNotRecorded(modelId, epoch);
        if (payoutIndex >= table.length) revert PayoutIndexOutOfRange(payoutIndex, table.length);
        Payee storage entry = table[payoutIndex];
        bytes32 payee = entry.account;
        // Value paid on another chain than the payee's is netted and bridged onward by that chain's vault.
        if (entry.chain != dstChain) {
            payee = nettingVault[dstChain];
            if (payee == bytes32(0)) revert NoNettingVault(dstChain);
        }
        uint16 shareBps = entry.shareBps;
        bytes memory message = MessageCodec.encodePayout(
            MessageCodec.Payout({
                modelId: modelId, epoch: epoch, payoutIndex: payoutIndex, payee: payee, shareBps: shareBps
            })
        );
        messageId = _send(messenger, dstChain, message);
        emit PayoutPublished(modelId, epoch, dstChain, payoutIndex, payee, shareBps, messageId);
    }

    // ---------------------------------------------------------------- registry owner

    /// @inheritdoc IModelRegistry
    function setMinProtocolFee(uint16 minFeeBps) external onlyOwner {
        _setMinProtocolFee(minFeeBps);
    }

    /// @inheritdoc IModelRegistry
    function setProtocolFeeRecipient(uint32 chain, bytes32 account) external onlyOwner {
        _setProtocolFeeRecipient(chain, account);
    }

    /// @inheritdoc IModelRegistry
    function setMessenger(address messenger, bool allowed) external onlyOwner {
        if (messenger == address(0)) revert ZeroAddress();
        isMessenger[messenger] = allowed;
        emit MessengerSet(messenger, allowed);
    }

    /// @inheritdoc IModelRegistry
    function setNettingVault(uint32 chain, bytes32 vault) external onlyOwner {
        nettingVault[chain] = vault;
        emit NettingVaultSet(chain, vault);
    }

    /// @inheritdoc IModelRegistry
    function setSlaOracle(address oracle) external onlyOwner {
        if (oracle == address(0)) revert ZeroAddress();
        slaOracle = oracle;
        emit SlaOracleSet(oracle);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IModelRegistry
    function coreOf(uint256 modelId) external view returns (ModelCore memory) {
        return _model(modelId).core;
    }

    /// @inheritdoc IModelRegistry
    function metadataOf(uint256 modelId) external view returns (ModelMetadata memory) {
        return _model(modelId).metadata;
    }

    /// @inheritdoc IModelRegistry
    function licenseOf(uint256 modelId) external view returns (License memory) {
        return _model(modelId).license;
    }

    /// @inheritdoc IModelRegistry
    function hostOf(uint256 modelId) external view returns (string memory endpoint, address signer) {
        return hostAt(modelId, _epochAt(_model(modelId).core, block.timestamp));
    }

    /// @inheritdoc IModelRegistry
    function hostAt(uint256 modelId, uint64 epoch) public view returns (string memory endpoint, address signer) {
        HostVersion[] storage hosts = _model(modelId).hosts;
        // newest first: lookups are for recent epochs, and the list grows only when the host changes
        for (uint256 i = hosts.length; i != 0; --i) {
            HostVersion storage h = hosts[i - 1];
            if (h.fromEpoch <= epoch) return (h.endpoint, h.signer);
        }
        revert NoHostForEpoch(modelId, epoch);
    }

    /// @inheritdoc IModelRegistry
    function derivativeShareOf(uint256 modelId) external view returns (uint16) {
        return _model(modelId).derivativeShareBps;
    }

    /// @inheritdoc IModelRegistry
    function currentEpoch(uint256 modelId) external view returns (uint64) {
        return _epochAt(_model(modelId).core, block.timestamp);
    }

    /// @inheritdoc IModelRegistry
    function epochStart(uint256 modelId, uint64 epoch) external view returns (uint256) {
        ModelCore storage core = _model(modelId).core;
        return uint256(core.genesis) + uint256(epoch) * core.epochSeconds;
    }

    /// @inheritdoc IModelRegistry
    function epochEnd(uint256 modelId, uint64 epoch) external view returns (uint256) {
        ModelCore storage core = _model(modelId).core;
        return uint256(core.genesis) + (uint256(epoch) + 1) * core.epochSeconds;
    }

    /// @inheritdoc IModelRegistry
    function termsAt(uint256 modelId, uint64 epoch) external view returns (Terms memory) {
        return _versionAt(modelId, epoch);
    }

    /// @inheritdoc IModelRegistry
    function slaTermsAt(uint256 modelId, uint64 epoch) external view returns (SlaTerms memory) {
        return _versionAt(modelId, epoch).sla;
    }

    /// @inheritdoc IModelRegistry
    function payees(uint256 modelId, uint64 epoch) external view returns (Payee[] memory) {
        return _versionAt(modelId, epoch).payees;
    }

    /// @inheritdoc IModelRegistry
    function latestTerms(uint256 modelId) external view returns (Terms memory) {
        _model(modelId);
        Terms[] storage versions = _versions[modelId];
        return versions[versions.length - 1];
    }

    /// @inheritdoc IModelRegistry
    function termsVersionCount(uint256 modelId) external view returns (uint256) {
        _model(modelId);
        return _versions[modelId].length;
    }

    /// @inheritdoc IModelRegistry
    function listingVersionOf(uint256 modelId) external view returns (uint32) {
        return _model(modelId).listingVersion;
    }

    /// @inheritdoc IModelRegistry
    function protocolFeeRecipient() external view returns (uint32 chain, bytes32 account) {
        return (_feeChain, _feeAccount);
    }

    /// @notice The artifact URI of the model.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        return _model(tokenId).metadata.artifactURI;
    }

    /// @notice ERC-2981: the creator's address on the home chain receives `royaltyBps` of `salePrice`.
    function royaltyInfo(uint256 tokenId, uint256 salePrice) external view returns (address, uint256) {
        Model storage m = _model(tokenId);
        return (m.core.creator, salePrice * m.royaltyBps / BPS);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IERC2981).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _model(uint256 modelId) private view returns (Model storage m) {
        m = _models[modelId];
        if (m.core.creator == address(0)) revert ModelNotFound(modelId);
    }

    /// @dev Timestamps before genesis cannot occur: genesis is never in the future at mint.
    function _epochAt(ModelCore storage core, uint256 timestamp) private view returns (uint64) {
        return uint64((timestamp - core.genesis) / core.epochSeconds);
    }

    function _versionAt(uint256 modelId, uint64 epoch) private view returns (Terms storage) {
        _model(modelId);
        return ModelTerms.versionAt(_versions[modelId], modelId, epoch);
    }

    function _schedule(uint256 modelId, ModelCore storage core, TermsInput calldata input, uint64 fromEpoch) private {
        uint16 parentShare = core.parentShareBps;
        ModelTerms.SplitContext memory ctx = ModelTerms.SplitContext({
            minProtocolFeeBps: minProtocolFeeBps,
            feeChain: _feeChain,
            feeAccount: _feeAccount,
            parentShareBps: parentShare,
            parentChain: uint32(block.chainid),
            parentAccount: parentShare == 0
                ? bytes32(0)
                : bytes32(uint256(uint160(_models[core.parentId].core.creator)))
        });
        bool replaced = ModelTerms.schedule(_versions[modelId], input, fromEpoch, ctx);
        ++_models[modelId].listingVersion;
        emit TermsScheduled(modelId, fromEpoch, replaced);
    }

    /// @dev Sets the host from `fromEpoch` (the mint epoch, or currentEpoch + 1): a new entry, or in place of the last
    /// one when it already starts then (it has not started: a second change within one epoch).
    function _setHost(Model storage m, uint256 modelId, uint64 fromEpoch, string calldata endpoint, address signer)
        private
    {
        if (signer == address(0)) revert ZeroHostSigner();
        if (bytes(endpoint).length == 0) revert EmptyHostEndpoint();
        HostVersion[] storage hosts = m.hosts;
        uint256 n = hosts.length;
        HostVersion storage h = n != 0 && hosts[n - 1].fromEpoch == fromEpoch ? hosts[n - 1] : hosts.push();
        h.fromEpoch = fromEpoch;
        h.signer = signer;
        h.endpoint = endpoint;
        emit HostUpdated(modelId, fromEpoch, endpoint, signer);
    }

    function _send(IMessenger messenger, uint32 dstChain, bytes memory message) private returns (bytes32) {
        if (!isMessenger[address(messenger)]) revert MessengerNotAllowed(address(messenger));
        return MessengerFees.sendPayingQuote(messenger, dstChain, message);
    }

    function _setMinProtocolFee(uint16 minFeeBps) private {
        if (minFeeBps > MAX_MIN_PROTOCOL_FEE_BPS) revert MinProtocolFeeTooHigh(minFeeBps);
        minProtocolFeeBps = minFeeBps;
        emit MinProtocolFeeUpdated(minFeeBps);
    }

    function _setProtocolFeeRecipient(uint32 chain, bytes32 account) private {
        if (chain == 0 || account == bytes32(0)) revert ZeroAddress();
        _feeChain = chain;
        _feeAccount = account;
        emit ProtocolFeeRecipientUpdated(chain, account);
    }
}
