// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { MessageCodecHarness } from "./MessageCodecHarness.sol";

/// @notice Checks MessageCodec against test/vectors/messages.json, the vectors the TypeScript codec (packages/core)
/// generates and checks too: Solidity's encoding must equal each valid vector's hex and decode back to its fields,
/// and each invalid vector must revert with the named custom error and arguments.
contract MessageCodecVectorsTest is Test {
    MessageCodecHarness internal codec;
    string internal json;

    function setUp() public {
        codec = new MessageCodecHarness();
        json = vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/messages.json"));
    }

    function test_vectorsFileVersion() public view {
        assertEq(vm.parseJsonUint(json, ".version"), MessageCodec.VERSION);
    }

    function test_modelListingVectors() public view {
        uint256 n = _count("modelListings");
        assertGe(n, 3);
        for (uint256 i = 0; i < n; i++) {
            string memory p = _at("modelListings", i);
            _expectKeys(p, 8);
            MessageCodec.ModelListing memory m = MessageCodec.ModelListing({
                modelId: _uint(p, "modelId"),
                genesis: _u64(p, "genesis"),
                epochSeconds: _u64(p, "epochSeconds"),
                fromEpoch: _u64(p, "fromEpoch"),
                pricePerRequest: _uint(p, "pricePerRequest"),
                active: vm.parseJsonBool(json, string.concat(p, ".active")),
                version: _u32(p, "version"),
                verdictGraceEpochs: _u16(p, "verdictGraceEpochs")
            });
            bytes memory hex_ = vm.parseJsonBytes(json, string.concat(p, ".hex"));
            string memory name = vm.parseJsonString(json, string.concat(p, ".name"));
            assertEq(codec.encodeModelListing(m), hex_, name);
            assertEq(codec.kindOf(hex_), MessageCodec.KIND_MODEL_LISTING, name);
            assertEq(abi.encode(codec.decodeModelListing(hex_)), abi.encode(m), name);
        }
    }

    function test_receiptBatchVectors() public view {
        uint256 n = _count("receiptBatches");
        assertGe(n, 3);
        for (uint256 i = 0; i < n; i++) {
            string memory p = _at("receiptBatches", i);
            _expectKeys(p, 8);
            MessageCodec.ReceiptBatch memory m = MessageCodec.ReceiptBatch({
                modelId: _uint(p, "modelId"),
                epoch: _u64(p, "epoch"),
                paymentChain: _u32(p, "paymentChain"),
                batchIndex: _u32(p, "batchIndex"),
                count: _u32(p, "count"),
                total: _uint(p, "total"),
                paymentsRoot: vm.parseJsonBytes32(json, string.concat(p, ".paymentsRoot")),
                finalBatch: vm.parseJsonBool(json, string.concat(p, ".finalBatch"))
            });
            bytes memory hex_ = vm.parseJsonBytes(json, string.concat(p, ".hex"));
            string memory name = vm.parseJsonString(json, string.concat(p, ".name"));
            assertEq(codec.encodeReceiptBatch(m), hex_, name);
            assertEq(codec.kindOf(hex_), MessageCodec.KIND_RECEIPT_BATCH, name);
            assertEq(abi.encode(codec.decodeReceiptBatch(hex_)), abi.encode(m), name);
        }
    }

    function test_verdictVectors() public view {
        uint256 n = _count("verdicts");
        assertGe(n, 3);
        for (uint256 i = 0; i < n; i++) {
            string memory p = _at("verdicts", i);
            _expectKeys(p, 5);
            uint256 topUp = _uint(p, "topUp");
            assertLe(topUp, type(uint96).max);
            MessageCodec.Verdict memory m = MessageCodec.Verdict({
                modelId: _uint(p, "modelId"),
                epoch: _u64(p, "epoch"),
                refundBps: _u16(p, "refundBps"),
                reportHash: vm.parseJsonBytes32(json, string.concat(p, ".reportHash")),
                // forge-lint: disable-next-line(unsafe-typecast)
                topUp: uint96(topUp)
            });
            bytes memory hex_ = vm.parseJsonBytes(json, string.concat(p, ".hex"));
            string memory name = vm.parseJsonString(json, string.concat(p, ".name"));
            assertEq(codec.encodeVerdict(m), hex_, name);
            assertEq(codec.kindOf(hex_), MessageCodec.KIND_VERDICT, name);
            assertEq(abi.encode(codec.decodeVerdict(hex_)), abi.encode(m), name);
        }
    }

    function test_payoutVectors() public view {
        uint256 n = _count("payouts");
        assertGe(n, 3);
        for (uint256 i = 0; i < n; i++) {
            string memory p = _at("payouts", i);
            _expectKeys(p, 5);
            MessageCodec.Payout memory m = MessageCodec.Payout({
                modelId: _uint(p, "modelId"),
                epoch: _u64(p, "epoch"),
                payoutIndex: _u32(p, "payoutIndex"),
                payee: vm.parseJsonBytes32(json, string.concat(p, ".payee")),
                shareBps: _u16(p, "shareBps")
            });
            bytes memory hex_ = vm.parseJsonBytes(json, string.concat(p, ".hex"));
            string memory name = vm.parseJsonString(json, string.concat(p, ".name"));
            assertEq(codec.encodePayout(m), hex_, name);
            assertEq(codec.kindOf(hex_), MessageCodec.KIND_PAYOUT, name);
            assertEq(abi.encode(codec.decodePayout(hex_)), abi.encode(m), name);
        }
    }

    function test_invalidVectors() public {
        uint256 n = _count("invalid");
        assertGe(n, 20);
        for (uint256 i = 0; i < n; i++) {
            string memory p = _at("invalid", i);
            bytes memory hex_ = vm.parseJsonBytes(json, string.concat(p, ".hex"));
            string memory name = vm.parseJsonString(json, string.concat(p, ".name"));
            bytes memory expected = _expectedRevert(p);
            // The generic decoder (kindOf, then the kind's decoder) must revert with exactly the named error.
            (bool ok, bytes memory reason) = address(codec).call(abi.encodeCall(codec.decode, (hex_)));
            assertFalse(ok, name);
            assertEq(reason, expected, name);
            // And through vm.expectRevert, as contract tests will use it.
            vm.expectRevert(expected);
            codec.decode(hex_);
        }
    }

    function _expectedRevert(string memory p) internal view returns (bytes memory) {
        bytes32 error_ = keccak256(bytes(vm.parseJsonString(json, string.concat(p, ".error"))));
        uint256[] memory args = vm.parseJsonUintArray(json, string.concat(p, ".args"));
        if (error_ == keccak256("UnsupportedVersion")) {
            assertEq(args.length, 1);
            return abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(args[0]));
        }
        if (error_ == keccak256("UnknownKind")) {
            assertEq(args.length, 1);
            return abi.encodeWithSelector(MessageCodec.UnknownKind.selector, uint8(args[0]));
        }
        if (error_ == keccak256("MalformedMessage")) {
            assertEq(args.length, 2);
            return abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, uint8(args[0]), args[1]);
        }
        if (error_ == keccak256("ValueOutOfRange")) {
            assertEq(args.length, 2);
            return abi.encodeWithSelector(MessageCodec.ValueOutOfRange.selector, uint8(args[0]), args[1]);
        }
        revert(string.concat("unknown error name in vector ", p));
    }

    function _at(string memory array, uint256 i) internal pure returns (string memory) {
        return string.concat(".", array, "[", vm.toString(i), "]");
    }

    function _count(string memory array) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, _at(array, n))) n++;
    }

    /// @dev Every key of a valid vector must be checked: name, hex and exactly `fields` fields.
    function _expectKeys(string memory p, uint256 fields) internal view {
        assertEq(vm.parseJsonKeys(json, p).length, fields + 2, p);
    }

    function _uint(string memory p, string memory key) internal view returns (uint256) {
        return vm.parseJsonUint(json, string.concat(p, ".", key));
    }

    function _u64(string memory p, string memory key) internal view returns (uint64) {
        uint256 v = _uint(p, key);
        assertLe(v, type(uint64).max, key);
        // casting to 'uint64' is safe because the assertLe above checks it fits
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64(v);
    }

    function _u32(string memory p, string memory key) internal view returns (uint32) {
        uint256 v = _uint(p, key);
        assertLe(v, type(uint32).max, key);
        // casting to 'uint32' is safe because the assertLe above checks it fits
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(v);
    }

    function _u16(string memory p, string memory key) internal view returns (uint16) {
        uint256 v = _uint(p, key);
        assertLe(v, type(uint16).max, key);
        // casting to 'uint16' is safe because the assertLe above checks it fits
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(v);
    }
}
