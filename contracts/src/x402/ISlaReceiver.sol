// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC1271 } from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IEpochSettlementEvents } from "../interfaces/IEpochSettlementEvents.sol";
import { IMessenger } from "../interfaces/IMessenger.sol";
import { IX402BatchSettlement } from "./IX402BatchSettlement.sol";

/// @title ISlaReceiver
/// @notice slabridge's SLA layer over x402 `batch-settlement` channels, one per model per payment chain (a minimal
/// clone). It is the channels' `receiver` and `receiverAuthorizer`: it claims each epoch's vouchers itself, books
/// what each payer paid in that epoch, holds the money until the home chain's verdict, then refunds each buyer its
/// tier share plus its share of the host bond top-up in one transfer per buyer-epoch, and releases the rest.
/// It emits the Escrow's settlement events (IEpochSettlementEvents: same signatures, with its `modelId`), so the
/// Escrow's log readers follow it too; a buyer index stands for the Escrow's payment index (it is the payment id of
/// the receipts), and a buyer-epoch's one refund transfer emits `Refunded` for its tier share and `TopUpRefunded`
/// for its top-up share (each only when non-zero).
/// @dev Watchdog: a payer's timed withdrawal (`WithdrawInitiated` on the channel contract, finalizable after the
/// channel's `withdrawDelay`) takes back whatever is still unclaimed. The operator must `claimEpoch` the channel's
/// latest voucher before `finalizeAfter`; such a claim may be made while the epoch is still running and is booked to
/// the running epoch. `Booked` (per channel and epoch) and `RowSkipped` are what a watchdog follows.
/// Pause: the owner or the guardian can pause the receiver's claims and refunds (`claimEpoch`, `refund`, and the
/// authorizer's EIP-1271 refund signatures), the owner unpauses. Receipts, verdicts, release, payouts, credits and
/// `withdrawUnverdicted` stay open: a pause must never keep buyers from their money past the verdict grace. A pause
/// that outlasts a channel's `withdrawDelay` lets its payer withdraw what is still unclaimed.
/// EIP-1271: as the channels' `receiverAuthorizer`, the receiver accepts a `Refund` (the channel contract's cooperative
/// refund, `refundWithSignature`) signed by its configured `authorizer` key, and nothing else: a `ClaimBatch` would
/// claim vouchers behind `claimEpoch`, unbooked, so no such signature is ever valid.
interface ISlaReceiver is IEpochSettlementEvents, IERC1271 {
    /// @notice What `initialize` sets, once.
    struct InitParams {
        address owner;
        address operator;
        uint256 modelId;
        IERC20 token;
        IX402BatchSettlement channels;
        uint32 thisChain;
        uint32 homeChain;
        uint64 genesis;
        uint64 epochSeconds;
        /// @dev epochs after an epoch's end with no verdict before its buyers may take their payments back (>= 1)
        uint16 verdictGraceEpochs;
    }

    /// @notice Settlement state of one epoch.
    enum Status {
        Open, // no verdict yet: claims may still be booked until receipts are relayed
        Settled, // verdict applied; refunds may be pending
        Released // refunds done, the rest released
    }

    /// @notice The packed record of one epoch (slot 0: claims, receipts and refund cursors; slot 1: after the verdict).
    struct EpochState {
        uint96 claimed; // sum booked for the epoch (all buyers), less what buyers took back for want of a verdict
        uint32 buyers; // buyers booked; buyer index = payment id in the receipts
        uint32 relayed; // buyers [0, relayed) sent home
        uint32 batches; // receipt batches sent (the next batchIndex)
        uint32 refundCursor; // buyers [0, refundCursor) refunded (or owed nothing)
        uint16 refundBps; // the verdict's refund share
        Status status;
        bool closed; // the first receipt batch was sent or the verdict arrived: no more claims
        uint96 refunded; // sum of refunds and top-up shares' refund parts (not the top-up)
        uint96 topUpDue; // host bond top-up for this chain's buyers (0: none)
        bool topUpFunded; // the top-up funder paid `topUpDue` in
        uint16 paidOutBps; // sum of the shares of payouts made
        uint32 withdrawn; // buyers who took their payment back for want of a verdict
        uint96 topUpCumulative; // sum of booked amounts of buyers [0, refundCursor), for the top-up shares
        uint96 paidOut; // sum of payouts made from the released amount
    }

