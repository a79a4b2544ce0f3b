// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "./IMessenger.sol";
import {
    License,
    ModelCore,
    ModelMetadata,
    MintParams,
    Payee,
    SlaTerms,
    Terms,
    TermsInput
} from "../types/ModelTypes.sol";

/// @title IModelRegistry
/// @notice Home-chain registry of Model NFTs (ERC-721, tokenId = modelId, ids from 1). The token owner manages a
/// model; its creator (the minter) keeps the ERC-2981 royalty.
///
/// Epochs: epoch `e` of a model covers [genesis + e * epochSeconds, genesis + (e + 1) * epochSeconds). The clock is
/// fixed at mint: changing it would renumber epochs that escrows, probers and verdicts already refer to.
///
/// Terms versioning: price, `active`, SLA terms and the split table form one `Terms` version. A model owner's change
/// is scheduled for `currentEpoch + 1`; a second change before that epoch starts replaces the pending one. So the
/// terms of an epoch are fixed once it started, and `termsAt(modelId, e)` is the version with the greatest
/// `fromEpoch <= e`. The first version applies from the epoch in progress at mint. Each scheduling bumps the model's
/// listing version (`listingVersionOf`), which every published listing carries so receivers can ignore stale ones.
///
/// Split tables: the owner supplies entries (Creator, DataContributor, Validator, Host roles) and a protocol fee;
/// the registry appends a ProtocolFee entry paying the registry's fee recipient, then, for a fine-tune, a
/// ParentCreator entry paying the parent's creator (its minter, on the home chain: chain = block.chainid, account =
/// the left-padded address) the parent share. The parent share is the parent's `derivativeShareOf` at the
/// fine-tune's mint, fixed from then on, so a parent owner cannot squeeze existing fine-tunes. Either entry is only
/// appended when its share is non-zero. The complete table must sum to exactly 10,000 bps, i.e. the owner's entries sum to
/// 10,000 - protocolFeeBps - parentShareBps. Registry-level settings (fee recipient, minimum fee) are copied into a
/// version when it is scheduled and never rewrite existing versions.
interface IModelRegistry {
    // ---------------------------------------------------------------- errors

    /// @notice No model with this id.
    error ModelNotFound(uint256 modelId);
    /// @notice The caller is not the token owner of the model.
    error NotModelOwner(uint256 modelId, address caller);
    /// @notice The caller is not the model's creator (the minter).
    error NotCreator(uint256 modelId, address caller);
    /// @notice genesis lies in the future.
    error GenesisInFuture(uint64 genesis);
    /// @notice epochSeconds outside [MIN_EPOCH_SECONDS, MAX_EPOCH_SECONDS].
    error InvalidEpochSeconds(uint64 epochSeconds);
    /// @notice A royalty above MAX_ROYALTY_BPS.
    error RoyaltyTooHigh(uint16 royaltyBps);
    /// @notice A derivative (parent) share above MAX_PARENT_SHARE_BPS.
    error ParentShareTooHigh(uint16 shareBps);
    /// @notice The parent's license does not allow derivatives.
    error DerivativesNotAllowed(uint256 parentId);
    /// @notice The host signer is the zero address.
    error ZeroHostSigner();
    /// @notice The host endpoint is empty.
    error EmptyHostEndpoint();
    /// @notice The epoch lies before the model's first host (its mint epoch).
    error NoHostForEpoch(uint256 modelId, uint64 epoch);
    /// @notice pricePerRequest is zero.
    error ZeroPrice();
    /// @notice verdictGraceEpochs is zero (buyers must be able to take back an epoch's payments if no verdict comes).
    error ZeroVerdictGrace();
    /// @notice The owner's payee list is empty or, with the entries the registry appends, exceeds MAX_PAYEES.
    error InvalidPayeeCount(uint256 count);
    /// @notice Owner-supplied entry `index` uses a role only the registry may append (ProtocolFee, ParentCreator).
    error ReservedPayeeRole(uint256 index);
    /// @notice Entry `index` has a zero share, zero chain or zero account.
    error InvalidPayee(uint256 index);
    /// @notice The complete split table does not sum to 10,000 bps.
    error SharesNotTotal(uint256 totalBps);
    /// @notice The protocol fee is below the registry minimum.
    error ProtocolFeeTooLow(uint16 feeBps, uint16 minFeeBps);
    /// @notice The registry owner set a minimum protocol fee above MAX_MIN_PROTOCOL_FEE_BPS.
    error MinProtocolFeeTooHigh(uint16 feeBps);
    /// @notice The epoch lies before the model's first terms version.
    error NoTermsForEpoch(uint256 modelId, uint64 epoch);
    /// @notice The messenger is not on the registry owner's allowlist.
    error MessengerNotAllowed(address messenger);
    /// @notice No SLA oracle configured.
    error OracleNotSet();
    /// @notice The oracle has no verdict for (modelId, epoch) yet.
    error VerdictNotRecorded(uint256 modelId, uint64 epoch);
    /// @notice Payee `index` does not exist in the terms of that epoch.
    error PayoutIndexOutOfRange(uint32 index, uint256 count);
    /// @notice A payout must go through a netting vault on `chain`, and none is configured.
    error NoNettingVault(uint32 chain);
    /// @notice A zero address or zero bytes32 where one is not allowed.
    error ZeroAddress();

