// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { Vm } from "forge-std/Vm.sol";
import { Escrow } from "../../src/Escrow.sol";
import { IEpochSettlementEvents } from "../../src/interfaces/IEpochSettlementEvents.sol";
import { IEscrow } from "../../src/interfaces/IEscrow.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { EpochRecord, EpochStatus, Payment, TopUp } from "../../src/types/EscrowTypes.sol";
import { MockMessenger } from "../mocks/MockMessenger.sol";
import { MockStablecoin } from "../mocks/MockStablecoin.sol";

/// @notice Drives an escrow like the real world: buyers paying, time passing, verdicts (some with a host bond
/// top-up), refunds and top-up shares in random batches, releases, payouts (duplicates included) and claims, with
/// blacklisting in between; keeps ghost books from the
/// events so the invariants can compare them with the escrow's own.
contract EscrowHandler is Test {
    uint32 internal constant HOME = 8453;

    Escrow public immutable escrow;
    MockStablecoin public immutable usd;
    MockMessenger public immutable messenger;

    uint256[2] internal models = [uint256(1), 2];
    address[4] internal buyers = [address(0xB1), address(0xB2), address(0xB3), address(0xB4)];
    address[3] internal payees = [address(0xFA), address(0xFB), address(0xB1)];
    address public constant VAULT = address(0x7A017);

    struct Key {
        uint256 modelId;
        uint64 epoch;
    }

    Key[] internal _keys;
    mapping(uint256 => mapping(uint64 => bool)) internal _known;
    // the invariant test lists each model at version 1; relists carry the next version
    mapping(uint256 => uint32) internal _listingVersion;

    // ghost books, from what the escrow emitted
    mapping(uint256 => mapping(uint64 => uint256)) public ghostPaid;
    mapping(uint256 => mapping(uint64 => uint256)) public ghostRefunded;
    mapping(uint256 => mapping(uint64 => uint256)) public ghostExpectedRefund; // sum of floor(amount * bps / 1e4)
    mapping(uint256 => mapping(uint64 => uint256)) public ghostReleased;
    mapping(uint256 => mapping(uint64 => uint256)) public ghostReleaseCount;
    mapping(uint256 => mapping(uint64 => uint256)) public ghostPaidOut;
    mapping(uint256 => mapping(uint64 => mapping(uint256 => uint256))) public ghostRefundsOf; // per payment
    mapping(uint256 => mapping(uint64 => mapping(uint256 => uint256))) public ghostPayoutsOf; // per payout index
    uint256 public ghostCredited;
    uint256 public ghostClaimed;
    uint256 public doubleRefunds;
    uint256 public doublePayouts;
    uint256 public doubleReleases;
    uint256 public wrongRefunds; // a Refunded amount other than floor(amount * bps / 1e4)
    uint256 public duplicateVerdictsAccepted;
    mapping(uint256 => mapping(uint64 => mapping(uint256 => uint256))) public ghostWithdrawalsOf; // per payment
    uint256 public doubleWithdrawals;
    uint256 public refundsOfWithdrawn; // a Refunded payment that was already withdrawn in full
    mapping(uint256 => mapping(uint64 => uint256)) public ghostTopUpFunded;
    mapping(uint256 => mapping(uint64 => uint256)) public ghostTopUpPaid; // sum of TopUpRefunded amounts
    mapping(uint256 => mapping(uint64 => mapping(uint256 => uint256))) public ghostTopUpsOf; // per payment
    uint256 public doubleTopUps; // a payment given its top-up share twice
    uint256 public topUpsOfWithdrawn; // a top-up share for a payment withdrawn before the verdict
    uint256 public doubleFundings; // a second fundTopUp accepted

    mapping(bytes32 => uint256) public calls;

    constructor(Escrow escrow_, MockStablecoin usd_, MockMessenger messenger_) {
        escrow = escrow_;
        usd = usd_;
        messenger = messenger_;
    }

    // ---------------------------------------------------------------- actions

    function pay(uint256 buyerSeed, uint256 modelSeed, uint256 units) external {
        address buyer = buyers[buyerSeed % buyers.length];
        uint256 modelId = models[modelSeed % models.length];
        if (usd.isBlacklisted(buyer)) return;
        uint64 epoch = escrow.currentEpoch(modelId);
        (uint256 price, bool active) = escrow.termsAt(modelId, epoch);
        if (!active || price == 0) return;
        uint256 amount = price * _bound(units, 1, 50);
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(escrow), amount);
        escrow.pay(modelId, amount);
        vm.stopPrank();
        _touch(modelId, epoch);
        ghostPaid[modelId][epoch] += amount;
        calls["pay"]++;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + _bound(secs, 1, 8 hours));
        calls["warp"]++;
    }

    function relist(uint256 modelSeed, uint256 ahead, uint256 price, bool active) external {
        uint256 modelId = models[modelSeed % models.length];
        uint64 from = escrow.currentEpoch(modelId) + 1 + uint64(_bound(ahead, 0, 3));
        (uint64 genesis, uint64 epochSeconds) = _clock(modelId);
        _deliver(
            MessageCodec.encodeModelListing(
                MessageCodec.ModelListing(
                    modelId,
                    genesis,
                    epochSeconds,
                    from,
                    _bound(price, 1, 5) * 1e6,
                    active,
                    ++_listingVersion[modelId],
                    2
                )
            )
        );
        calls["relist"]++;
    }

    function verdict(uint256 modelSeed, uint256 epochSeed, uint256 bps) external {
        (uint256 modelId, uint64 epoch, bool ended) = _pastEpoch(modelSeed, epochSeed);
        if (!ended) return;
        uint16 refundBps = uint16(_bound(bps, 0, 10_000));
        if (bps % 4 == 0) refundBps = 0; // clean epochs are common
        // a breach of a bonded model carries a top-up, sometimes far more than the epoch's payments
        uint96 topUp = refundBps == 0 || bps % 3 == 0 ? 0 : uint96(_bound(bps >> 16, 1, 1e12));
        bool settled = escrow.epochRecord(modelId, epoch).status != EpochStatus.Open;
        bytes memory message =
            MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, epoch, refundBps, bytes32(bps), topUp));
        if (settled) {
            // a duplicate delivery must be refused
            try messenger.deliver(escrow, HOME, message) {
                duplicateVerdictsAccepted++;
            } catch { }
            calls["verdict-duplicate"]++;
            return;
        }
        _deliver(message);
        _touch(modelId, epoch);
        ghostExpectedRefund[modelId][epoch] = _expectedRefund(modelId, epoch, refundBps);
        calls["verdict"]++;
    }

    function refund(uint256 modelSeed, uint256 epochSeed, uint256 maxPayments) external {
        (uint256 modelId, uint64 epoch, bool ended) = _pastEpoch(modelSeed, epochSeed);
        EpochRecord memory r = escrow.epochRecord(modelId, epoch);
        if (r.status == EpochStatus.Open) {
            // half the time, bring the verdict first so refunds run often
            if (!ended || maxPayments % 2 == 0) return;
            this.verdict(modelSeed, epochSeed, maxPayments >> 1);
            r = escrow.epochRecord(modelId, epoch);
            if (r.status == EpochStatus.Open) return;
        }
        vm.recordLogs();
        escrow.refund(modelId, epoch, _bound(maxPayments, 0, 12));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IEpochSettlementEvents.Refunded.selector) {
                (uint256 index, uint256 amount) = abi.decode(logs[i].data, (uint256, uint256));
                if (++ghostRefundsOf[modelId][epoch][index] > 1) doubleRefunds++;
                if (ghostWithdrawalsOf[modelId][epoch][index] != 0) refundsOfWithdrawn++;
                Payment memory p = escrow.payment(modelId, epoch, index);
                if (amount != uint256(p.amount) * r.refundBps / 10_000) wrongRefunds++;
                ghostRefunded[modelId][epoch] += amount;
            } else if (logs[i].topics[0] == IEpochSettlementEvents.Credited.selector) {
                ghostCredited += abi.decode(logs[i].data, (uint256));
            }
        }
        calls["refund"]++;
    }

    /// The netting vault pays in a top-up (a second attempt must be refused).
    function fundTopUp(uint256 modelSeed, uint256 epochSeed) external {
        (uint256 modelId, uint64 epoch,) = _pastEpoch(modelSeed, epochSeed);
        TopUp memory t = escrow.topUpOf(modelId, epoch);
        if (t.due == 0) return;
        usd.mint(VAULT, t.due);
        vm.startPrank(VAULT);
        usd.approve(address(escrow), t.due);
        try escrow.fundTopUp(modelId, epoch) {
            if (t.funded) doubleFundings++;
            ghostTopUpFunded[modelId][epoch] += t.due;
        } catch { }
        usd.approve(address(escrow), 0);
        vm.stopPrank();
        calls["fund-topup"]++;
    }

    function refundTopUp(uint256 modelSeed, uint256 epochSeed, uint256 maxPayments) external {
        (uint256 modelId, uint64 epoch,) = _pastEpoch(modelSeed, epochSeed);
        TopUp memory t = escrow.topUpOf(modelId, epoch);
        if (t.due == 0) return;
        // half the time, fund it first so shares go out often
        if (!t.funded) {
            if (maxPayments % 2 == 0) return;
            this.fundTopUp(modelSeed, epochSeed);
        }
        vm.recordLogs();
        escrow.refundTopUp(modelId, epoch, _bound(maxPayments >> 1, 0, 12));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IEpochSettlementEvents.TopUpRefunded.selector) {
                (uint256 index, uint256 amount) = abi.decode(logs[i].data, (uint256, uint256));
                if (++ghostTopUpsOf[modelId][epoch][index] > 1) doubleTopUps++;
                if (ghostWithdrawalsOf[modelId][epoch][index] != 0) topUpsOfWithdrawn++;
                ghostTopUpPaid[modelId][epoch] += amount;
            } else if (logs[i].topics[0] == IEpochSettlementEvents.Credited.selector) {
                ghostCredited += abi.decode(logs[i].data, (uint256));
            }
        }
        calls["refund-topup"]++;
    }

    function release(uint256 modelSeed, uint256 epochSeed) external {
        (uint256 modelId, uint64 epoch,) = _pastEpoch(modelSeed, epochSeed);
        // half the time, finish pending refunds first so releases happen often
        if (epochSeed % 2 == 0 && escrow.epochRecord(modelId, epoch).status == EpochStatus.Settled) {
            this.refund(modelSeed, epochSeed, 1);
            this.refund(modelSeed, epochSeed, 13);
        }
        vm.recordLogs();
        try escrow.release(modelId, epoch) {
            calls["release"]++;
        } catch {
            calls["release-refused"]++;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IEpochSettlementEvents.Released.selector) {
                if (++ghostReleaseCount[modelId][epoch] > 1) doubleReleases++;
                ghostReleased[modelId][epoch] = abi.decode(logs[i].data, (uint256));
            }
        }
    }

    function payout(uint256 modelSeed, uint256 epochSeed, uint256 indexSeed, uint256 payeeSeed, uint256 share)
        external
    {
        (uint256 modelId, uint64 epoch,) = _pastEpoch(modelSeed, epochSeed);
        // half the time, try to release first so payouts happen often
        if (indexSeed % 2 == 0 && escrow.epochRecord(modelId, epoch).status == EpochStatus.Settled) {
            this.release(modelSeed, epochSeed & ~uint256(1));
        }
        uint32 index = uint32((indexSeed >> 1) % 6); // few indices, so duplicates happen
        address payee = payees[payeeSeed % payees.length];
        uint16 shareBps = uint16(_bound(share, 0, 10_000));
        if (share % 3 == 0) shareBps = uint16(10_000 - escrow.epochRecord(modelId, epoch).paidOutBps);
        bytes memory message = MessageCodec.encodePayout(
            MessageCodec.Payout(modelId, epoch, index, bytes32(uint256(uint160(payee))), shareBps)
        );
        vm.recordLogs();
        try messenger.deliver(escrow, HOME, message) {
            calls["payout"]++;
        } catch {
            calls["payout-refused"]++;
        }
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IEpochSettlementEvents.PaidOut.selector) {
                if (++ghostPayoutsOf[modelId][epoch][index] > 1) doublePayouts++;
                (, uint16 bps, uint256 amount) = abi.decode(logs[i].data, (uint32, uint16, uint256));
                bps;
                ghostPaidOut[modelId][epoch] += amount;
            } else if (logs[i].topics[0] == IEpochSettlementEvents.Credited.selector) {
                ghostCredited += abi.decode(logs[i].data, (uint256));
            }
        }
    }

    /// No verdict, no lock-in: after the grace, give back a few payments (duplicates and repeats included).
    function withdraw(uint256 modelSeed, uint256 epochSeed, uint256 indexSeed) external {
        (uint256 modelId, uint64 epoch, bool ended) = _pastEpoch(modelSeed, epochSeed);
        if (!ended) return;
        EpochRecord memory r = escrow.epochRecord(modelId, epoch);
        if (r.count == 0 || r.status != EpochStatus.Open) return;
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < escrow.unverdictedWithdrawalOpensAt(modelId, epoch)) return;
        uint256[] memory indexes = new uint256[](3);
        for (uint256 k; k < 3; ++k) {
            indexes[k] = uint256(keccak256(abi.encode(indexSeed, k))) % r.count;
        }
        vm.recordLogs();
        escrow.withdrawUnverdicted(modelId, epoch, indexes);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IEscrow.WithdrawnUnverdicted.selector) {
                (uint256 index, uint256 amount) = abi.decode(logs[i].data, (uint256, uint256));
                if (++ghostWithdrawalsOf[modelId][epoch][index] > 1) doubleWithdrawals++;
                if (amount != escrow.payment(modelId, epoch, index).amount) wrongRefunds++;
                ghostRefunded[modelId][epoch] += amount;
            } else if (logs[i].topics[0] == IEpochSettlementEvents.Credited.selector) {
                ghostCredited += abi.decode(logs[i].data, (uint256));
            }
        }
        calls["withdraw"]++;
    }

    function relay(uint256 modelSeed, uint256 epochSeed, uint256 maxPayments) external {
        (uint256 modelId, uint64 epoch, bool ended) = _pastEpoch(modelSeed, epochSeed);
        if (!ended) return;
        try escrow.relayReceipts(modelId, epoch, uint32(_bound(maxPayments, 1, 10)), messenger) {
            calls["relay"]++;
        } catch {
            calls["relay-refused"]++;
        }
    }

    function claim(uint256 accountSeed) external {
        address account = accountSeed % 2 == 0 ? buyers[accountSeed % buyers.length] : payees[accountSeed % 3];
        uint256 owed = escrow.credit(account);
        if (owed == 0) return;
        address to = address(uint160(0xC0DE0000 + accountSeed % 4));
        vm.prank(account);
        escrow.claim(to);
        ghostClaimed += owed;
        calls["claim"]++;
    }

    function blacklist(uint256 accountSeed, bool on) external {
        address account = accountSeed % 2 == 0 ? buyers[accountSeed % buyers.length] : payees[accountSeed % 3];
        usd.setBlacklisted(account, on);
        calls["blacklist"]++;
    }

    // ---------------------------------------------------------------- views for the invariants

    function keyCount() external view returns (uint256) {
        return _keys.length;
    }

    function keyAt(uint256 i) external view returns (uint256 modelId, uint64 epoch) {
        Key memory k = _keys[i];
        return (k.modelId, k.epoch);
    }

    // ---------------------------------------------------------------- internals

    function _deliver(bytes memory message) internal {
        messenger.deliver(escrow, HOME, message);
    }

    function _touch(uint256 modelId, uint64 epoch) internal {
        if (_known[modelId][epoch]) return;
        _known[modelId][epoch] = true;
        _keys.push(Key(modelId, epoch));
    }

    function _clock(uint256 modelId) internal view returns (uint64 genesis, uint64 epochSeconds) {
        (genesis, epochSeconds) = (escrow.listing(modelId).genesis, escrow.listing(modelId).epochSeconds);
    }

    /// @dev Mostly an epoch that already has payments or a verdict (so settlement steps meet each other), else any
    /// epoch of the model at or before the current one, biased to ended ones.
    function _pastEpoch(uint256 modelSeed, uint256 epochSeed)
        internal
        view
        returns (uint256 modelId, uint64 epoch, bool ended)
    {
        if (_keys.length != 0 && epochSeed % 4 != 0) {
            Key memory k = _keys[(epochSeed >> 8) % _keys.length];
            modelId = k.modelId;
            epoch = k.epoch;
            ended = epoch < escrow.currentEpoch(modelId);
            return (modelId, epoch, ended);
        }
        modelId = models[modelSeed % models.length];
        uint64 current = escrow.currentEpoch(modelId);
        epoch = uint64(epochSeed % (uint256(current) + 1));
        if (epoch == current && current > 0 && epochSeed % 5 != 0) epoch = current - 1;
        ended = epoch < current;
    }

    function _expectedRefund(uint256 modelId, uint64 epoch, uint16 bps) internal view returns (uint256 sum) {
        uint256 count = escrow.epochRecord(modelId, epoch).count;
        for (uint256 i; i < count; ++i) {
            uint256 amount = escrow.payment(modelId, epoch, i).amount;
            // a payment withdrawn before the verdict was given back in full, and gets no refund
            sum += ghostWithdrawalsOf[modelId][epoch][i] != 0 ? amount : amount * bps / 10_000;
        }
    }
}
