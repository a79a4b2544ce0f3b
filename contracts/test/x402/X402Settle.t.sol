// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Binding rules for settle: permissionless, transfers claimed-but-unsettled funds of a receiver and token in
/// one transfer, idempotent (a no-op when nothing is due).
contract X402SettleTest is X402Fixture {
    function test_settle_sweepsManyChannelsInOneTransferAndIsIdempotent() public {
        IX402BatchSettlement.ChannelConfig memory a = _config();
        IX402BatchSettlement.ChannelConfig memory b = _config(payer, payerAuthorizer, bytes32(uint256(1)));
        _deposit(a, 100e6);
        _deposit(b, 100e6);
        _claim(a, 30e6, 25e6);
        _claim(b, 20e6, 20e6);

        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.Settled(receiver, address(token), relayer, 45e6);
        vm.prank(relayer);
        settlement.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), 45e6);
        assertEq(token.balanceOf(SETTLEMENT), 155e6);
        (uint128 rClaimed, uint128 rSettled) = settlement.receivers(receiver, address(token));
        assertEq(rClaimed, 45e6);
        assertEq(rSettled, 45e6);
        // The channel keeps its balance: claimed funds leave it only as settled, never as refundable.
        (uint128 balance, uint128 claimed) = _state(_id(a));
        assertEq(balance, 100e6);
        assertEq(claimed, 25e6);

        vm.recordLogs();
        settlement.settle(receiver, address(token));
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(token.balanceOf(receiver), 45e6);

        _claim(a, 40e6, 40e6);
        settlement.settle(receiver, address(token));
        assertEq(token.balanceOf(receiver), 60e6);
    }

    function test_settle_unknownReceiverIsNoop() public {
        settlement.settle(relayer, address(token));
        assertEq(token.balanceOf(relayer), 0);
    }

    function test_multicall_claimsThenSettlesInOneTransaction() public {
        IX402BatchSettlement.ChannelConfig memory a = _config();
        _deposit(a, 100e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(a, 10e6, 10e6, payerAuthKey));
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(settlement.claimWithSignature, (rows, _claimBatchSig(receiverAuthKey, rows)));
        calls[1] = abi.encodeCall(settlement.settle, (receiver, address(token)));
        vm.prank(relayer);
        settlement.multicall(calls);
        assertEq(token.balanceOf(receiver), 10e6);
    }
}
