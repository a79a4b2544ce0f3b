// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IEpochSettlementEvents } from "./IEpochSettlementEvents.sol";
import { IMessenger } from "./IMessenger.sol";
import { Listing, EpochRecord, Payment, TopUp } from "../types/EscrowTypes.sol";

/// @title IEscrow
/// @notice slabridge's escrow on an EVM payment chain. Buyers pay for a model's inference in one stablecoin; the
/// money of a (model, epoch) stays here until the epoch's SLA verdict arrives from the home chain, then each buyer
/// gets `refundBps` of every payment back, the remainder is released, and the home chain's payout messages split
/// it among payees.
/// A verdict may carry a host bond top-up (`topUp`, slashed from the host's bond on the home chain): once the
/// chain's netting vault funds it, each buyer whose payment was not withdrawn before the verdict gets its pro rata
/// share on top of the refund. The top-up is not revenue: release and payouts never touch it.
/// @dev Money rules: escrow balance >= what it owes; no payment is refunded twice, no payout index paid twice; once
/// released, refunded + released == paid for the (model, epoch); payouts never exceed released; the top-up shares
/// paid never exceed what was funded and add up to exactly `due` once every payment got its share.
interface IEscrow is IEpochSettlementEvents {
    // ---------------------------------------------------------------- errors

    /// @notice A listing's epochSeconds is 0.
    error ZeroEpochSeconds(uint256 modelId);
    /// @notice A later listing names another epoch clock than the one the model was first listed with.
    error ClockMismatch(uint256 modelId, uint64 genesis, uint64 epochSeconds);
    /// @notice A listing's verdictGraceEpochs is 0.
    error ZeroVerdictGrace(uint256 modelId);
    /// @notice The model was never listed on this chain.
    error ModelNotListed(uint256 modelId);
    /// @notice The model's first epoch has not started yet.
    error BeforeGenesis(uint256 modelId, uint64 genesis);
    /// @notice The model is not active in the current epoch.
    error ModelInactive(uint256 modelId, uint64 epoch);
    /// @notice The amount is 0, not a multiple of the epoch's price, or does not fit uint96.
    error InvalidAmount(uint256 amount, uint256 pricePerRequest);
    /// @notice The (model, epoch) already holds 2^32 - 1 payments.
    error TooManyPayments(uint256 modelId, uint64 epoch);
    /// @notice The epoch has not ended yet on this chain.
    error EpochNotOver(uint256 modelId, uint64 epoch);
    /// @notice `messenger` is not one of the messengers the owner registered.
    error UnknownMessenger(address messenger);
    /// @notice A batch size of 0 was asked for while payments remain.
    error ZeroBatchSize();
    /// @notice Every payment of the (model, epoch) was already relayed (or its empty final batch sent).
    error NothingToRelay(uint256 modelId, uint64 epoch);
    /// @notice A verdict for the (model, epoch) was already applied.
    error AlreadySettled(uint256 modelId, uint64 epoch);
    /// @notice No verdict has been applied to the (model, epoch) yet.
    error NoVerdict(uint256 modelId, uint64 epoch);
    /// @notice Refunds of the (model, epoch) are not all done yet.
    error RefundsPending(uint256 modelId, uint64 epoch, uint32 refundCursor, uint32 count);
    /// @notice The (model, epoch)'s revenue was already released.
    error AlreadyReleased(uint256 modelId, uint64 epoch);
    /// @notice A payout arrived before the (model, epoch)'s revenue was released.
    error NotReleased(uint256 modelId, uint64 epoch);
    /// @notice This payout index of the (model, epoch) was already paid.
    error PayoutAlreadyPaid(uint256 modelId, uint64 epoch, uint32 payoutIndex);
    /// @notice The payee is not an EVM address (upper 12 bytes set) or is the zero address.
    error InvalidPayee(bytes32 payee);
    /// @notice The payout would bring the (model, epoch)'s paid-out shares above 10,000 bps.
    error SharesExceeded(uint256 modelId, uint64 epoch, uint256 totalBps);
    /// @notice The account has no refund or payout credit to claim.
    error NothingToClaim(address account);
    /// @notice The (model, epoch)'s verdict grace has not passed yet: withdrawals open at `opensAt`.
    error VerdictGraceNotOver(uint256 modelId, uint64 epoch, uint256 opensAt);
    /// @notice New payments are paused (kill switch); settlement, refunds, withdrawals and claims are not.
    error EscrowPaused();
    /// @notice The caller is neither the owner nor the guardian.
    error NotOwnerOrGuardian(address caller);
    /// @notice No top-up funder is set, so a top-up cannot be funded yet.
    error NoTopUpFunder();
    /// @notice No payment `paymentIndex` in the (model, epoch).
    error PaymentNotFound(uint256 modelId, uint64 epoch, uint256 paymentIndex);
    /// @notice The (model, epoch) has no top-up owed on this chain (none in its verdict, or void).
    error NoTopUp(uint256 modelId, uint64 epoch);
    /// @notice The (model, epoch)'s top-up was already funded.
    error TopUpAlreadyFunded(uint256 modelId, uint64 epoch);
    /// @notice The (model, epoch)'s top-up has not been funded yet.
    error TopUpNotFunded(uint256 modelId, uint64 epoch);

