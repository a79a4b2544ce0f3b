// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test, console } from "forge-std/Test.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Escrow } from "../../src/Escrow.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { EpochRecord, EpochStatus, TopUp } from "../../src/types/EscrowTypes.sol";
import { MockMessenger } from "../mocks/MockMessenger.sol";
import { MockStablecoin } from "../mocks/MockStablecoin.sol";
import { EscrowHandler } from "./EscrowHandler.sol";

/// @notice The escrow's money rules under random sequences of payments, time, verdicts (with host bond top-ups),
/// refunds, top-up funding and shares, withdrawals after the verdict grace, releases, payouts, claims and
/// blacklisting.
contract EscrowInvariantTest is Test {
    uint32 internal constant THIS = 42_161;
    uint32 internal constant HOME = 8453;

    Escrow internal escrow;
    MockStablecoin internal usd;
    MockMessenger internal messenger;
    EscrowHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        usd = new MockStablecoin();
        messenger = new MockMessenger();
        escrow = new Escrow(address(this), IERC20(address(usd)), THIS, HOME);
        escrow.setMessenger(address(messenger), true);
        // two models with different clocks and prices
        messenger.deliver(
            escrow,
            HOME,
            MessageCodec.encodeModelListing(MessageCodec.ModelListing(1, 1_700_000_000, 1 hours, 0, 1e6, true, 1, 2))
        );
        messenger.deliver(
            escrow,
            HOME,
            MessageCodec.encodeModelListing(MessageCodec.ModelListing(2, 1_699_990_000, 3 hours, 0, 2500, true, 1, 2))
        );
        handler = new EscrowHandler(escrow, usd, messenger);
        escrow.setTopUpFunder(handler.VAULT());
        targetContract(address(handler));
    }

    /// The escrow holds at least what it owes: unsettled and unreleased money, released money not yet paid out,
    /// funded top-ups not yet shared out, and credits. With no donations it holds exactly that.
    function invariant_balanceCoversWhatIsOwed() public view {
        uint256 owed = escrow.totalCredit();
        for (uint256 i; i < handler.keyCount(); ++i) {
            (uint256 m, uint64 e) = handler.keyAt(i);
            EpochRecord memory r = escrow.epochRecord(m, e);
            owed += uint256(r.paid) - r.refunded - r.paidOut;
            owed += handler.ghostTopUpFunded(m, e) - handler.ghostTopUpPaid(m, e);
        }
        assertGe(usd.balanceOf(address(escrow)), owed);
        assertEq(usd.balanceOf(address(escrow)), owed);
        assertEq(escrow.totalCredit(), handler.ghostCredited() - handler.ghostClaimed());
    }

    /// Nothing is refunded, withdrawn, released or paid out twice; a withdrawn payment gets no refund on top; every
    /// refund is the payment's exact share and every withdrawal its whole amount.
    function invariant_nothingTwice() public view {
        assertEq(handler.doubleRefunds(), 0);
        assertEq(handler.doubleReleases(), 0);
        assertEq(handler.doublePayouts(), 0);
        assertEq(handler.wrongRefunds(), 0);
        assertEq(handler.duplicateVerdictsAccepted(), 0);
        assertEq(handler.doubleWithdrawals(), 0);
        assertEq(handler.refundsOfWithdrawn(), 0);
        assertEq(handler.doubleTopUps(), 0);
        assertEq(handler.topUpsOfWithdrawn(), 0);
        assertEq(handler.doubleFundings(), 0);
    }

    /// Per (model, epoch) top-up: funded at most once and exactly `due`; the shares paid are the cumulative rule's
    /// (due * cumulative / eligible), never more than funded, and exactly `due` once every payment had its turn.
    function invariant_topUpsShareExactly() public view {
        for (uint256 i; i < handler.keyCount(); ++i) {
            (uint256 m, uint64 e) = handler.keyAt(i);
            TopUp memory t = escrow.topUpOf(m, e);
            uint256 paid = handler.ghostTopUpPaid(m, e);
            if (t.due == 0) {
                assertEq(handler.ghostTopUpFunded(m, e), 0);
                assertEq(paid, 0);
                continue;
            }
            assertEq(handler.ghostTopUpFunded(m, e), t.funded ? t.due : 0);
            assertLe(t.cumulative, t.eligible);
            assertEq(paid, uint256(t.due) * t.cumulative / t.eligible);
            assertLe(paid, handler.ghostTopUpFunded(m, e));
            if (t.cursor == escrow.epochRecord(m, e).count) assertEq(paid, t.due);
        }
    }

    /// Per (model, epoch): the books match the ghost books; once released, refunded + released == paid;
    /// paid out never exceeds released, and equals it once all 10,000 bps are paid.
    function invariant_settledEpochsBalance() public view {
        for (uint256 i; i < handler.keyCount(); ++i) {
            (uint256 m, uint64 e) = handler.keyAt(i);
            EpochRecord memory r = escrow.epochRecord(m, e);
            assertEq(r.paid, handler.ghostPaid(m, e));
            assertEq(r.refunded, handler.ghostRefunded(m, e));
            assertLe(r.refundCursor, r.count);
            if (r.status != EpochStatus.Open && r.refundCursor == r.count) {
                assertEq(r.refunded, handler.ghostExpectedRefund(m, e));
            }
            if (r.status == EpochStatus.Released) {
                assertEq(uint256(r.refunded) + handler.ghostReleased(m, e), r.paid);
                assertEq(r.paidOut, handler.ghostPaidOut(m, e));
                assertLe(r.paidOut, handler.ghostReleased(m, e));
                assertLe(r.paidOutBps, 10_000);
                if (r.paidOutBps == 10_000) assertEq(r.paidOut, handler.ghostReleased(m, e));
            } else {
                assertEq(r.paidOut, 0);
                assertEq(handler.ghostReleaseCount(m, e), 0);
            }
            assertLe(r.relayed, r.count);
        }
    }

    function afterInvariant() external view {
        string[16] memory names = [
            "pay",
            "warp",
            "relist",
            "verdict",
            "verdict-duplicate",
            "refund",
            "release",
            "release-refused",
            "payout",
            "payout-refused",
            "relay",
            "withdraw",
            "claim",
            "blacklist",
            "fund-topup",
            "refund-topup"
        ];
        string memory line = string.concat("keys ", vm.toString(handler.keyCount()));
        for (uint256 i; i < names.length; ++i) {
            line = string.concat(line, " ", names[i], "=", vm.toString(handler.calls(bytes32(bytes(names[i])))));
        }
        console.log(line);
    }
}