    /// @notice One buyer's total for an epoch: exactly one slot.
    struct BuyerTotal {
        address buyer;
        uint96 amount;
    }

    error ZeroEpochSeconds();
    error NotOperator(address caller);
    error WrongModel(uint256 modelId);
    error EpochNotStarted(uint64 epoch);
    error EpochNotOver(uint64 epoch);
    error EpochClosed(uint64 epoch);
    error BatchTooLarge(uint256 rows);
    error UnknownMessenger(address messenger);
    error NothingToRelay(uint64 epoch);
    error ZeroBatchSize();
    error AlreadySettled(uint64 epoch);
    error NoVerdict(uint64 epoch);
    error RefundsPending(uint64 epoch);
    error AlreadyReleased(uint64 epoch);
    error NoTopUpFunder();
    error NoTopUp(uint64 epoch);
    error TopUpAlreadyFunded(uint64 epoch);
    error TopUpNotFunded(uint64 epoch);
    error NothingToClaim(address account);
    error AmountOverflow();
    error NotReleased(uint64 epoch);
    error PayoutAlreadyPaid(uint64 epoch, uint32 payoutIndex);
    error InvalidPayee(bytes32 payee);
    error SharesExceeded(uint64 epoch, uint256 totalBps);
    error ZeroVerdictGrace();
    error VerdictGraceNotOver(uint64 epoch, uint256 opensAt);
    error BuyerNotFound(uint64 epoch, uint256 buyerIndex);
    /// @notice Claims and refunds are paused (see `pause`).
    error ReceiverPaused();
    /// @notice Only the owner or the guardian may pause.
    error NotGuardian(address caller);

    /// @notice Claims and refunds were paused by `by` (the owner or the guardian).
    event Paused(address indexed by);
    /// @notice The owner resumed claims and refunds.
    event Unpaused(address indexed by);
    /// @notice The account that may pause (besides the owner) was set.
    event GuardianSet(address indexed guardian);
    /// @notice The key whose `Refund` signatures this receiver accepts through EIP-1271 was set (zero: none).
    event AuthorizerSet(address indexed authorizer);

    /// @notice Buyer `buyerIndex` took its epoch total back in full because no verdict came within the grace
    /// (transferred, or credited when the transfer failed). The Escrow's event, with the buyer index as payment index.
    event WithdrawnUnverdicted(
        uint256 indexed modelId, uint64 indexed epoch, uint256 paymentIndex, address indexed buyer, uint256 amount
    );

    /// @notice A claim row raised `channelId`'s claimed total by `amount`, booked to `payer` in `epoch`.
    event Booked(uint64 indexed epoch, bytes32 indexed channelId, address indexed payer, uint256 amount);
    /// @notice Row `row` of a claim batch was left out; `reason` is the channel contract's revert data, or one of
    /// this contract's own selectors (`ForeignRow`: another receiver, receiverAuthorizer or token).
    event RowSkipped(uint64 indexed epoch, uint256 row, bytes32 indexed channelId, bytes reason);
    /// @notice The row's receiver, receiverAuthorizer or token is not this SLA receiver's (reason in `RowSkipped`).
    error ForeignRow();
    /// @notice The operator key that submits claims was set (by `initialize` or the owner).
    event OperatorSet(address indexed operator);

    /// @notice Sets up a fresh clone; callable once.
    function initialize(InitParams calldata p) external;

    /// @notice Claims the rows (at most MAX_ROWS) from the channel contract as their receiver and books each row's
    /// increase of its channel's `totalClaimed` to the channel's payer in `epoch`. A row that would revert (bad
    /// signature, over the voucher or balance, below the claimed total, another receiver, receiverAuthorizer or token)
    /// is skipped with `RowSkipped`, so one row never reverts the batch. Operator only: the epoch a cumulative
    /// voucher belongs to is known off chain only, so anyone holding a later voucher could otherwise book the next
    /// epoch's calls here. `epoch` must have started and not be closed (its first receipt batch sent or its verdict
    /// in), so the set relayed home is final.
    /// @return booked the sum booked by this call
    function claimEpoch(uint64 epoch, IX402BatchSettlement.VoucherClaim[] calldata rows)
        external
        returns (uint256 booked);