    // ---------------------------------------------------------------- events

    // the settlement events, shared with the SlaReceiver, are in IEpochSettlementEvents

    /// @notice A ModelListing from the home chain was applied; `fromEpoch` is the epoch it applies from here (the
    /// listing's own, or the next epoch when it arrived after its own had started).
    event Listed(
        uint256 indexed modelId,
        uint64 genesis,
        uint64 epochSeconds,
        uint64 fromEpoch,
        uint256 pricePerRequest,
        bool active,
        uint32 version,
        uint16 verdictGraceEpochs
    );
    /// @notice A ModelListing was not applied: this escrow already applied version `appliedVersion` >= `version`
    /// (a repeated, reordered or late delivery).
    event ListingIgnored(uint256 indexed modelId, uint32 version, uint32 appliedVersion);
    /// @notice A buyer paid `amount` for the model's inference in `epoch`; `paymentIndex` is the payment id.
    event Paid(
        uint256 indexed modelId, uint64 indexed epoch, uint256 paymentIndex, address indexed buyer, uint256 amount
    );
    /// @notice Payment `paymentIndex` was given back in full to its buyer because no verdict came within the grace
    /// (transferred, or credited when the transfer failed).
    event WithdrawnUnverdicted(
        uint256 indexed modelId, uint64 indexed epoch, uint256 paymentIndex, address indexed buyer, uint256 amount
    );
    /// @notice The verdict's top-up `amount` is void: every payment was withdrawn before it, so nobody is owed it.
    event TopUpVoided(uint256 indexed modelId, uint64 indexed epoch, uint256 amount);
    /// @notice `by` (owner or guardian) paused new payments.
    event Paused(address indexed by);
    /// @notice `by` (owner or guardian) resumed new payments.
    event Unpaused(address indexed by);
    /// @notice The owner set the guardian (zero: none).
    event GuardianSet(address indexed guardian);

    // ---------------------------------------------------------------- buyers and keepers

    /// @notice Pays `amount` (a positive multiple of the current epoch's price) for `modelId`'s current epoch. The
    /// buyer must have approved this escrow for `amount` of `token()`.
    /// @return paymentIndex the payment's id within (modelId, epoch)
    function pay(uint256 modelId, uint256 amount) external returns (uint256 paymentIndex);

    /// @notice Sends the next up to `maxPayments` not yet relayed payments of an ended (model, epoch) home as one
    /// ReceiptBatch through `messenger` (a registered one), forwarding msg.value as its fee. Anyone may call it. An
    /// epoch without payments sends one empty final batch.
    /// @return messageId the messenger's id of the message
    function relayReceipts(uint256 modelId, uint64 epoch, uint32 maxPayments, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId);

    /// @notice Refunds the next up to `maxPayments` payments of a (model, epoch) that has a verdict, each
    /// `amount * refundBps / 10_000` (rounded down) to its buyer. Anyone may call it. A refund whose transfer fails
    /// is credited to the buyer, who can `claim` it, so one buyer can't block the others.
    /// @return refundedCount how many payments this call processed
    function refund(uint256 modelId, uint64 epoch, uint256 maxPayments) external returns (uint256 refundedCount);

    /// @notice Releases the remainder (paid - refunded) of a (model, epoch) whose refunds are all done, so payout
    /// messages can pay it out. Anyone may call it, once.
    function release(uint256 modelId, uint64 epoch) external;

    /// @notice No verdict, no lock-in: once epoch `epoch + 1 + verdictGraceAt(modelId, epoch)` has begun and no
    /// verdict for `epoch` has arrived, gives each listed payment back in full to its buyer (pushed, or credited if
    /// the transfer fails). Anyone may call it; the money only ever goes to the payment's buyer. A payment already
    /// withdrawn is skipped, so racing calls never pay twice. A verdict arriving later still applies: its refunds
    /// skip withdrawn payments and the release pays payees only what remains (withdrawals count as refunded).
    /// @return amount the sum given back by this call
    function withdrawUnverdicted(uint256 modelId, uint64 epoch, uint256[] calldata paymentIndexes)
        external
        returns (uint256 amount);

