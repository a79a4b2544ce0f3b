// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { ISlaReceiver } from "../../src/x402/ISlaReceiver.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { SlaReceiverFixture } from "./SlaReceiverFixture.sol";

/// @notice The receiver's pause: the owner or its guardian stops claims and refunds, the owner resumes them; the
/// buyers' escape for want of a verdict stays open.
contract SlaReceiverPauseTest is SlaReceiverFixture {
    uint256 internal constant K1 = 0xB1;
    uint256 internal constant K2 = 0xB2;
    address internal guardianKey = makeAddr("guardian");

    IX402BatchSettlement.ChannelConfig internal c1;
    IX402BatchSettlement.ChannelConfig internal c2;

    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        sla.setGuardian(guardianKey);
        c1 = _open(K1, 10e6);
        c2 = _open(K2, 10e6);
    }

    function _epoch0Rows() internal view returns (IX402BatchSettlement.VoucherClaim[] memory rows) {
        rows = new IX402BatchSettlement.VoucherClaim[](2);
        rows[0] = _row(c1, 3e6, 3e6, K1);
        rows[1] = _row(c2, 5e6, 5e6, K2);
    }

    function test_guardianPauses_claimsRevert_ownerUnpauses_claimsBook() public {
        _endEpoch(0);
        IX402BatchSettlement.VoucherClaim[] memory rows = _epoch0Rows();
        vm.expectEmit(address(sla));
        emit ISlaReceiver.Paused(guardianKey);
        vm.prank(guardianKey);
        sla.pause();
        assertTrue(sla.paused());
        vm.prank(operator);
        vm.expectRevert(ISlaReceiver.ReceiverPaused.selector);
        sla.claimEpoch(0, rows);
        // the guardian can stop, not resume
        vm.prank(guardianKey);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardianKey));
        sla.unpause();
        vm.expectEmit(address(sla));
        emit ISlaReceiver.Unpaused(owner);
        vm.prank(owner);
        sla.unpause();
        assertEq(_claimEpoch(0, rows), 8e6);
    }

    function test_pausedRefundsRevert_andResume() public {
        _endEpoch(0);
        _claimEpoch(0, _epoch0Rows());
        _verdict(0, 5_000, 0);
        vm.prank(owner);
        sla.pause();
        vm.expectRevert(ISlaReceiver.ReceiverPaused.selector);
        sla.refund(0, 10);
        assertEq(token.balanceOf(vm.addr(K1)), 0);
        vm.prank(owner);
        sla.unpause();
        assertEq(sla.refund(0, 10), 2);
        assertEq(token.balanceOf(vm.addr(K1)), 1.5e6);
        assertEq(token.balanceOf(vm.addr(K2)), 2.5e6);
    }

    function test_paused_buyersStillTakeTheirTotalsBackWithoutAVerdict() public {
        _endEpoch(0);
        _claimEpoch(0, _epoch0Rows());
        vm.prank(guardianKey);
        sla.pause();
        vm.warp(sla.unverdictedWithdrawalOpensAt(0));
        uint256[] memory both = new uint256[](2);
        both[1] = 1;
        assertEq(sla.withdrawUnverdicted(0, both), 8e6);
        assertEq(token.balanceOf(vm.addr(K1)), 3e6);
        assertEq(token.balanceOf(vm.addr(K2)), 5e6);
    }

    function test_onlyOwnerOrGuardianPause_onlyOwnerSetsTheGuardian() public {
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NotGuardian.selector, stranger));
        sla.pause();
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NotGuardian.selector, operator));
        sla.pause();
        vm.prank(guardianKey);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardianKey));
        sla.setGuardian(stranger);
        vm.expectEmit(address(sla));
        emit ISlaReceiver.GuardianSet(stranger);
        vm.prank(owner);
        sla.setGuardian(stranger);
        // the old guardian lost the right, the new one has it
        vm.prank(guardianKey);
        vm.expectRevert(abi.encodeWithSelector(ISlaReceiver.NotGuardian.selector, guardianKey));
        sla.pause();
        vm.prank(stranger);
        sla.pause();
        assertTrue(sla.paused());
    }
}