    /// @notice Pulls everything claimed for this receiver from the channel contract (idempotent; anyone).
    function settle() external;

    /// @notice Sends the next up to `maxBuyers` buyer totals of an ended epoch home as one ReceiptBatch (leaf per
    /// (buyer index, buyer, amount), as the escrow's). Anyone may call; the first batch closes the epoch to claims.
    function relayReceipts(uint64 epoch, uint32 maxBuyers, IMessenger messenger)
        external
        payable
        returns (bytes32 messageId);

    /// @notice Pulls the epoch's top-up, once, from the top-up funder. Anyone may call.
    function fundTopUp(uint64 epoch) external;

    /// @notice Sets the account top-ups are pulled from. Owner only.
    function setTopUpFunder(address funder) external;

    /// @notice Refunds the next up to `maxBuyers` buyers of an epoch with a verdict: `amount * refundBps / 10_000`
    /// plus its top-up share `due * cumAfter / eligible - due * cumBefore / eligible`, in one transfer (credited if
    /// it fails), logged as `Refunded` (tier share) and `TopUpRefunded` (top-up share), each only when non-zero. A
    /// top-up must be funded first. Anyone may call; each buyer once.
    function refund(uint64 epoch, uint256 maxBuyers) external returns (uint256 count);

    /// @notice Releases `claimed - refunded` once every buyer was refunded, for the home chain's Payout messages to
    /// pay out as the Escrow's do (each payout index once, the payout completing 10,000 bps takes the dust). Anyone,
    /// once.
    function release(uint64 epoch) external;

    /// @notice Sends the caller's credit (failed transfers) to `to`.
    function claim(address to) external returns (uint256 amount);

    /// @notice With no verdict `verdictGraceEpochs` epochs after `epoch`'s end, gives each listed buyer its epoch total
    /// back in full, in one transfer (credited if it fails), and closes the epoch to claims. A buyer already withdrawn is
    /// skipped. A verdict that comes later still applies: withdrawn buyers get no refund or top-up share on top, and the
    /// release pays out only what was not withdrawn. Anyone may call; funds go to the buyers only.
    function withdrawUnverdicted(uint64 epoch, uint256[] calldata buyerIndexes) external returns (uint256 amount);

    /// @notice When `withdrawUnverdicted` opens for `epoch`: its end plus the verdict grace.
    function unverdictedWithdrawalOpensAt(uint64 epoch) external view returns (uint256);

    /// @notice Whether buyer `buyerIndex` of `epoch` took its total back for want of a verdict.
    function isWithdrawn(uint64 epoch, uint256 buyerIndex) external view returns (bool);

    function epochState(uint64 epoch) external view returns (EpochState memory);
    /// @notice Whether payout `payoutIndex` of `epoch` was paid.
    function isPayoutPaid(uint64 epoch, uint32 payoutIndex) external view returns (bool);
    function buyerAt(uint64 epoch, uint256 index) external view returns (BuyerTotal memory);
    /// @notice What `payer` paid in `epoch` (0 if nothing was booked).
    function paidBy(uint64 epoch, address payer) external view returns (uint256);
    function currentEpoch() external view returns (uint64);
    function epochEnd(uint64 epoch) external view returns (uint256);

    /// @notice Pauses claims and refunds. Owner or guardian.
    function pause() external;
    /// @notice Resumes claims and refunds. Owner only.
    function unpause() external;
    /// @notice Sets the account that may pause besides the owner (zero: the owner alone). Owner only.
    function setGuardian(address guardian) external;
    /// @notice Sets the key whose `Refund` signatures `isValidSignature` accepts (zero: none). Owner only.
    function setAuthorizer(address authorizer) external;

    /// @notice What the authorizer key signs to approve the channel contract's `Refund(channelId, nonce, amount)`:
    /// the EIP-712 digest of `RefundAuthorization(bytes32 channelId,uint256 nonce,uint128 amount)` under this
    /// receiver's own domain ("slabridge SlaReceiver", "1", chain id, this address), so a signature for one receiver is
    /// worth nothing at another that shares the key.
    function refundAuthorizationDigest(bytes32 channelId, uint256 nonce, uint128 amount) external view returns (bytes32);
}
