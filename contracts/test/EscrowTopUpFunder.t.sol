// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IEpochSettlementEvents } from "../src/interfaces/IEpochSettlementEvents.sol";
import { IEscrow } from "../src/interfaces/IEscrow.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { EscrowFixture } from "./utils/EscrowFixture.sol";

/// @notice A top-up is pulled from the escrow's top-up funder (the netting vault's allowance), whoever sends
/// `fundTopUp`: a relayer funds it without the vault's key, and nobody can make the escrow pull from anyone else.
contract EscrowTopUpFunderTest is EscrowFixture {
    address internal vault = makeAddr("vault");
    address internal relayer = makeAddr("relayer");
    address internal buyer = makeAddr("buyer");

    function setUp() public override {
        super.setUp();
        _listDefault();
        _pay(buyer, MODEL, PRICE * 4);
        _endEpoch(0);
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 0, 2_500, keccak256("report"), uint96(PRICE))));
        usd.mint(vault, PRICE * 10);
        vm.prank(vault);
        usd.approve(address(escrow), type(uint256).max);
    }

    function test_fundTopUp_pullsFromTheFunderWhoeverSendsIt() public {
        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpFunderSet(vault);
        vm.prank(owner);
        escrow.setTopUpFunder(vault);
        uint256 relayerBefore = usd.balanceOf(relayer);

        vm.expectEmit(address(escrow));
        emit IEpochSettlementEvents.TopUpFunded(MODEL, 0, vault, PRICE);
        vm.prank(relayer);
        escrow.fundTopUp(MODEL, 0);

        assertEq(usd.balanceOf(vault), PRICE * 9, "vault advanced exactly the top-up");
        assertEq(usd.balanceOf(relayer), relayerBefore, "the relayer paid nothing");
        assertTrue(escrow.topUpOf(MODEL, 0).funded);
        vm.expectRevert(abi.encodeWithSelector(IEscrow.TopUpAlreadyFunded.selector, MODEL, uint64(0)));
        escrow.fundTopUp(MODEL, 0);
        assertEq(usd.balanceOf(vault), PRICE * 9, "never pulled twice");
    }

    function test_fundTopUp_revertsWithoutAFunder() public {
        vm.expectRevert(IEscrow.NoTopUpFunder.selector);
        vm.prank(relayer);
        escrow.fundTopUp(MODEL, 0);
        assertFalse(escrow.topUpOf(MODEL, 0).funded);
        assertEq(usd.balanceOf(vault), PRICE * 10);
    }

    function test_setTopUpFunder_ownerOnly() public {
        vm.expectRevert();
        vm.prank(relayer);
        escrow.setTopUpFunder(relayer);
        assertEq(escrow.topUpFunder(), address(0));
    }
}
