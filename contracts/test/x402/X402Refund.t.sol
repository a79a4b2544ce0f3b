// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Binding rules for cooperative refunds: receiver side only (or its authorizer's Refund signature for the
/// current nonce), up to the unclaimed escrow, the nonce bumps first (even when nothing moves), a pending withdrawal
/// shrinks by what was refunded or is cancelled, and a channel emptied with nothing claimed closes.
contract X402RefundTest is X402Fixture {
    IX402BatchSettlement.ChannelConfig internal c;
    bytes32 internal id;

    function setUp() public override {
        super.setUp();
        c = _config();
        id = _id(c);
        _deposit(c, 100e6);
    }

    function test_refund_returnsUnclaimedOnlyAndCaps() public {
        _claim(c, 40e6, 40e6);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.Refunded(id, receiver, 60e6);
        vm.prank(receiver);
        settlement.refund(c, 500e6);
        (uint128 balance, uint128 claimed) = _state(id);
        assertEq(balance, 40e6);
        assertEq(claimed, 40e6);
        assertEq(token.balanceOf(payer), FUNDS - 40e6);
        assertEq(settlement.refundNonce(id), 1);
        settlement.settle(receiver, address(token)); // the claimed part is still the receiver's
        assertEq(token.balanceOf(receiver), 40e6);
        assertEq(token.balanceOf(SETTLEMENT), 0);
    }

    function test_refund_bumpsNonceEvenWhenNothingMoves() public {
        _claim(c, 100e6, 100e6);
        vm.recordLogs();
        vm.prank(receiverAuthorizer);
        settlement.refund(c, 1);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(settlement.refundNonce(id), 1);
        bytes memory sig = _refundSig(receiverAuthKey, id, 1, 5);
        vm.prank(relayer);
        settlement.refundWithSignature(c, 5, 1, sig);
        assertEq(settlement.refundNonce(id), 2);
        (uint128 balance,) = _state(id);
        assertEq(balance, 100e6);
    }

    function test_refund_onlyReceiverSide() public {
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.NotReceiverSide.selector, id, payer));
        vm.prank(payer);
        settlement.refund(c, 1);
        vm.expectRevert(IX402BatchSettlement.ZeroAmount.selector);
        vm.prank(receiver);
        settlement.refund(c, 0);
    }

    function test_refundWithSignature_needsCurrentNonce_directRefundVoidsOld() public {
        bytes memory sig0 = _refundSig(receiverAuthKey, id, 0, 10e6);
        vm.prank(receiver);
        settlement.refund(c, 1e6); // nonce 0 -> 1
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidRefundNonce.selector, id, 1, 0));
        settlement.refundWithSignature(c, 10e6, 0, sig0);

        bytes memory sig1 = _refundSig(receiverAuthKey, id, 1, 10e6);
        vm.prank(relayer);
        settlement.refundWithSignature(c, 10e6, 1, sig1);
        assertEq(token.balanceOf(payer), FUNDS - 100e6 + 11e6);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidRefundNonce.selector, id, 2, 1));
        settlement.refundWithSignature(c, 10e6, 1, sig1); // no replay
    }

    function test_refundWithSignature_bindsSignerAndAmount() public {
        bytes memory byPayer = _refundSig(payerAuthKey, id, 0, 10e6);
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.refundWithSignature(c, 10e6, 0, byPayer);
        bytes memory sig = _refundSig(receiverAuthKey, id, 0, 10e6);
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.refundWithSignature(c, 11e6, 0, sig);
    }

    function test_refund_shrinksThenCancelsPendingWithdrawal() public {
        vm.prank(payer);
        settlement.initiateWithdraw(c, 50e6);
        vm.prank(receiver);
        settlement.refund(c, 20e6);
        (uint128 amount, uint40 at) = settlement.pendingWithdrawals(id);
        assertEq(amount, 30e6);
        assertEq(at, block.timestamp);
        vm.prank(receiver);
        settlement.refund(c, 30e6);
        (amount, at) = settlement.pendingWithdrawals(id);
        assertEq(amount, 0);
        assertEq(at, 0);
    }

    function test_refund_fullClosesChannelAndRefillRecreates() public {
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.ChannelClosed(id, c);
        vm.prank(receiver);
        settlement.refund(c, type(uint128).max);
        assertEq(token.balanceOf(payer), FUNDS);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.ChannelCreated(id, c);
        _deposit(c, 1e6);
    }
}
