// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { Mock1271Wallet, X402Fixture } from "./X402Fixture.sol";

/// @notice Binding rules for claims: voucher signer (payerAuthorizer by ECDSA only; with none, the payer by ECDSA or
/// EIP-1271), caps (totalClaimed <= maxClaimableAmount and <= balance), monotonicity (only rises; equal is a
/// no-op), who may claim (receiver or receiverAuthorizer), and claimWithSignature's shared authorizer.
contract X402ClaimTest is X402Fixture {
    IX402BatchSettlement.ChannelConfig internal c;
    bytes32 internal id;

    function setUp() public override {
        super.setUp();
        c = _config();
        id = _id(c);
        _deposit(c, 100e6);
    }

    function test_claim_byReceiverRaisesTotalsWithoutTransfer() public {
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.Claimed(id, receiver, 30e6, 30e6);
        _claim(c, 40e6, 30e6);
        (uint128 balance, uint128 claimed) = _state(id);
        assertEq(balance, 100e6);
        assertEq(claimed, 30e6);
        (uint128 rClaimed, uint128 rSettled) = settlement.receivers(receiver, address(token));
        assertEq(rClaimed, 30e6);
        assertEq(rSettled, 0);
        assertEq(token.balanceOf(SETTLEMENT), 100e6);
        assertEq(token.balanceOf(receiver), 0);
    }

    function test_claim_byReceiverAuthorizer() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 10e6, 10e6, payerAuthKey));
        vm.prank(receiverAuthorizer);
        settlement.claim(rows);
        (, uint128 claimed) = _state(id);
        assertEq(claimed, 10e6);
    }

    function test_claim_rejectsAnyoneElse() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 10e6, 10e6, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.NotReceiverSide.selector, id, relayer));
        vm.prank(relayer);
        settlement.claim(rows);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.NotReceiverSide.selector, id, payer));
        vm.prank(payer);
        settlement.claim(rows);
    }

    function test_claim_payerAuthorizerSet_payerKeyIsNotEnough() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 10e6, 10e6, payerKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, id));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_claim_payerAuthorizerZero_payerSignsByEcdsa() public {
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, address(0), bytes32(uint256(1)));
        _deposit(d, 10e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(d, 5e6, 5e6, payerKey));
        vm.prank(receiver);
        settlement.claim(rows);
        (, uint128 claimed) = _state(_id(d));
        assertEq(claimed, 5e6);
        rows = _rows(_row(d, 6e6, 6e6, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, _id(d)));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_claim_payerAuthorizerZero_eip1271Wallet() public {
        uint256 ownerKey = 0x0123;
        Mock1271Wallet wallet = new Mock1271Wallet(vm.addr(ownerKey));
        token.mint(address(wallet), 10e6);
        IX402BatchSettlement.ChannelConfig memory d = _config(address(wallet), address(0), bytes32(0));
        // The wallet funds its channel with an EIP-1271-checked ERC-3009 authorization too.
        _deposit(d, ownerKey, 10e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(d, 4e6, 4e6, ownerKey));
        vm.prank(receiver);
        settlement.claim(rows);
        (, uint128 claimed) = _state(_id(d));
        assertEq(claimed, 4e6);

        wallet.setAccepting(false);
        rows = _rows(_row(d, 5e6, 5e6, ownerKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, _id(d)));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_claim_payerAuthorizerIsEcdsaOnly() public {
        // A contract as payerAuthorizer is never asked (EIP-1271 applies to the payer only, when no authorizer is set).
        Mock1271Wallet wallet = new Mock1271Wallet(vm.addr(payerAuthKey));
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, address(wallet), bytes32(uint256(2)));
        _deposit(d, 10e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(d, 5e6, 5e6, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, _id(d)));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_claim_voucherForAnotherChannelRejected() public {
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, payerAuthorizer, bytes32(uint256(1)));
        _deposit(d, 10e6);
        IX402BatchSettlement.VoucherClaim memory row = _row(d, 5e6, 5e6, payerAuthKey);
        row.signature = _voucherSig(payerAuthKey, id, 5e6); // signed for c, presented for d
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, _id(d)));
        vm.prank(receiver);
        settlement.claim(_rows(row));
    }

    function test_claim_voucherFromAnotherChainRejected() public {
        IX402BatchSettlement.VoucherClaim memory row = _row(c, 5e6, 5e6, payerAuthKey);
        uint256 here = block.chainid;
        vm.chainId(here + 1);
        row.signature = _voucherSig(payerAuthKey, id, 5e6); // same channel id, the other chain's domain
        vm.chainId(here);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, id));
        vm.prank(receiver);
        settlement.claim(_rows(row));
    }

    function test_claim_cappedByVoucher() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 10e6, 10e6 + 1, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.ClaimExceedsVoucher.selector, id, 10e6 + 1, 10e6));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function test_claim_cappedByBalance() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 500e6, 100e6 + 1, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.ClaimExceedsBalance.selector, id, 100e6 + 1, 100e6));
        vm.prank(receiver);
        settlement.claim(rows);
        _claim(c, 500e6, 100e6); // a voucher over the balance is still good up to the balance
        (, uint128 claimed) = _state(id);
        assertEq(claimed, 100e6);
    }

    function test_claim_onlyRises_equalIsNoop() public {
        _claim(c, 50e6, 30e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 50e6, 29e6, payerAuthKey));
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.ClaimBelowClaimed.selector, id, 29e6, 30e6));
        vm.prank(receiver);
        settlement.claim(rows);

        vm.recordLogs();
        _claim(c, 50e6, 30e6);
        assertEq(vm.getRecordedLogs().length, 0);
        (uint128 rClaimed,) = settlement.receivers(receiver, address(token));
        assertEq(rClaimed, 30e6);

        _claim(c, 60e6, 45e6); // a later voucher carries the total further
        (, uint128 claimed) = _state(id);
        assertEq(claimed, 45e6);
    }

    function test_fuzz_claim_staysWithinVoucherAndBalance(uint128 maxClaimable, uint128 total) public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, maxClaimable, total, payerAuthKey));
        vm.prank(receiver);
        try settlement.claim(rows) {
            assertLe(total, maxClaimable);
            assertLe(total, 100e6);
        } catch {
            assertTrue(total > maxClaimable || total > 100e6);
        }
        (uint128 balance, uint128 claimed) = _state(id);
        assertLe(claimed, balance);
    }

    // ---- claimWithSignature ---------------------------------------------------------------------------------------

    function _batch() internal returns (IX402BatchSettlement.VoucherClaim[] memory rows) {
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, payerAuthorizer, bytes32(uint256(1)));
        _deposit(d, 50e6);
        rows = new IX402BatchSettlement.VoucherClaim[](2);
        rows[0] = _row(c, 20e6, 15e6, payerAuthKey);
        rows[1] = _row(d, 30e6, 30e6, payerAuthKey);
    }

    function test_claimWithSignature_anyoneRelaysTheAuthorizersBatch() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _batch();
        bytes memory sig = _claimBatchSig(receiverAuthKey, rows);
        vm.prank(relayer);
        settlement.claimWithSignature(rows, sig);
        (uint128 rClaimed,) = settlement.receivers(receiver, address(token));
        assertEq(rClaimed, 45e6);
        // Replaying the same signature changes nothing.
        vm.recordLogs();
        vm.prank(relayer);
        settlement.claimWithSignature(rows, sig);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_claimWithSignature_rejectsOtherSigner() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _batch();
        bytes memory sig = _claimBatchSig(payerAuthKey, rows);
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.claimWithSignature(rows, sig);
    }

    function test_claimWithSignature_signatureCoversTotals() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _batch();
        bytes memory sig = _claimBatchSig(receiverAuthKey, rows);
        rows[0].totalClaimed = 20e6;
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.claimWithSignature(rows, sig);
    }

    function test_claimWithSignature_rowsShareOneAuthorizer() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _batch();
        rows[1].voucher.channel.receiverAuthorizer = relayer;
        bytes32 other = _id(rows[1].voucher.channel);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.ReceiverAuthorizerMismatch.selector, other));
        settlement.claimWithSignature(rows, "");
        vm.expectRevert(IX402BatchSettlement.EmptyClaimBatch.selector);
        settlement.claimWithSignature(new IX402BatchSettlement.VoucherClaim[](0), "");
    }

    function test_claimWithSignature_eip1271Authorizer() public {
        uint256 opKey = 0x0DE;
        Mock1271Wallet sla = new Mock1271Wallet(vm.addr(opKey));
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, payerAuthorizer, bytes32(uint256(9)));
        d.receiverAuthorizer = address(sla);
        _deposit(d, 10e6);
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(d, 8e6, 8e6, payerAuthKey));
        settlement.claimWithSignature(rows, _claimBatchSig(opKey, rows));
        (, uint128 claimed) = _state(_id(d));
        assertEq(claimed, 8e6);
    }

    function test_claimWithSignature_stillChecksEveryVoucher() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _batch();
        rows[1].signature = _voucherSig(payerKey, _id(rows[1].voucher.channel), 30e6);
        bytes memory sig = _claimBatchSig(receiverAuthKey, rows);
        vm.expectRevert(
            abi.encodeWithSelector(IX402BatchSettlement.InvalidVoucherSignature.selector, _id(rows[1].voucher.channel))
        );
        settlement.claimWithSignature(rows, sig);
    }
}
