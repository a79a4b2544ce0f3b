// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { console } from "forge-std/Test.sol";
import { IEscrow } from "../../src/interfaces/IEscrow.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { EscrowFixture } from "../utils/EscrowFixture.sol";

/// @notice Gas of the escrow's hot paths, with the targets asserted so a regression fails.
/// @dev State is built in setUp, which runs as its own transaction: each test then starts like a real transaction
/// (cold accounts and slots, original storage values), so SSTORE/SLOAD costs are the real ones. `exec` is the gas of
/// the call measured around it (including the caller's cold CALL to the escrow); `tx` adds the 21,000 intrinsic gas
/// and the calldata cost, i.e. what a wallet would see. Regenerate gas-report.md from the printed figures:
///     node tools/forge.mjs test --match-path test/gas/EscrowGas.t.sol -vv
abstract contract GasFixture is EscrowFixture {
    uint256 internal constant PAY_TARGET = 110_000;
    uint256 internal constant REFUND_PER_PAYMENT_TARGET = 45_000;
    uint256 internal constant TOP_UP_PER_PAYMENT_TARGET = 45_000;

    function _txGas(uint256 exec, bytes memory data) internal pure returns (uint256 gas) {
        gas = exec + 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _report(string memory name, uint256 exec, bytes memory data) internal pure returns (uint256 txGas) {
        txGas = _txGas(exec, data);
        console.log(string.concat(name, " exec=", vm.toString(exec), " tx=", vm.toString(txGas)));
    }

    function _buyers(uint256 n, uint256 salt, uint256 mintEach) internal returns (address[] memory list) {
        list = new address[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = address(uint160(uint256(keccak256(abi.encode("gas-buyer", salt, i)))));
            usd.mint(list[i], mintEach);
            vm.prank(list[i]);
            usd.approve(address(escrow), type(uint256).max);
        }
    }
}

contract EscrowPayGasTest is GasFixture {
    address internal alice;
    address internal bob;

    function setUp() public override {
        super.setUp();
        _listDefault();
        address[] memory b = _buyers(2, 0, 100 * PRICE);
        (alice, bob) = (b[0], b[1]);
        // epoch 0 already has a payment; bob has an allowance and a balance
        vm.prank(alice);
        escrow.pay(MODEL, PRICE);
        vm.prank(bob);
        escrow.pay(MODEL, PRICE);
    }

    /// The typical case: 2nd+ payment of an epoch by a buyer who already has an allowance and kept a balance.
    function test_gas_pay_warm() public {
        vm.prank(bob);
        uint256 g = gasleft();
        escrow.pay(MODEL, 4 * PRICE);
        uint256 exec = g - gasleft();
        uint256 txGas =
            _report("pay (2nd+ payment of the epoch)", exec, abi.encodeCall(IEscrow.pay, (MODEL, 4 * PRICE)));
        assertLe(txGas, PAY_TARGET);
    }

    /// The first payment of an epoch also creates its record.
    function test_gas_pay_firstOfEpoch() public {
        vm.warp(GENESIS + EPOCH);
        vm.prank(bob);
        uint256 g = gasleft();
        escrow.pay(MODEL, 4 * PRICE);
        uint256 exec = g - gasleft();
        uint256 txGas = _report("pay (1st payment of the epoch)", exec, abi.encodeCall(IEscrow.pay, (MODEL, 4 * PRICE)));
        assertLe(txGas, PAY_TARGET);
    }
}

contract EscrowSettleGasTest is GasFixture {
    uint256 internal constant N = 100;

    function setUp() public override {
        super.setUp();
        _listDefault();
        // epoch 0: 100 buyers who keep a balance after paying (typical refund)
        address[] memory keep = _buyers(N, 1, 4 * PRICE);
        for (uint256 i; i < N; ++i) {
            vm.prank(keep[i]);
            escrow.pay(MODEL, PRICE);
        }
        // epoch 1: 100 buyers who spent everything (refund writes a zero balance slot: the worst case)
        vm.warp(GENESIS + EPOCH);
        address[] memory spent = _buyers(N, 2, PRICE);
        for (uint256 i; i < N; ++i) {
            vm.prank(spent[i]);
            escrow.pay(MODEL, PRICE);
        }
        // epoch 2: a few payments, its verdict is measured
        vm.warp(GENESIS + 2 * EPOCH);
        for (uint256 i; i < 3; ++i) {
            vm.prank(keep[i]);
            escrow.pay(MODEL, PRICE);
        }
        // epoch 3: refunds done, release is measured
        vm.warp(GENESIS + 3 * EPOCH);
        for (uint256 i; i < 3; ++i) {
            vm.prank(keep[i]);
            escrow.pay(MODEL, PRICE);
        }
        _endEpoch(3);
        // epochs 0 and 1 carry a host bond top-up: epoch 0's is funded (its shares are measured), epoch 1's is not
        _verdictTopUp(MODEL, 0, 5000, 1_000_000);
        _verdictTopUp(MODEL, 1, 5000, 1_000_000);
        _verdict(MODEL, 3, 2000);
        escrow.refund(MODEL, 3, 10);
        _fundTopUp(address(this), MODEL, 0);
        usd.mint(address(this), 1_000_000);
        usd.approve(address(escrow), 1_000_000);
    }

    function test_gas_refund_perPaymentInABatchOf100() public {
        uint256 g = gasleft();
        escrow.refund(MODEL, 0, N);
        uint256 exec = g - gasleft();
        uint256 txGas =
            _report("refund x100 (buyers with balance), total", exec, abi.encodeCall(IEscrow.refund, (MODEL, 0, N)));
        console.log("refund per payment", txGas / N);
        assertLe(txGas / N, REFUND_PER_PAYMENT_TARGET);
    }

    function test_gas_refund_perPaymentInABatchOf100_emptyBalances() public {
        uint256 g = gasleft();
        escrow.refund(MODEL, 1, N);
        uint256 exec = g - gasleft();
        uint256 txGas = _report(
            "refund x100 (buyers with zero balance), total", exec, abi.encodeCall(IEscrow.refund, (MODEL, 1, N))
        );
        console.log("refund per payment (zero balances)", txGas / N);
        assertLe(txGas / N, REFUND_PER_PAYMENT_TARGET);
    }

    function test_gas_receiveMessage_verdict() public {
        bytes memory message = MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 2, 1500, keccak256("report"), 0));
        vm.prank(address(messenger));
        uint256 g = gasleft();
        escrow.receiveMessage(HOME, message);
        uint256 exec = g - gasleft();
        _report("receiveMessage (verdict)", exec, abi.encodeCall(escrow.receiveMessage, (HOME, message)));
    }

    function test_gas_receiveMessage_verdictWithTopUp() public {
        bytes memory message =
            MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 2, 1500, keccak256("report"), 1_000_000));
        vm.prank(address(messenger));
        uint256 g = gasleft();
        escrow.receiveMessage(HOME, message);
        uint256 exec = g - gasleft();
        _report("receiveMessage (verdict with a top-up)", exec, abi.encodeCall(escrow.receiveMessage, (HOME, message)));
    }

    function test_gas_fundTopUp() public {
        uint256 g = gasleft();
        escrow.fundTopUp(MODEL, 1);
        uint256 exec = g - gasleft();
        _report("fundTopUp", exec, abi.encodeCall(IEscrow.fundTopUp, (MODEL, 1)));
    }

    function test_gas_refundTopUp_perPaymentInABatchOf100() public {
        uint256 g = gasleft();
        escrow.refundTopUp(MODEL, 0, N);
        uint256 exec = g - gasleft();
        uint256 txGas = _report(
            "refundTopUp x100 (buyers with balance), total", exec, abi.encodeCall(IEscrow.refundTopUp, (MODEL, 0, N))
        );
        console.log("refundTopUp per payment", txGas / N);
        assertLe(txGas / N, TOP_UP_PER_PAYMENT_TARGET);
    }

    function test_gas_release() public {
        uint256 g = gasleft();
        escrow.release(MODEL, 3);
        uint256 exec = g - gasleft();
        _report("release", exec, abi.encodeCall(IEscrow.release, (MODEL, 3)));
    }

    function test_gas_relayReceipts_100() public {
        uint256 g = gasleft();
        escrow.relayReceipts(MODEL, 0, uint32(N), messenger);
        uint256 exec = g - gasleft();
        _report(
            "relayReceipts x100 (mock messenger)",
            exec,
            abi.encodeCall(IEscrow.relayReceipts, (MODEL, 0, uint32(N), messenger))
        );
    }
}