    // ---------------------------------------------------------------- events

    /// @notice A model was minted to its creator.
    event ModelMinted(
        uint256 indexed modelId, address indexed creator, uint256 indexed parentId, uint64 genesis, uint64 epochSeconds
    );
    /// @notice Terms were scheduled from `fromEpoch`; `replacedPending` when they replace a not yet started version.
    event TermsScheduled(uint256 indexed modelId, uint64 indexed fromEpoch, bool replacedPending);
    /// @notice Host endpoint and signer set from `fromEpoch` on (the mint epoch at mint, else the next epoch).
    event HostUpdated(uint256 indexed modelId, uint64 fromEpoch, string endpoint, address signer);
    /// @notice Metadata changed (immediately).
    event MetadataUpdated(uint256 indexed modelId, string artifactURI, bytes32 artifactHash);
    /// @notice License changed (immediately; existing fine-tunes keep their parent share).
    event LicenseUpdated(uint256 indexed modelId);
    /// @notice The creator's ERC-2981 royalty changed.
    event RoyaltyUpdated(uint256 indexed modelId, uint16 royaltyBps);
    /// @notice The share future fine-tunes carve out for this model's creator changed.
    event DerivativeShareUpdated(uint256 indexed modelId, uint16 shareBps);
    /// @notice The registry owner changed the minimum protocol fee (applies to terms scheduled from now on).
    event MinProtocolFeeUpdated(uint16 minFeeBps);
    /// @notice The registry owner changed the protocol fee recipient (applies to terms scheduled from now on).
    event ProtocolFeeRecipientUpdated(uint32 chain, bytes32 account);
    /// @notice The registry owner allowed or revoked a messenger.
    event MessengerSet(address indexed messenger, bool allowed);
    /// @notice The registry owner set the netting vault of `chain` (zero removes it).
    event NettingVaultSet(uint32 indexed chain, bytes32 vault);
    /// @notice The registry owner set the SLA oracle.
    event SlaOracleSet(address indexed oracle);
    /// @notice A ModelListing left for `dstChain`.
    event ListingPublished(uint256 indexed modelId, uint32 indexed dstChain, uint64 fromEpoch, bytes32 messageId);
    /// @notice A Payout left for `dstChain`.
    event PayoutPublished(
        uint256 indexed modelId,
        uint64 indexed epoch,
        uint32 indexed dstChain,
        uint32 payoutIndex,
        bytes32 payee,
        uint16 shareBps,
        bytes32 messageId
    );

    // ---------------------------------------------------------------- model lifecycle

    /// @notice Mints a new model to the caller (its creator) with its first terms.
    /// @return modelId the new token id
    function mint(MintParams calldata params) external returns (uint256 modelId);

    /// @notice Schedules new terms from `currentEpoch + 1` (replacing a pending version). Model owner only.
    /// @return fromEpoch the epoch the new terms apply from
    function scheduleTerms(uint256 modelId, TermsInput calldata terms) external returns (uint64 fromEpoch);

    /// @notice Schedules the latest terms with `active` changed, from `currentEpoch + 1`. Model owner only.
    function scheduleActive(uint256 modelId, bool active) external returns (uint64 fromEpoch);

    /// @notice Sets the host endpoint and signer from `currentEpoch + 1` (replacing one set earlier in this epoch),
    /// like every other term: the probers measure one endpoint per epoch, so a host cannot hide an outage by
    /// switching its endpoint mid-epoch. Model owner only.
    /// @return fromEpoch the epoch the new host applies from
    function setHost(uint256 modelId, string calldata endpoint, address signer) external returns (uint64 fromEpoch);

    /// @notice Replaces the metadata, effective immediately. Model owner only.
    function setMetadata(uint256 modelId, ModelMetadata calldata metadata) external;

    /// @notice Replaces the license, effective immediately. Model owner only.
    function setLicense(uint256 modelId, License calldata license) external;

    /// @notice Sets the share future fine-tunes must carve out for this model's creator. Model owner only.
    function setDerivativeShare(uint256 modelId, uint16 shareBps) external;