    /// @notice Pays in the (model, epoch)'s top-up: pulls exactly `due`, once, from the top-up funder (this chain's
    /// netting vault, which advances it: the home chain's HostBond paid the slash into the home netting vault, and
    /// the funder approved this escrow for top-ups). Anyone may call: the amount comes from the home chain's verdict,
    /// so a relayer needs no vault key.
    function fundTopUp(uint256 modelId, uint64 epoch) external;

    /// @notice Sets the account top-ups are pulled from (zero: none, funding reverts NoTopUpFunder). Owner only.
    function setTopUpFunder(address funder) external;

    /// @notice Gives the next up to `maxPayments` payments of a funded top-up their share: payments withdrawn before
    /// the verdict are skipped, the others get `due * cumAfter / eligible - due * cumBefore / eligible`
    /// (cumulative eligible amounts in index order), so the shares add up to exactly `due`. Each payment at most
    /// once; a failed transfer is credited. Anyone may call, also while paused.
    /// @return count how many payments this call processed
    function refundTopUp(uint256 modelId, uint64 epoch, uint256 maxPayments) external returns (uint256 count);

    /// @notice Sends the caller's whole credit (refunds or payouts whose transfer failed) to `to`.
    function claim(address to) external returns (uint256 amount);

    // ---------------------------------------------------------------- kill switch

    /// @notice Refuses new payments (`pay` reverts EscrowPaused) until `unpause`. Owner or guardian. Nothing else
    /// stops: receipts still relay, verdicts, payouts and listings still apply, and refunds, top-ups, releases,
    /// withdrawals and claims still run, so a pause never locks money that is already in.
    function pause() external;

    /// @notice Accepts new payments again. Owner or guardian.
    function unpause() external;

    /// @notice Sets the guardian, an operator key that may pause and unpause (zero: none). Owner only.
    function setGuardian(address guardian) external;

    // ---------------------------------------------------------------- views

    /// @notice Whether new payments are paused.
    function paused() external view returns (bool);
    /// @notice The account that may pause and unpause besides the owner (zero: none).
    function guardian() external view returns (address);
    /// @notice The account top-ups are pulled from (zero: none).
    function topUpFunder() external view returns (address);
    /// @notice The stablecoin payments are made in.
    function token() external view returns (IERC20);
    /// @notice slabridge chain id of this chain.
    function thisChain() external view returns (uint32);
    /// @notice slabridge chain id of the home chain, the only chain messages are accepted from.
    function homeChain() external view returns (uint32);

    /// @notice The model's clock, terms (current and pending; pending may already be in force) and newest listing
    /// version applied. Listings apply in version order only: one at or below `version` is ignored, and one whose
    /// `fromEpoch` has already started here applies from the next epoch (the terms of a started epoch never change).
    function listing(uint256 modelId) external view returns (Listing memory);
    /// @notice The verdict grace (in epochs) of `epoch`: from the listing in force for it (0 if none was).
    function verdictGraceAt(uint256 modelId, uint64 epoch) external view returns (uint16);
    /// @notice The price and availability of `modelId` in `epoch`.
    function termsAt(uint256 modelId, uint64 epoch) external view returns (uint256 pricePerRequest, bool active);
    /// @notice The model's epoch at this block; reverts before genesis or when not listed.
    function currentEpoch(uint256 modelId) external view returns (uint64);
    /// @notice The timestamp at which `epoch` ends (the first second of the next epoch).
    function epochEnd(uint256 modelId, uint64 epoch) external view returns (uint256);
    /// @notice The money record of a (model, epoch).
    function epochRecord(uint256 modelId, uint64 epoch) external view returns (EpochRecord memory);
    /// @notice Payment `paymentIndex` of a (model, epoch) (zero values if it does not exist).
    function payment(uint256 modelId, uint64 epoch, uint256 paymentIndex) external view returns (Payment memory);
    /// @notice When payments of a (model, epoch) without a verdict can be withdrawn: the start of epoch
    /// `epoch + 1 + verdictGraceAt(modelId, epoch)`.
    function unverdictedWithdrawalOpensAt(uint256 modelId, uint64 epoch) external view returns (uint256);
    /// @notice Whether payment `paymentIndex` of a (model, epoch) was withdrawn for want of a verdict.
    function isWithdrawn(uint256 modelId, uint64 epoch, uint256 paymentIndex) external view returns (bool);
    /// @notice Whether payout `payoutIndex` of a (model, epoch) was paid.
    function isPayoutPaid(uint256 modelId, uint64 epoch, uint32 payoutIndex) external view returns (bool);
    /// @notice The (model, epoch)'s top-up on this chain (zero values if none).
    function topUpOf(uint256 modelId, uint64 epoch) external view returns (TopUp memory);
    /// @notice Tokens kept for `account` after a failed transfer, claimable with `claim`.
    function credit(address account) external view returns (uint256);
}
