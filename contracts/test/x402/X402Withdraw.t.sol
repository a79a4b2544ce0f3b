// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Binding rules for the payer's escape hatch: payer or payerAuthorizer only, at most the unclaimed escrow at
/// initiation, finalized only after withdrawDelay, and then it takes only what is still unclaimed (claims made in
/// the delay keep their funds; vouchers left unclaimed are lost to the receiver).
contract X402WithdrawTest is X402Fixture {
    IX402BatchSettlement.ChannelConfig internal c;
    bytes32 internal id;

    function setUp() public override {
        super.setUp();
        c = _config();
        id = _id(c);
        _deposit(c, 100e6);
    }

    function test_initiateWithdraw_payerSideOnly() public {
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.NotPayerSide.selector, id, receiver));
        vm.prank(receiver);
        settlement.initiateWithdraw(c, 1);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.WithdrawInitiated(id, 1, uint40(block.timestamp) + DELAY);
        vm.prank(payerAuthorizer);
        settlement.initiateWithdraw(c, 1);
        vm.prank(payer);
        settlement.initiateWithdraw(c, 2);
        (uint128 amount,) = settlement.pendingWithdrawals(id);
        assertEq(amount, 2);
    }

    function test_initiateWithdraw_atMostUnclaimed() public {
        _claim(c, 30e6, 30e6);
        vm.expectRevert(
            abi.encodeWithSelector(IX402BatchSettlement.WithdrawExceedsAvailable.selector, id, 70e6 + 1, 70e6)
        );
        vm.prank(payer);
        settlement.initiateWithdraw(c, 70e6 + 1);
        vm.prank(payer);
        settlement.initiateWithdraw(c, 70e6);
    }

    function test_finalizeWithdraw_onlyAfterDelay() public {
        vm.prank(payer);
        settlement.initiateWithdraw(c, 100e6);
        uint256 readyAt = block.timestamp + DELAY;
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.WithdrawNotReady.selector, id, readyAt));
        vm.prank(payer);
        settlement.finalizeWithdraw(c);
        vm.warp(readyAt);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.WithdrawFinalized(id, payerAuthorizer, 100e6);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.ChannelClosed(id, c);
        vm.prank(payerAuthorizer);
        settlement.finalizeWithdraw(c);
        assertEq(token.balanceOf(payer), FUNDS);
        assertEq(token.balanceOf(SETTLEMENT), 0);
    }

    function test_finalizeWithdraw_takesOnlyEscrowStillUnclaimed() public {
        _claim(c, 20e6, 20e6);
        vm.prank(payer);
        settlement.initiateWithdraw(c, 80e6);
        _claim(c, 50e6, 50e6); // the receiver claims within the delay
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        settlement.finalizeWithdraw(c);
        (uint128 balance, uint128 claimed) = _state(id);
        assertEq(balance, 50e6);
        assertEq(claimed, 50e6);
        assertEq(token.balanceOf(payer), FUNDS - 100e6 + 50e6);
        settlement.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), 50e6);
        assertEq(token.balanceOf(SETTLEMENT), 0);

        // A voucher the receiver left unclaimed is now worthless: nothing backs it.
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 90e6, 90e6, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.ClaimExceedsBalance.selector, id, 90e6, 50e6));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_finalizeWithdraw_needsPendingRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.NoPendingWithdrawal.selector, id));
        vm.prank(payer);
        settlement.finalizeWithdraw(c);
    }

    function test_fuzz_withdraw_neverTakesClaimedFunds(uint128 claimBefore, uint128 claimDuring, uint128 ask) public {
        claimBefore = uint128(bound(claimBefore, 0, 100e6 - 1));
        claimDuring = uint128(bound(claimDuring, claimBefore, 100e6));
        ask = uint128(bound(ask, 1, 100e6 - claimBefore));
        if (claimBefore > 0) _claim(c, claimBefore, claimBefore);
        vm.prank(payer);
        settlement.initiateWithdraw(c, ask);
        if (claimDuring > claimBefore) _claim(c, claimDuring, claimDuring);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        settlement.finalizeWithdraw(c);
        uint128 expected = ask < 100e6 - claimDuring ? ask : 100e6 - claimDuring;
        assertEq(token.balanceOf(payer), FUNDS - 100e6 + expected);
        settlement.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), claimDuring);
        assertEq(token.balanceOf(SETTLEMENT), 100e6 - expected - claimDuring);
    }
}