    /// @notice Sets the ERC-2981 royalty paid to the creator. Creator only, at most MAX_ROYALTY_BPS.
    function setRoyalty(uint256 modelId, uint16 royaltyBps) external;

    // ---------------------------------------------------------------- cross-chain publishing

    /// @notice Sends the model's latest terms version as a MessageCodec.ModelListing (with `listingVersionOf`) to
    /// `dstChain` through an allowlisted `messenger`, forwarding msg.value as the fee. Anyone may call; a receiver
    /// applies it from `max(fromEpoch, its current epoch + 1)` unless it already applied this or a newer version.
    function publishListing(uint256 modelId, uint32 dstChain, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId);

    /// @notice Sends a MessageCodec.Payout for payee `payoutIndex` of the terms of `epoch`, once the oracle recorded
    /// that epoch's verdict. The payee is the entry's account when it is paid on `dstChain`, else the netting vault
    /// of `dstChain`. Anyone may call.
    function publishPayout(uint256 modelId, uint64 epoch, uint32 dstChain, uint32 payoutIndex, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId);

    // ---------------------------------------------------------------- registry owner

    /// @notice Sets the registry-wide minimum protocol fee (for terms scheduled from now on).
    function setMinProtocolFee(uint16 minFeeBps) external;

    /// @notice Sets where protocol fees are paid (for terms scheduled from now on).
    function setProtocolFeeRecipient(uint32 chain, bytes32 account) external;

    /// @notice Allows or revokes a messenger for publishing.
    function setMessenger(address messenger, bool allowed) external;

    /// @notice Sets the netting vault of `chain` (bytes32(0) removes it).
    function setNettingVault(uint32 chain, bytes32 vault) external;

    /// @notice Sets the SLA oracle consulted by publishPayout.
    function setSlaOracle(address oracle) external;

    // ---------------------------------------------------------------- views

    /// @notice Fixed facts of a model: creator, clock, parent and parent share.
    function coreOf(uint256 modelId) external view returns (ModelCore memory);

    /// @notice The model's metadata.
    function metadataOf(uint256 modelId) external view returns (ModelMetadata memory);

    /// @notice The model's license.
    function licenseOf(uint256 modelId) external view returns (License memory);

    /// @notice The model's host endpoint and signer in force in the current epoch.
    function hostOf(uint256 modelId) external view returns (string memory endpoint, address signer);

    /// @notice The model's host endpoint and signer in force during `epoch`.
    function hostAt(uint256 modelId, uint64 epoch) external view returns (string memory endpoint, address signer);

    /// @notice The share future fine-tunes of this model carve out for its creator.
    function derivativeShareOf(uint256 modelId) external view returns (uint16);

    /// @notice The epoch in progress now.
    function currentEpoch(uint256 modelId) external view returns (uint64);

    /// @notice First second of `epoch`.
    function epochStart(uint256 modelId, uint64 epoch) external view returns (uint256);

    /// @notice First second after `epoch` (= start of the next epoch); the epoch is over once block.timestamp >= it.
    function epochEnd(uint256 modelId, uint64 epoch) external view returns (uint256);

    /// @notice The terms in force during `epoch`.
    function termsAt(uint256 modelId, uint64 epoch) external view returns (Terms memory);

    /// @notice The SLA terms in force during `epoch`.
    function slaTermsAt(uint256 modelId, uint64 epoch) external view returns (SlaTerms memory);

    /// @notice The split table in force during `epoch`.
    function payees(uint256 modelId, uint64 epoch) external view returns (Payee[] memory);

    /// @notice The most recently scheduled version (possibly pending, i.e. fromEpoch = currentEpoch + 1).
    function latestTerms(uint256 modelId) external view returns (Terms memory);

    /// @notice Number of terms versions of the model.
    function termsVersionCount(uint256 modelId) external view returns (uint256);

    /// @notice The model's listing version: 1 at mint, +1 for every scheduleTerms / scheduleActive (a replaced
    /// pending version counts too), so a later listing always carries a higher version.
    function listingVersionOf(uint256 modelId) external view returns (uint32);

    /// @notice Registry-wide minimum protocol fee.
    function minProtocolFeeBps() external view returns (uint16);

    /// @notice Where protocol fees are paid.
    function protocolFeeRecipient() external view returns (uint32 chain, bytes32 account);

    /// @notice Whether `messenger` may be used for publishing.
    function isMessenger(address messenger) external view returns (bool);

    /// @notice The netting vault of `chain`, zero if none.
    function nettingVault(uint32 chain) external view returns (bytes32);

    /// @notice The SLA oracle consulted by publishPayout.
    function slaOracle() external view returns (address);
}
