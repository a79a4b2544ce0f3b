// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { console } from "forge-std/console.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Execution gas of the stand-in's main calls, each measured cold (vm.cool) in its own test (the figures are printed
/// with -vv). The ceilings only catch regressions; the stand-in's gas is not the canonical contract's.
contract X402GasTest is X402Fixture {
    uint256 internal constant ROWS = 10;
    IX402BatchSettlement.ChannelConfig internal c;

    function setUp() public override {
        super.setUp();
        c = _config();
        _deposit(c, 100e6);
        for (uint256 i = 1; i < ROWS; ++i) {
            _deposit(_config(payer, payerAuthorizer, bytes32(i)), 10e6);
        }
    }

    /// @dev Storage and accounts the test touched while preparing become cold again, as in a fresh transaction.
    function _cool() internal {
        vm.cool(SETTLEMENT);
        vm.cool(COLLECTOR);
        vm.cool(address(token));
    }

    function _used(string memory what, uint256 ceiling) internal view {
        uint256 used = vm.lastCallGas().gasTotalUsed;
        console.log(what, used);
        assertLe(used, ceiling);
    }

    function test_gas_depositFirst() public {
        IX402BatchSettlement.ChannelConfig memory d = _config(payer, payerAuthorizer, bytes32("new"));
        bytes memory data = _collectorData(payerKey, _id(d), 10e6, 0, block.timestamp + 60, 1, COLLECTOR);
        _cool();
        settlement.deposit(d, 10e6, COLLECTOR, data);
        _used("deposit (first, ERC-3009)", 120_000);
    }

    function test_gas_depositTopUp() public {
        bytes memory data = _collectorData(payerKey, _id(c), 10e6, 0, block.timestamp + 60, 1000, COLLECTOR);
        _cool();
        settlement.deposit(c, 10e6, COLLECTOR, data);
        _used("deposit (top-up, ERC-3009)", 100_000);
    }

    function test_gas_claimOneRow() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 10e6, 10e6, payerAuthKey));
        _cool();
        vm.prank(receiver);
        settlement.claim(rows);
        _used("claim (1 row, first)", 70_000);
    }

    function test_gas_claimWithSignatureTenRows() public {
        IX402BatchSettlement.VoucherClaim[] memory rows = new IX402BatchSettlement.VoucherClaim[](ROWS);
        rows[0] = _row(c, 1e6, 1e6, payerAuthKey);
        for (uint256 i = 1; i < ROWS; ++i) {
            rows[i] = _row(_config(payer, payerAuthorizer, bytes32(i)), 1e6, 1e6, payerAuthKey);
        }
        bytes memory sig = _claimBatchSig(receiverAuthKey, rows);
        _cool();
        settlement.claimWithSignature(rows, sig);
        _used("claimWithSignature (10 rows, first)", 400_000);
    }

    function test_gas_settle() public {
        _claim(c, 10e6, 10e6);
        _cool();
        settlement.settle(receiver, address(token));
        _used("settle", 60_000);
    }

    function test_gas_refundWithSignature() public {
        bytes memory sig = _refundSig(receiverAuthKey, _id(c), 0, 10e6);
        _cool();
        settlement.refundWithSignature(c, 10e6, 0, sig);
        _used("refundWithSignature (partial)", 90_000);
    }
}
