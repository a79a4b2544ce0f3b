// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { IEscrow } from "./interfaces/IEscrow.sol";
import { IMessenger } from "./interfaces/IMessenger.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";
import { MessengerFees } from "./libraries/MessengerFees.sol";
import { PaymentsMerkle } from "./libraries/PaymentsMerkle.sol";
import { SettlementShares } from "./libraries/SettlementShares.sol";
import { SettlementReceiver } from "./SettlementReceiver.sol";
import { Listing, EpochRecord, EpochStatus, GraceFrom, Payment, TopUp } from "./types/EscrowTypes.sol";

/// @title Escrow
/// @notice slabridge's escrow on an EVM payment chain (see IEscrow).
/// @dev Assumes a plain stablecoin: no fee on transfer, no rebasing, no callbacks to the recipient. Transfers that
/// revert (e.g. a blacklisted buyer or payee) are credited instead of pushed, so one account can't block a batch.
/// Terms: the escrow keeps the terms in force and at most one scheduled entry; a listing that arrives while another
/// entry is scheduled replaces it (neither has started, so no epoch's terms change after it began). termsAt is
/// therefore exact for the current and later epochs only. The verdict grace is kept per epoch for good
/// (`_graces`, one entry per change), since it matters after its epoch ended.
/// Listings are versioned: only a newer version than the last applied one is applied, from
/// max(fromEpoch, current epoch + 1), so a late, reordered or repeated delivery never reverts and never brings older
/// terms back.
contract Escrow is IEscrow, SettlementReceiver, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint16 private constant BPS = MessageCodec.BPS;

    /// @inheritdoc IEscrow
    IERC20 public immutable token;
    /// @inheritdoc IEscrow
    uint32 public immutable thisChain;
    /// @inheritdoc IEscrow
    uint32 public immutable homeChain;

    /// @inheritdoc IEscrow
    mapping(address account => uint256 amount) public credit;
    /// @notice Sum of all unclaimed credits (part of what the escrow owes).
    uint256 public totalCredit;
    /// @inheritdoc IEscrow
    address public guardian;
    /// @inheritdoc IEscrow
    bool public paused;
    /// @inheritdoc IEscrow
    address public topUpFunder;

    mapping(uint256 modelId => Listing) private _listings;
    mapping(uint256 modelId => mapping(uint64 epoch => EpochRecord)) private _records;
    mapping(uint256 modelId => mapping(uint64 epoch => mapping(uint256 index => Payment))) private _payments;
    mapping(uint256 modelId => mapping(uint64 epoch => mapping(uint256 word => uint256 bits))) private _payoutsPaid;
    /// @dev One bit per payment withdrawn for want of a verdict, 256 per word.
    mapping(uint256 modelId => mapping(uint64 epoch => mapping(uint256 word => uint256 bits))) private _withdrawnBits;
    /// @dev Verdict grace changes in ascending fromEpoch; entries that have not started may be replaced.
    mapping(uint256 modelId => GraceFrom[]) private _graces;
    mapping(uint256 modelId => mapping(uint64 epoch => TopUp)) private _topUps;

    constructor(address owner_, IERC20 token_, uint32 thisChain_, uint32 homeChain_) SettlementReceiver(owner_) {
        token = token_;
        thisChain = thisChain_;
        homeChain = homeChain_;
    }

    // ---------------------------------------------------------------- buyers and keepers

    /// @inheritdoc IEscrow
    function pay(uint256 modelId, uint256 amount) external nonReentrant returns (uint256 paymentIndex) {
        if (paused) revert EscrowPaused();
        Listing storage l = _listings[modelId];
        uint64 epoch = _currentEpoch(l, modelId);
        (uint256 price, bool active) = _termsAt(l, epoch);
        if (!active) revert ModelInactive(modelId, epoch);
        if (price == 0 || amount == 0 || amount % price != 0) revert InvalidAmount(amount, price);

        EpochRecord storage r = _records[modelId][epoch];
        uint256 paid = uint256(r.paid) + amount;
        if (paid > type(uint96).max) revert InvalidAmount(amount, price);
        uint32 index = r.count;
        if (index == type(uint32).max) revert TooManyPayments(modelId, epoch);
        // checked above: paid <= type(uint96).max
        // forge-lint: disable-next-line(unsafe-typecast)
        r.paid = uint96(paid);
        r.count = index + 1;
        // amount <= paid <= type(uint96).max
        // forge-lint: disable-next-line(unsafe-typecast)
        _payments[modelId][epoch][index] = Payment(msg.sender, uint96(amount));

        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Paid(modelId, epoch, index, msg.sender, amount);
        return index;
    }

    /// @inheritdoc IEscrow
    function relayReceipts(uint256 modelId, uint64 epoch, uint32 maxPayments, IMessenger messenger)
        external
        payable
        nonReentrant
        returns (bytes32 messageId)
    {
        if (!isMessenger[address(messenger)]) revert UnknownMessenger(address(messenger));
        _requireEpochOver(modelId, epoch);
        EpochRecord storage r = _records[modelId][epoch];
        uint32 count = r.count;
        uint32 first = r.relayed;
        uint32 batchIndex = r.batches;
        // an epoch without payments still sends exactly one (empty, final) batch
        if (first == count && batchIndex != 0) revert NothingToRelay(modelId, epoch);
        uint32 n = count - first;
        if (n > maxPayments) n = maxPayments;
        if (n == 0 && count != 0) revert ZeroBatchSize();
        // cursor first: a payment can never be relayed twice
        r.relayed = first + n;
        r.batches = batchIndex + 1;

        MessageCodec.ReceiptBatch memory batch = _receiptBatch(modelId, epoch, first, n);
        batch.batchIndex = batchIndex;
        batch.finalBatch = first + n == count;
        messageId = MessengerFees.sendPayingQuote(messenger, homeChain, MessageCodec.encodeReceiptBatch(batch));
        emit ReceiptsRelayed(
            modelId, epoch, batchIndex, first, n, batch.total, batch.paymentsRoot, batch.finalBatch, messageId
        );
    }

    /// @inheritdoc IEscrow
    function refund(uint256 modelId, uint64 epoch, uint256 maxPayments)
        external
        nonReentrant
        returns (uint256 refundedCount)
    {
        EpochRecord storage r = _records[modelId][epoch];
        if (r.status == EpochStatus.Open) revert NoVerdict(modelId, epoch);
        uint32 cursor = r.refundCursor;
        {
            uint256 remaining = r.count - cursor;
            refundedCount = maxPayments < remaining ? maxPayments : remaining;
        }
        if (refundedCount == 0) return 0;
        uint256 end = cursor + refundedCount;
        // the cursor only moves forward: each payment is refunded at most once
        // end <= count, a uint32
        // forge-lint: disable-next-line(unsafe-typecast)
        r.refundCursor = uint32(end);

        uint256 bps = r.refundBps;
        uint256 sum;
        mapping(uint256 => Payment) storage payments = _payments[modelId][epoch];
        // payments withdrawn before the verdict came were given back in full: they get no refund on top
        bool anyWithdrawn = r.withdrawn != 0;
        for (uint256 i = cursor; i < end; ++i) {
            if (anyWithdrawn && _isWithdrawn(modelId, epoch, i)) continue;
            Payment memory p = payments[i];
            uint256 amount = uint256(p.amount) * bps / BPS;
            // a payment too small to have a non-zero share is simply passed
            if (amount == 0) continue;
            sum += amount;
            _send(p.buyer, amount);
            emit Refunded(modelId, epoch, i, p.buyer, amount);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        r.refunded += uint96(sum);
    }

    /// @inheritdoc IEscrow
    function release(uint256 modelId, uint64 epoch) external nonReentrant {
        EpochRecord storage r = _records[modelId][epoch];
        EpochStatus status = r.status;
        if (status == EpochStatus.Open) revert NoVerdict(modelId, epoch);
        if (status == EpochStatus.Released) revert AlreadyReleased(modelId, epoch);
        if (r.refundCursor != r.count) revert RefundsPending(modelId, epoch, r.refundCursor, r.count);
        r.status = EpochStatus.Released;
        emit Released(modelId, epoch, r.paid - r.refunded);
    }

    /// @inheritdoc IEscrow
    function withdrawUnverdicted(uint256 modelId, uint64 epoch, uint256[] calldata paymentIndexes)
        external
        nonReentrant
        returns (uint256 amount)
    {
        EpochRecord storage r = _records[modelId][epoch];
        // once a verdict is in, its refunds apply instead (withdrawals made before it are honoured by them)
        if (r.status != EpochStatus.Open) revert AlreadySettled(modelId, epoch);
        {
            uint256 opensAt = unverdictedWithdrawalOpensAt(modelId, epoch);
            // epochs are a time schedule by design
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < opensAt) revert VerdictGraceNotOver(modelId, epoch, opensAt);
        }
        uint32 withdrawn = r.withdrawn;
        mapping(uint256 => uint256) storage bits = _withdrawnBits[modelId][epoch];
        for (uint256 k; k < paymentIndexes.length; ++k) {
            uint256 i = paymentIndexes[k];
            if (i >= r.count) revert PaymentNotFound(modelId, epoch, i);
            // one bit per payment, 256 per word
            // forge-lint: disable-next-line(incorrect-shift)
            uint256 bit = 1 << (i & 0xff);
            // already withdrawn (a racing or repeated call): skip rather than revert, so one can't block a batch
            if (bits[i >> 8] & bit != 0) continue;
            // the bit is set before the transfer: each payment is withdrawn at most once
            bits[i >> 8] |= bit;
            ++withdrawn;
            amount += _withdrawOne(modelId, epoch, i);
        }
        r.withdrawn = withdrawn;
        // withdrawals count as refunded: a later release pays payees only paid - refunded
        // amount <= paid - refunded <= type(uint96).max (each payment is given back at most once)
        // forge-lint: disable-next-line(unsafe-typecast)
        r.refunded += uint96(amount);
    }

    /// @inheritdoc IEscrow
    function fundTopUp(uint256 modelId, uint64 epoch) external nonReentrant {
        TopUp storage t = _topUps[modelId][epoch];
        uint256 due = t.due;
        if (due == 0) revert NoTopUp(modelId, epoch);
        if (t.funded) revert TopUpAlreadyFunded(modelId, epoch);
        address funder = topUpFunder;
        if (funder == address(0)) revert NoTopUpFunder();
        t.funded = true;
        token.safeTransferFrom(funder, address(this), due);
        emit TopUpFunded(modelId, epoch, funder, due);
    }

    /// @inheritdoc IEscrow
    function setTopUpFunder(address funder) external onlyOwner {
        topUpFunder = funder;
        emit TopUpFunderSet(funder);
    }

    /// @inheritdoc IEscrow
    function refundTopUp(uint256 modelId, uint64 epoch, uint256 maxPayments)
        external
        nonReentrant
        returns (uint256 count)
    {
        TopUp storage t = _topUps[modelId][epoch];
        if (t.due == 0) revert NoTopUp(modelId, epoch);
        if (!t.funded) revert TopUpNotFunded(modelId, epoch);
        uint256 cursor = t.cursor;
        {
            uint256 remaining = _records[modelId][epoch].count - cursor;
            count = maxPayments < remaining ? maxPayments : remaining;
        }
        if (count == 0) return 0;
        uint256 end = cursor + count;
        // the cursor only moves forward: each payment gets its share at most once
        // end <= count, a uint32
        // forge-lint: disable-next-line(unsafe-typecast)
        t.cursor = uint32(end);
        // cumulative <= eligible, a uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        t.cumulative = uint96(_sendTopUpShares(modelId, epoch, t, cursor, end));
    }

    /// @inheritdoc IEscrow
    function claim(address to) external nonReentrant returns (uint256 amount) {
        amount = credit[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        credit[msg.sender] = 0;
        totalCredit -= amount;
        token.safeTransfer(to, amount);
        emit Claimed(msg.sender, to, amount);
    }

    // ---------------------------------------------------------------- kill switch

    /// @inheritdoc IEscrow
    function pause() external {
        _onlyOwnerOrGuardian();
        paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IEscrow
    function unpause() external {
        _onlyOwnerOrGuardian();
        paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IEscrow
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    function _onlyOwnerOrGuardian() private view {
        if (msg.sender != owner() && (msg.sender != guardian || msg.sender == address(0))) {
            revert NotOwnerOrGuardian(msg.sender);
        }
    }

    // ---------------------------------------------------------------- messages from the home chain

    /// @dev ModelListing, Verdict and Payout, from the home chain only.
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal override nonReentrant {
        if (srcChain != homeChain) revert UnexpectedMessage(srcChain, kind);
        if (kind == MessageCodec.KIND_MODEL_LISTING) {
            _applyListing(MessageCodec.decodeModelListing(message));
        } else if (kind == MessageCodec.KIND_VERDICT) {
            _applyVerdict(MessageCodec.decodeVerdict(message));
        } else if (kind == MessageCodec.KIND_PAYOUT) {
            _applyPayout(MessageCodec.decodePayout(message));
        } else {
            revert UnexpectedMessage(srcChain, kind);
        }
    }

    function _applyListing(MessageCodec.ModelListing memory m) private {
        if (m.epochSeconds == 0) revert ZeroEpochSeconds(m.modelId);
        if (m.verdictGraceEpochs == 0) revert ZeroVerdictGrace(m.modelId);
        Listing storage l = _listings[m.modelId];
        bool listed = l.epochSeconds != 0;
        if (listed && (l.genesis != m.genesis || l.epochSeconds != m.epochSeconds)) {
            revert ClockMismatch(m.modelId, m.genesis, m.epochSeconds);
        }
        // Versions only move forward: a repeated delivery, or an older listing delivered after a newer one, is a
        // no-op (not a revert: the transport would retry it forever).
        if (listed && m.version <= l.version) {
            emit ListingIgnored(m.modelId, m.version, l.version);
            return;
        }
        // before genesis no epoch has started, so terms may start at epoch 0
        // epochs are a time schedule by design; seconds of validator drift don't matter
        // forge-lint: disable-next-line(block-timestamp)
        bool started = block.timestamp >= m.genesis;
        uint64 nowEpoch = started ? uint64((block.timestamp - m.genesis) / m.epochSeconds) : 0;
        // A change applies only to epochs that have not started: one delivered after its fromEpoch began (bridge
        // latency or downtime) applies from the next epoch, so the payment chain follows the registry from then on
        // instead of keeping stale terms. A first listing applies from the running epoch at the earliest: no payment
        // can predate it on this chain, so no started epoch changes.
        uint64 minFrom = listed && started ? nowEpoch + 1 : nowEpoch;
        if (m.fromEpoch < minFrom) m.fromEpoch = minFrom;
        l.version = m.version;
        _scheduleGrace(_graces[m.modelId], m.fromEpoch, m.verdictGraceEpochs);

        if (!listed) {
            l.genesis = m.genesis;
            l.epochSeconds = m.epochSeconds;
            _setCurrent(l, m);
        } else {
            // fold scheduled terms that are in force by now into `current`
            if (l.hasPending && started && l.pendingFrom <= nowEpoch) {
                l.currentFrom = l.pendingFrom;
                l.currentActive = l.pendingActive;
                l.currentPrice = l.pendingPrice;
                l.hasPending = false;
            }
            if (m.fromEpoch <= l.currentFrom) {
                // `current` has not started yet (currentFrom >= fromEpoch >= minFrom): replace it and the schedule
                _setCurrent(l, m);
                l.hasPending = false;
            } else {
                l.pendingFrom = m.fromEpoch;
                l.pendingActive = m.active;
                l.pendingPrice = m.pricePerRequest;
                l.hasPending = true;
            }
        }
        emit Listed(
            m.modelId,
            m.genesis,
            m.epochSeconds,
            m.fromEpoch,
            m.pricePerRequest,
            m.active,
            m.version,
            m.verdictGraceEpochs
        );
    }

    /// @dev Records `epochs` as the grace from `fromEpoch` on. Entries from `fromEpoch` on have not started (it is the
    /// next epoch or later, or this is the first listing), so the newer listing replaces them.
    function _scheduleGrace(GraceFrom[] storage graces, uint64 fromEpoch, uint16 epochs) private {
        uint256 n = graces.length;
        while (n != 0 && graces[n - 1].fromEpoch >= fromEpoch) {
            graces.pop();
            --n;
        }
        if (n == 0 || graces[n - 1].epochs != epochs) graces.push(GraceFrom(fromEpoch, epochs));
    }

    function _setCurrent(Listing storage l, MessageCodec.ModelListing memory m) private {
        l.currentFrom = m.fromEpoch;
        l.currentActive = m.active;
        l.currentPrice = m.pricePerRequest;
    }

    function _applyVerdict(MessageCodec.Verdict memory v) private {
        // after the epoch's end no payment can join it, so the verdict sees its final set of payments
        _requireEpochOver(v.modelId, v.epoch);
        EpochRecord storage r = _records[v.modelId][v.epoch];
        if (r.status != EpochStatus.Open) revert AlreadySettled(v.modelId, v.epoch);
        r.status = EpochStatus.Settled;
        r.refundBps = v.refundBps;
        // nothing to refund: refunds are done at once
        if (v.refundBps == 0) r.refundCursor = r.count;
        emit VerdictApplied(v.modelId, v.epoch, v.refundBps, v.reportHash);
        if (v.topUp != 0) {
            // before the verdict only no-verdict withdrawals count as refunded: what is left are the eligible payments
            uint96 eligible = r.paid - r.refunded;
            if (eligible == 0) {
                emit TopUpVoided(v.modelId, v.epoch, v.topUp);
            } else {
                TopUp storage t = _topUps[v.modelId][v.epoch];
                t.due = v.topUp;
                t.eligible = eligible;
                emit TopUpRecorded(v.modelId, v.epoch, v.topUp, eligible);
            }
        }
    }

    function _applyPayout(MessageCodec.Payout memory p) private {
        (address payee, bool isEvm) = SettlementShares.evmPayee(p.payee);
        if (!isEvm) revert InvalidPayee(p.payee);
        EpochRecord storage r = _records[p.modelId][p.epoch];
        if (r.status != EpochStatus.Released) revert NotReleased(p.modelId, p.epoch);
        if (!SettlementShares.markPaid(_payoutsPaid[p.modelId][p.epoch], p.payoutIndex)) {
            revert PayoutAlreadyPaid(p.modelId, p.epoch, p.payoutIndex);
        }
        (uint256 amount, uint256 totalBps) =
            SettlementShares.payoutAmount(r.paid - r.refunded, r.paidOut, r.paidOutBps, p.shareBps);
        if (totalBps > BPS) revert SharesExceeded(p.modelId, p.epoch, totalBps);
        // totalBps <= 10,000 (checked above)
        // forge-lint: disable-next-line(unsafe-typecast)
        r.paidOutBps = uint16(totalBps);
        // paidOut + amount <= released <= paid, a uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        r.paidOut = uint96(r.paidOut + amount);

        if (amount != 0) _send(payee, amount);
        emit PaidOut(p.modelId, p.epoch, p.payoutIndex, payee, p.shareBps, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IEscrow
    function listing(uint256 modelId) external view returns (Listing memory) {
        return _listings[modelId];
    }

    /// @inheritdoc IEscrow
    function verdictGraceAt(uint256 modelId, uint64 epoch) public view returns (uint16) {
        GraceFrom[] storage graces = _graces[modelId];
        // newest first: the epochs asked about are recent, and the list grows only when the grace changes
        for (uint256 i = graces.length; i != 0; --i) {
            GraceFrom storage g = graces[i - 1];
            if (g.fromEpoch <= epoch) return g.epochs;
        }
        return 0;
    }

    /// @inheritdoc IEscrow
    function termsAt(uint256 modelId, uint64 epoch) external view returns (uint256 pricePerRequest, bool active) {
        return _termsAt(_listings[modelId], epoch);
    }

    /// @inheritdoc IEscrow
    function currentEpoch(uint256 modelId) external view returns (uint64) {
        return _currentEpoch(_listings[modelId], modelId);
    }

    /// @inheritdoc IEscrow
    function epochEnd(uint256 modelId, uint64 epoch) public view returns (uint256) {
        Listing storage l = _listings[modelId];
        uint256 epochSeconds = l.epochSeconds;
        if (epochSeconds == 0) revert ModelNotListed(modelId);
        return uint256(l.genesis) + (uint256(epoch) + 1) * epochSeconds;
    }

    /// @inheritdoc IEscrow
    function epochRecord(uint256 modelId, uint64 epoch) external view returns (EpochRecord memory) {
        return _records[modelId][epoch];
    }

    /// @inheritdoc IEscrow
    function payment(uint256 modelId, uint64 epoch, uint256 paymentIndex) external view returns (Payment memory) {
        return _payments[modelId][epoch][paymentIndex];
    }

    /// @inheritdoc IEscrow
    function unverdictedWithdrawalOpensAt(uint256 modelId, uint64 epoch) public view returns (uint256) {
        return epochEnd(modelId, epoch) + uint256(verdictGraceAt(modelId, epoch)) * _listings[modelId].epochSeconds;
    }

    /// @inheritdoc IEscrow
    function isWithdrawn(uint256 modelId, uint64 epoch, uint256 paymentIndex) external view returns (bool) {
        return _isWithdrawn(modelId, epoch, paymentIndex);
    }

    /// @inheritdoc IEscrow
    function topUpOf(uint256 modelId, uint64 epoch) external view returns (TopUp memory) {
        return _topUps[modelId][epoch];
    }

    /// @inheritdoc IEscrow
    function isPayoutPaid(uint256 modelId, uint64 epoch, uint32 payoutIndex) external view returns (bool) {
        return SettlementShares.isPaid(_payoutsPaid[modelId][epoch], payoutIndex);
    }

    // ---------------------------------------------------------------- internals

    function _currentEpoch(Listing storage l, uint256 modelId) private view returns (uint64) {
        uint256 epochSeconds = l.epochSeconds;
        if (epochSeconds == 0) revert ModelNotListed(modelId);
        uint64 genesis = l.genesis;
        // epochs are a time schedule by design
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < genesis) revert BeforeGenesis(modelId, genesis);
        // a timestamp fits uint64, so does any epoch number below it
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64((block.timestamp - genesis) / epochSeconds);
    }

    function _termsAt(Listing storage l, uint64 epoch) private view returns (uint256 price, bool active) {
        if (l.hasPending && epoch >= l.pendingFrom) return (l.pendingPrice, l.pendingActive);
        if (l.epochSeconds != 0 && epoch >= l.currentFrom) return (l.currentPrice, l.currentActive);
        return (0, false);
    }

    function _requireEpochOver(uint256 modelId, uint64 epoch) private view {
        // epochs are a time schedule by design
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < epochEnd(modelId, epoch)) revert EpochNotOver(modelId, epoch);
    }

    /// @dev Payments [first, first + n) as a receipt batch (batchIndex and finalBatch left to the caller).
    function _receiptBatch(uint256 modelId, uint64 epoch, uint32 first, uint32 n)
        private
        view
        returns (MessageCodec.ReceiptBatch memory batch)
    {
        mapping(uint256 => Payment) storage payments = _payments[modelId][epoch];
        bytes32[] memory leaves = new bytes32[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 index = first + i;
            Payment memory p = payments[index];
            leaves[i] = PaymentsMerkle.leaf(index, p.buyer, p.amount);
            total += p.amount;
        }
        batch.modelId = modelId;
        batch.epoch = epoch;
        batch.paymentChain = thisChain;
        batch.count = n;
        batch.total = total;
        batch.paymentsRoot = PaymentsMerkle.root(leaves);
    }

    function _isWithdrawn(uint256 modelId, uint64 epoch, uint256 paymentIndex) private view returns (bool) {
        // one bit per payment, 256 per word
        // forge-lint: disable-next-line(incorrect-shift)
        return _withdrawnBits[modelId][epoch][paymentIndex >> 8] & (1 << (paymentIndex & 0xff)) != 0;
    }

    /// @dev Gives payment `index` back in full to its buyer (its bit already set by the caller).
    function _withdrawOne(uint256 modelId, uint64 epoch, uint256 index) private returns (uint256) {
        Payment memory p = _payments[modelId][epoch][index];
        _send(p.buyer, p.amount);
        emit WithdrawnUnverdicted(modelId, epoch, index, p.buyer, p.amount);
        return p.amount;
    }

    /// @dev Sends payments [i, end) their top-up share; returns the cumulative eligible amount after them.
    function _sendTopUpShares(uint256 modelId, uint64 epoch, TopUp storage t, uint256 i, uint256 end)
        private
        returns (uint256 cumulative)
    {
        uint256 due = t.due;
        uint256 eligible = t.eligible;
        cumulative = t.cumulative;
        uint256 sharesBefore = due * cumulative / eligible;
        mapping(uint256 => Payment) storage payments = _payments[modelId][epoch];
        // payments withdrawn before the verdict are not part of `eligible`
        bool anyWithdrawn = _records[modelId][epoch].withdrawn != 0;
        for (; i < end; ++i) {
            if (anyWithdrawn && _isWithdrawn(modelId, epoch, i)) continue;
            Payment memory p = payments[i];
            uint256 sharesAfter;
            (cumulative, sharesAfter) = SettlementShares.topUpStep(due, eligible, cumulative, p.amount);
            uint256 amount = sharesAfter - sharesBefore;
            sharesBefore = sharesAfter;
            // a payment too small to have a non-zero share is simply passed
            if (amount == 0) continue;
            _send(p.buyer, amount);
            emit TopUpRefunded(modelId, epoch, i, p.buyer, amount);
        }
    }

    /// @dev Pushes `amount` to `to`; if the token refuses (e.g. `to` is blacklisted), keeps it as `to`'s credit.
    function _send(address to, uint256 amount) private {
        if (!token.trySafeTransfer(to, amount)) {
            credit[to] += amount;
            totalCredit += amount;
            emit Credited(to, amount);
        }
    }
}
