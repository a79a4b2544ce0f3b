// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { IERC1271 } from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import { Initializable } from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { MessageHashUtils } from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { IMessenger } from "../interfaces/IMessenger.sol";
import { MessageCodec } from "../libraries/MessageCodec.sol";
import { MessengerFees } from "../libraries/MessengerFees.sol";
import { PaymentsMerkle } from "../libraries/PaymentsMerkle.sol";
import { SettlementShares } from "../libraries/SettlementShares.sol";
import { SettlementReceiver } from "../SettlementReceiver.sol";
import { ISlaReceiver } from "./ISlaReceiver.sol";
import { IX402BatchSettlement } from "./IX402BatchSettlement.sol";

/// @title SlaReceiver
/// @notice The SLA layer of one model on one payment chain over x402 channels (see ISlaReceiver).
/// @dev Deployed as an OZ `Clones` minimal clone of one implementation (SlaReceiverFactory); the clone's owner is set
/// by `initialize`, the implementation itself can never be initialized. Assumes a plain stablecoin, as the Escrow.
/// Money rule: token balance + unsettled claims >= booked - refunded - released paid out + credits + funded top-ups.
contract SlaReceiver is ISlaReceiver, SettlementReceiver, Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Rows per claim transaction, most: keeps a batch well inside a block with room for skipped rows.
    uint256 public constant MAX_ROWS = 100;
    uint16 private constant BPS = MessageCodec.BPS;
    bytes4 private constant EIP1271_INVALID = 0xffffffff;
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant REFUND_AUTHORIZATION_TYPEHASH =
        keccak256("RefundAuthorization(bytes32 channelId,uint256 nonce,uint128 amount)");
    /// @dev channelId (32) + nonce (32) + amount (16) + r, s, v (65)
    uint256 private constant REFUND_SIGNATURE_LENGTH = 145;

    address public operator;
    /// @dev next to `operator`: claimEpoch reads both from one slot
    bool public paused;
    address public guardian;
    address public authorizer;
    uint256 public modelId;
    IERC20 public token;
    IX402BatchSettlement public channels;
    uint32 public thisChain;
    uint32 public homeChain;
    uint64 public genesis;
    uint64 public epochSeconds;
    uint16 public verdictGraceEpochs;
    address public topUpFunder;
    mapping(address account => uint256 amount) public credit;
    uint256 public totalCredit;

    mapping(uint64 epoch => EpochState) private _epochs;
    mapping(uint64 epoch => mapping(uint256 index => BuyerTotal)) private _buyers;
    /// @dev buyer index + 1 (0: not booked yet in that epoch)
    mapping(uint64 epoch => mapping(address payer => uint256 slot)) private _buyerSlot;
    mapping(uint64 epoch => mapping(uint256 word => uint256 bits)) private _payoutsPaid;
    /// @dev one bit per buyer index, 256 per word: withdrawn for want of a verdict
    mapping(uint64 epoch => mapping(uint256 word => uint256 bits)) private _withdrawnBits;

    /// @dev The implementation's owner is its deployer (the factory); clones get theirs in `initialize`.
    constructor() SettlementReceiver(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc ISlaReceiver
    function initialize(InitParams calldata p) external initializer {
        if (p.epochSeconds == 0) revert ZeroEpochSeconds();
        if (p.verdictGraceEpochs == 0) revert ZeroVerdictGrace();
        _transferOwnership(p.owner);
        operator = p.operator;
        modelId = p.modelId;
        token = p.token;
        channels = p.channels;
        thisChain = p.thisChain;
        homeChain = p.homeChain;
        genesis = p.genesis;
        epochSeconds = p.epochSeconds;
        verdictGraceEpochs = p.verdictGraceEpochs;
        emit OperatorSet(p.operator);
    }

    /// @notice Replaces the operator key that submits claims. Owner only.
    function setOperator(address operator_) external onlyOwner {
        operator = operator_;
        emit OperatorSet(operator_);
    }

    // ---------------------------------------------------------------- pause and authorizer

    /// @inheritdoc ISlaReceiver
    function pause() external {
        if (msg.sender != owner() && msg.sender != guardian) revert NotGuardian(msg.sender);
        paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ISlaReceiver
    function unpause() external onlyOwner {
        paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc ISlaReceiver
    function setGuardian(address guardian_) external onlyOwner {
        guardian = guardian_;
        emit GuardianSet(guardian_);
    }

    /// @inheritdoc ISlaReceiver
    function setAuthorizer(address authorizer_) external onlyOwner {
        authorizer = authorizer_;
        emit AuthorizerSet(authorizer_);
    }

    /// @inheritdoc ISlaReceiver
    function refundAuthorizationDigest(bytes32 channelId, uint256 nonce, uint128 amount) public view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH, keccak256("slabridge SlaReceiver"), keccak256("1"), block.chainid, address(this)
            )
        );
        return MessageHashUtils.toTypedDataHash(
            domain, keccak256(abi.encode(REFUND_AUTHORIZATION_TYPEHASH, channelId, nonce, amount))
        );
    }

    /// @notice EIP-1271: `0x1626ba7e` when `hash` is the channel contract's `Refund` digest of the (channelId, nonce,
    /// amount) packed at the head of `signature` (32 + 32 + 16 bytes) and the 65 bytes after them are the authorizer's
    /// ECDSA signature of `refundAuthorizationDigest` of the same; `0xffffffff` otherwise (any other length, another
    /// digest such as a `ClaimBatch`, another signer, no authorizer set, or paused). Never reverts on bad input.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        address signer = authorizer;
        if (paused || signer == address(0) || signature.length != REFUND_SIGNATURE_LENGTH) return EIP1271_INVALID;
        bytes32 channelId = bytes32(signature[0:32]);
        uint256 nonce = uint256(bytes32(signature[32:64]));
        uint128 amount = uint128(bytes16(signature[64:80]));
        // only the channel contract's Refund digest: a ClaimBatch signed here would claim around claimEpoch, unbooked
        if (hash != channels.getRefundDigest(channelId, nonce, amount)) return EIP1271_INVALID;
        (address recovered, ECDSA.RecoverError err,) =
            ECDSA.tryRecoverCalldata(refundAuthorizationDigest(channelId, nonce, amount), signature[80:]);
        if (err != ECDSA.RecoverError.NoError || recovered != signer) return EIP1271_INVALID;
        return IERC1271.isValidSignature.selector;
    }

    // ---------------------------------------------------------------- claims

    /// @inheritdoc ISlaReceiver
    function claimEpoch(uint64 epoch, IX402BatchSettlement.VoucherClaim[] calldata rows)
        external
        nonReentrant
        returns (uint256 booked)
    {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        if (paused) revert ReceiverPaused();
        if (rows.length > MAX_ROWS) revert BatchTooLarge(rows.length);
        // the running epoch is allowed: a watchdog claim ahead of a payer's timed withdrawal books there
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < uint256(genesis) + uint256(epoch) * epochSeconds) revert EpochNotStarted(epoch);
        EpochState storage e = _epochs[epoch];
        if (e.closed) revert EpochClosed(epoch);
        IX402BatchSettlement ch = channels;
        address tok = address(token);
        uint256 claimed = e.claimed;
        uint32 buyers = e.buyers;
        for (uint256 i; i < rows.length; ++i) {
            IX402BatchSettlement.ChannelConfig calldata c = rows[i].voucher.channel;
            bytes32 id = ch.getChannelId(c);
            // a row for another receiver or token would claim money this contract never receives; one with another
            // receiverAuthorizer could be claimed or refunded behind this contract's back, unbooked
            if (c.receiver != address(this) || c.receiverAuthorizer != address(this) || c.token != tok) {
                emit RowSkipped(epoch, i, id, abi.encodeWithSelector(ForeignRow.selector));
                continue;
            }
            (, uint128 before) = ch.channels(id);
            // one row per call, so a row that reverts only loses itself (cheaper than pre-checking each row against the
            // channel's views and digest, which verifies each signature twice: see gas-report.md)
            try ch.claim(_one(rows[i])) {
                uint256 delta = rows[i].totalClaimed - before;
                if (delta == 0) continue;
                buyers = _book(epoch, buyers, c.payer, delta);
                claimed += delta;
                booked += delta;
                emit Booked(epoch, id, c.payer, delta);
            } catch (bytes memory reason) {
                emit RowSkipped(epoch, i, id, reason);
            }
        }
        if (claimed > type(uint96).max) revert AmountOverflow();
        // checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        e.claimed = uint96(claimed);
        e.buyers = buyers;
    }

    /// @inheritdoc ISlaReceiver
    function settle() public {
        channels.settle(address(this), address(token));
    }

    // ---------------------------------------------------------------- receipts home

    /// @inheritdoc ISlaReceiver
    function relayReceipts(uint64 epoch, uint32 maxBuyers, IMessenger messenger)
        external
        payable
        nonReentrant
        returns (bytes32 messageId)
    {
        if (!isMessenger[address(messenger)]) revert UnknownMessenger(address(messenger));
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < epochEnd(epoch)) revert EpochNotOver(epoch);
        EpochState storage e = _epochs[epoch];
        uint32 count = e.buyers;
        uint32 first = e.relayed;
        uint32 batchIndex = e.batches;
        // an epoch without buyers still sends exactly one (empty, final) batch
        if (first == count && batchIndex != 0) revert NothingToRelay(epoch);
        uint32 n = count - first;
        if (n > maxBuyers) n = maxBuyers;
        if (n == 0 && count != 0) revert ZeroBatchSize();
        // the first batch closes the epoch to claims: the relayed indexes and the home totals must not move
        e.closed = true;
        e.relayed = first + n;
        e.batches = batchIndex + 1;

        MessageCodec.ReceiptBatch memory batch = _receiptBatch(epoch, first, n);
        batch.batchIndex = batchIndex;
        batch.finalBatch = first + n == count;
        messageId = MessengerFees.sendPayingQuote(messenger, homeChain, MessageCodec.encodeReceiptBatch(batch));
        emit ReceiptsRelayed(
            batch.modelId, epoch, batchIndex, first, n, batch.total, batch.paymentsRoot, batch.finalBatch, messageId
        );
    }

    // ---------------------------------------------------------------- verdict, refunds, release

    /// @dev Verdicts and payouts for this receiver's model, from the home chain only.
    function _handleMessage(uint32 srcChain, uint8 kind, bytes calldata message) internal override nonReentrant {
        if (srcChain != homeChain) revert UnexpectedMessage(srcChain, kind);
        if (kind == MessageCodec.KIND_VERDICT) _applyVerdict(MessageCodec.decodeVerdict(message));
        else if (kind == MessageCodec.KIND_PAYOUT) _applyPayout(MessageCodec.decodePayout(message));
        else revert UnexpectedMessage(srcChain, kind);
    }

    function _applyVerdict(MessageCodec.Verdict memory v) private {
        if (v.modelId != modelId) revert WrongModel(v.modelId);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < epochEnd(v.epoch)) revert EpochNotOver(v.epoch);
        EpochState storage e = _epochs[v.epoch];
        if (e.status != Status.Open) revert AlreadySettled(v.epoch);
        e.status = Status.Settled;
        e.closed = true;
        e.refundBps = v.refundBps;
        // nobody to pay back: refunds are done at once
        if ((v.refundBps == 0 && v.topUp == 0) || e.claimed == 0) e.refundCursor = e.buyers;
        emit VerdictApplied(v.modelId, v.epoch, v.refundBps, v.reportHash);
        // a top-up with nobody booked is owed to nobody; one is shared among all the epoch's buyers, as booked
        if (v.topUp != 0 && e.claimed != 0) {
            e.topUpDue = v.topUp;
            emit TopUpRecorded(v.modelId, v.epoch, v.topUp, e.claimed);
        }
    }

    /// @dev The Escrow's payout rule (SettlementShares): each index once, by share, the last takes the dust.
    function _applyPayout(MessageCodec.Payout memory p) private {
        if (p.modelId != modelId) revert WrongModel(p.modelId);
        (address payee, bool isEvm) = SettlementShares.evmPayee(p.payee);
        if (!isEvm) revert InvalidPayee(p.payee);
        EpochState storage e = _epochs[p.epoch];
        if (e.status != Status.Released) revert NotReleased(p.epoch);
        if (!SettlementShares.markPaid(_payoutsPaid[p.epoch], p.payoutIndex)) {
            revert PayoutAlreadyPaid(p.epoch, p.payoutIndex);
        }
        (uint256 amount, uint256 totalBps) =
            SettlementShares.payoutAmount(e.claimed - e.refunded, e.paidOut, e.paidOutBps, p.shareBps);
        if (totalBps > BPS) revert SharesExceeded(p.epoch, totalBps);
        // totalBps <= 10,000 (checked above)
        // forge-lint: disable-next-line(unsafe-typecast)
        e.paidOutBps = uint16(totalBps);
        // paidOut + amount <= released <= claimed, a uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        e.paidOut = uint96(e.paidOut + amount);
        if (amount != 0) {
            // the claimed funds sit in the channel contract until settled
            settle();
            _send(payee, amount);
        }
        emit PaidOut(p.modelId, p.epoch, p.payoutIndex, payee, p.shareBps, amount);
    }

    /// @inheritdoc ISlaReceiver
    function setTopUpFunder(address funder) external onlyOwner {
        topUpFunder = funder;
        emit TopUpFunderSet(funder);
    }

    /// @inheritdoc ISlaReceiver
    function fundTopUp(uint64 epoch) external nonReentrant {
        EpochState storage e = _epochs[epoch];
        uint256 due = e.topUpDue;
        if (due == 0) revert NoTopUp(epoch);
        if (e.topUpFunded) revert TopUpAlreadyFunded(epoch);
        address funder = topUpFunder;
        if (funder == address(0)) revert NoTopUpFunder();
        e.topUpFunded = true;
        token.safeTransferFrom(funder, address(this), due);
        emit TopUpFunded(modelId, epoch, funder, due);
    }

    /// @inheritdoc ISlaReceiver
    function refund(uint64 epoch, uint256 maxBuyers) external nonReentrant returns (uint256 count) {
        if (paused) revert ReceiverPaused();
        EpochState storage e = _epochs[epoch];
        if (e.status == Status.Open) revert NoVerdict(epoch);
        uint256 cursor = e.refundCursor;
        {
            uint256 remaining = e.buyers - cursor;
            count = maxBuyers < remaining ? maxBuyers : remaining;
        }
        if (count == 0) return 0;
        uint256 due = e.topUpDue;
        if (due != 0 && !e.topUpFunded) revert TopUpNotFunded(epoch);
        uint256 end = cursor + count;
        // the cursor only moves forward: each buyer-epoch is paid back at most once
        // end <= buyers, a uint32
        // forge-lint: disable-next-line(unsafe-typecast)
        e.refundCursor = uint32(end);
        // the claimed funds sit in the channel contract until settled
        settle();

        (uint256 sum, uint256 cumulative) = _refundRange(epoch, e, cursor, end);
        // sums stay below claimed, a uint96
        // forge-lint: disable-next-line(unsafe-typecast)
        e.refunded += uint96(sum);
        // forge-lint: disable-next-line(unsafe-typecast)
        e.topUpCumulative = uint96(cumulative);
    }

    /// @inheritdoc ISlaReceiver
    function release(uint64 epoch) external nonReentrant {
        EpochState storage e = _epochs[epoch];
        if (e.status == Status.Open) revert NoVerdict(epoch);
        if (e.status == Status.Released) revert AlreadyReleased(epoch);
        if (e.refundCursor != e.buyers) revert RefundsPending(epoch);
        e.status = Status.Released;
        emit Released(modelId, epoch, e.claimed - e.refunded);
    }

    /// @inheritdoc ISlaReceiver
    function claim(address to) external nonReentrant returns (uint256 amount) {
        amount = credit[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        credit[msg.sender] = 0;
        totalCredit -= amount;
        token.safeTransfer(to, amount);
        emit Claimed(msg.sender, to, amount);
    }

    /// @inheritdoc ISlaReceiver
    function withdrawUnverdicted(uint64 epoch, uint256[] calldata buyerIndexes)
        external
        nonReentrant
        returns (uint256 amount)
    {
        EpochState storage e = _epochs[epoch];
        // once a verdict is in, its refunds apply instead (withdrawals made before it are honoured by them)
        if (e.status != Status.Open) revert AlreadySettled(epoch);
        {
            uint256 opensAt = unverdictedWithdrawalOpensAt(epoch);
            // epochs are a time schedule by design
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < opensAt) revert VerdictGraceNotOver(epoch, opensAt);
        }
        // no claim may add to a total after it was given back
        e.closed = true;
        // the claimed funds sit in the channel contract until settled
        settle();
        uint256 buyers = e.buyers;
        uint32 withdrawn = e.withdrawn;
        mapping(uint256 => uint256) storage bits = _withdrawnBits[epoch];
        for (uint256 k; k < buyerIndexes.length; ++k) {
            uint256 i = buyerIndexes[k];
            if (i >= buyers) revert BuyerNotFound(epoch, i);
            // forge-lint: disable-next-line(incorrect-shift)
            uint256 bit = 1 << (i & 0xff);
            // already withdrawn (a racing or repeated call): skip rather than revert, so one can't block a batch
            if (bits[i >> 8] & bit != 0) continue;
            // the bit is set before the transfer: each buyer-epoch is given back at most once
            bits[i >> 8] |= bit;
            ++withdrawn;
            BuyerTotal memory b = _buyers[epoch][i];
            amount += b.amount;
            _send(b.buyer, b.amount);
            emit WithdrawnUnverdicted(modelId, epoch, i, b.buyer, b.amount);
        }
        e.withdrawn = withdrawn;
        // withdrawn totals leave the booked sum: a later verdict's top-up shares and release count only the rest
        // amount <= claimed (each buyer's total once)
        // forge-lint: disable-next-line(unsafe-typecast)
        e.claimed -= uint96(amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISlaReceiver
    function unverdictedWithdrawalOpensAt(uint64 epoch) public view returns (uint256) {
        return epochEnd(epoch) + uint256(verdictGraceEpochs) * epochSeconds;
    }

    /// @inheritdoc ISlaReceiver
    function isWithdrawn(uint64 epoch, uint256 buyerIndex) public view returns (bool) {
        // forge-lint: disable-next-line(incorrect-shift)
        return _withdrawnBits[epoch][buyerIndex >> 8] & (1 << (buyerIndex & 0xff)) != 0;
    }

    /// @inheritdoc ISlaReceiver
    function epochState(uint64 epoch) external view returns (EpochState memory) {
        return _epochs[epoch];
    }

    /// @inheritdoc ISlaReceiver
    function isPayoutPaid(uint64 epoch, uint32 payoutIndex) external view returns (bool) {
        return SettlementShares.isPaid(_payoutsPaid[epoch], payoutIndex);
    }

    /// @inheritdoc ISlaReceiver
    function buyerAt(uint64 epoch, uint256 index) external view returns (BuyerTotal memory) {
        return _buyers[epoch][index];
    }

    /// @inheritdoc ISlaReceiver
    function paidBy(uint64 epoch, address payer) external view returns (uint256) {
        uint256 slot = _buyerSlot[epoch][payer];
        return slot == 0 ? 0 : _buyers[epoch][slot - 1].amount;
    }

    /// @inheritdoc ISlaReceiver
    function currentEpoch() external view returns (uint64) {
        // a timestamp fits uint64, so does any epoch number below it
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64((block.timestamp - genesis) / epochSeconds);
    }

    /// @inheritdoc ISlaReceiver
    function epochEnd(uint64 epoch) public view returns (uint256) {
        return uint256(genesis) + (uint256(epoch) + 1) * epochSeconds;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Adds `amount` to `payer`'s total of `epoch`, giving it the next buyer index on its first booking.
    function _book(uint64 epoch, uint32 buyers, address payer, uint256 amount) private returns (uint32) {
        uint256 slot = _buyerSlot[epoch][payer];
        if (slot == 0) {
            _buyerSlot[epoch][payer] = uint256(buyers) + 1;
            // the epoch total is checked against uint96 by the caller, a buyer's part is below it
            // forge-lint: disable-next-line(unsafe-typecast)
            _buyers[epoch][buyers] = BuyerTotal(payer, uint96(amount));
            return buyers + 1;
        }
        BuyerTotal storage b = _buyers[epoch][slot - 1];
        uint256 total = uint256(b.amount) + amount;
        if (total > type(uint96).max) revert AmountOverflow();
        // checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        b.amount = uint96(total);
        return buyers;
    }

    function _one(IX402BatchSettlement.VoucherClaim calldata row)
        private
        pure
        returns (IX402BatchSettlement.VoucherClaim[] memory rows)
    {
        rows = new IX402BatchSettlement.VoucherClaim[](1);
        rows[0] = row;
    }

    /// @dev Buyers [first, first + n) as a receipt batch; payment id = buyer index (batchIndex, finalBatch: caller).
    function _receiptBatch(uint64 epoch, uint32 first, uint32 n)
        private
        view
        returns (MessageCodec.ReceiptBatch memory batch)
    {
        mapping(uint256 => BuyerTotal) storage buyers = _buyers[epoch];
        bytes32[] memory leaves = new bytes32[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 index = first + i;
            BuyerTotal memory b = buyers[index];
            leaves[i] = PaymentsMerkle.leaf(index, b.buyer, b.amount);
            total += b.amount;
        }
        batch.modelId = modelId;
        batch.epoch = epoch;
        batch.paymentChain = thisChain;
        batch.count = n;
        batch.total = total;
        batch.paymentsRoot = PaymentsMerkle.root(leaves);
    }

    /// @dev Pays buyers [i, end) their tier share plus top-up share in one transfer each, logged as the Escrow's two
    /// events (its `refund` and `refundTopUp`); returns the tier shares' sum and the top-up cumulative after them.
    function _refundRange(uint64 epoch, EpochState storage e, uint256 i, uint256 end)
        private
        returns (uint256 sum, uint256 cumulative)
    {
        uint256 bps = e.refundBps;
        uint256 due = e.topUpDue;
        uint256 eligible = e.claimed;
        uint256 model = modelId;
        cumulative = e.topUpCumulative;
        mapping(uint256 => BuyerTotal) storage buyers = _buyers[epoch];
        for (; i < end; ++i) {
            // buyers who took their total back before the verdict get nothing on top, and are not in `eligible`
            if (e.withdrawn != 0 && isWithdrawn(epoch, i)) continue;
            BuyerTotal memory b = buyers[i];
            uint256 share = uint256(b.amount) * bps / BPS;
            uint256 topUp;
            if (due != 0) {
                // the Escrow's cumulative rule: the shares add up to exactly `due`
                uint256 sharesBefore = due * cumulative / eligible;
                uint256 sharesAfter;
                (cumulative, sharesAfter) = SettlementShares.topUpStep(due, eligible, cumulative, b.amount);
                topUp = sharesAfter - sharesBefore;
            }
            if (share + topUp == 0) continue;
            sum += share;
            _send(b.buyer, share + topUp);
            if (share != 0) emit Refunded(model, epoch, i, b.buyer, share);
            if (topUp != 0) emit TopUpRefunded(model, epoch, i, b.buyer, topUp);
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
