// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { MessageCodecHarness } from "./MessageCodecHarness.sol";

/// @notice Unit and fuzz tests of MessageCodec: round trips of every kind, the exact layout, and every revert.
contract MessageCodecTest is Test {
    MessageCodecHarness internal codec;

    function setUp() public {
        codec = new MessageCodecHarness();
    }

    // ---------------------------------------------------------------- constants and layout

    function test_constants() public pure {
        assertEq(MessageCodec.VERSION, 1);
        assertEq(MessageCodec.SOLANA_CHAIN_ID, uint32(bytes4("Sola")));
        assertEq(MessageCodec.BPS, 10_000);
        assertEq(MessageCodec.KIND_MODEL_LISTING, 1);
        assertEq(MessageCodec.KIND_RECEIPT_BATCH, 2);
        assertEq(MessageCodec.KIND_VERDICT, 3);
        assertEq(MessageCodec.KIND_PAYOUT, 4);
    }

    function test_verdictLayout() public view {
        bytes memory encoded = codec.encodeVerdict(MessageCodec.Verdict(7, 12, 2500, bytes32(uint256(0xab)), 0));
        assertEq(
            encoded,
            abi.encodePacked(uint8(1), uint8(3), uint256(7), uint256(12), uint256(2500), uint256(0xab), uint256(0))
        );
    }

    // ---------------------------------------------------------------- round trips (fuzz)

    function testFuzz_roundTripModelListing(MessageCodec.ModelListing memory m) public view {
        bytes memory encoded = codec.encodeModelListing(m);
        assertEq(encoded.length, 2 + 32 * 8);
        assertEq(encoded, abi.encodePacked(uint8(1), uint8(1), abi.encode(m)));
        assertEq(codec.kindOf(encoded), MessageCodec.KIND_MODEL_LISTING);
        assertEq(abi.encode(codec.decodeModelListing(encoded)), abi.encode(m));
    }

    function testFuzz_roundTripReceiptBatch(MessageCodec.ReceiptBatch memory m) public view {
        bytes memory encoded = codec.encodeReceiptBatch(m);
        assertEq(encoded.length, 2 + 32 * 8);
        assertEq(encoded, abi.encodePacked(uint8(1), uint8(2), abi.encode(m)));
        assertEq(codec.kindOf(encoded), MessageCodec.KIND_RECEIPT_BATCH);
        assertEq(abi.encode(codec.decodeReceiptBatch(encoded)), abi.encode(m));
    }

    function testFuzz_roundTripVerdict(MessageCodec.Verdict memory m) public view {
        m.refundBps = uint16(bound(m.refundBps, 0, MessageCodec.BPS));
        bytes memory encoded = codec.encodeVerdict(m);
        assertEq(encoded.length, 2 + 32 * 5);
        assertEq(encoded, abi.encodePacked(uint8(1), uint8(3), abi.encode(m)));
        assertEq(codec.kindOf(encoded), MessageCodec.KIND_VERDICT);
        assertEq(abi.encode(codec.decodeVerdict(encoded)), abi.encode(m));
    }

    function testFuzz_roundTripPayout(MessageCodec.Payout memory m) public view {
        m.shareBps = uint16(bound(m.shareBps, 0, MessageCodec.BPS));
        bytes memory encoded = codec.encodePayout(m);
        assertEq(encoded.length, 2 + 32 * 5);
        assertEq(encoded, abi.encodePacked(uint8(1), uint8(4), abi.encode(m)));
        assertEq(codec.kindOf(encoded), MessageCodec.KIND_PAYOUT);
        assertEq(abi.encode(codec.decodePayout(encoded)), abi.encode(m));
    }

    // ---------------------------------------------------------------- encode reverts

    function testFuzz_encodeVerdictRejectsBpsAbove10000(MessageCodec.Verdict memory m) public {
        m.refundBps = uint16(bound(m.refundBps, uint256(MessageCodec.BPS) + 1, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.ValueOutOfRange.selector, uint8(3), uint256(2)));
        codec.encodeVerdict(m);
    }

    function testFuzz_encodePayoutRejectsBpsAbove10000(MessageCodec.Payout memory m) public {
        m.shareBps = uint16(bound(m.shareBps, uint256(MessageCodec.BPS) + 1, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.ValueOutOfRange.selector, uint8(4), uint256(4)));
        codec.encodePayout(m);
    }

    // ---------------------------------------------------------------- header reverts

    function test_emptyMessageRevertsUnsupportedVersion0() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(0)));
        codec.kindOf("");
    }

    function test_oneByteMessageRevertsUnsupportedVersion() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(1)));
        codec.kindOf(hex"01");
    }

    function testFuzz_otherVersionsRevert(uint8 version, bytes memory rest) public {
        vm.assume(version != MessageCodec.VERSION);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, version));
        codec.kindOf(abi.encodePacked(version, uint8(3), rest));
    }

    function testFuzz_unknownKindReverts(uint8 kind, bytes memory body) public {
        vm.assume(kind == 0 || kind > 4);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnknownKind.selector, kind));
        codec.kindOf(abi.encodePacked(uint8(1), kind, body));
    }

    function testFuzz_wrongLengthRevertsMalformed(uint8 kindSeed, uint256 bodyLength) public {
        uint8 kind = uint8(bound(kindSeed, 1, 4));
        uint256[5] memory fields = [uint256(0), 8, 8, 5, 5];
        bodyLength = bound(bodyLength, 0, 400);
        vm.assume(bodyLength != 32 * fields[kind]);
        bytes memory message = abi.encodePacked(uint8(1), kind, new bytes(bodyLength));
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, kind, message.length));
        codec.kindOf(message);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, kind, message.length));
        codec.decode(message);
    }

    // ---------------------------------------------------------------- model id (routing)

    function testFuzz_modelIdOfReadsTheFirstField(MessageCodec.Verdict memory v, MessageCodec.Payout memory p)
        public
        view
    {
        v.refundBps = uint16(bound(v.refundBps, 0, MessageCodec.BPS));
        p.shareBps = uint16(bound(p.shareBps, 0, MessageCodec.BPS));
        assertEq(codec.modelIdOf(codec.encodeVerdict(v)), v.modelId);
        assertEq(codec.modelIdOf(codec.encodePayout(p)), p.modelId);
    }

    function testFuzz_modelIdOfRevertsMalformedWithoutAModelId(uint256 length) public {
        length = bound(length, 0, 33);
        bytes memory message = new bytes(length);
        if (length > 0) message[0] = bytes1(MessageCodec.VERSION);
        if (length > 1) message[1] = bytes1(MessageCodec.KIND_VERDICT);
        uint8 kind = length > 1 ? MessageCodec.KIND_VERDICT : 0;
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, kind, length));
        codec.modelIdOf(message);
    }

    // ---------------------------------------------------------------- wrong kind

    function test_wrongKindReverts() public {
        bytes memory verdict = codec.encodeVerdict(MessageCodec.Verdict(1, 2, 3, bytes32(0), 0));
        bytes memory payout = codec.encodePayout(MessageCodec.Payout(1, 2, 3, bytes32(0), 4));
        bytes memory listing = codec.encodeModelListing(MessageCodec.ModelListing(1, 2, 3, 4, 5, true, 6, 7));
        bytes memory batch = codec.encodeReceiptBatch(MessageCodec.ReceiptBatch(1, 2, 3, 4, 5, 6, bytes32(0), true));

        vm.expectRevert(abi.encodeWithSelector(MessageCodec.WrongKind.selector, uint8(4), uint8(3)));
        codec.decodePayout(verdict);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.WrongKind.selector, uint8(3), uint8(4)));
        codec.decodeVerdict(payout);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.WrongKind.selector, uint8(2), uint8(1)));
        codec.decodeReceiptBatch(listing);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.WrongKind.selector, uint8(1), uint8(2)));
        codec.decodeModelListing(batch);
    }

    function test_headerErrorsComeBeforeWrongKind() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MalformedMessage.selector, uint8(3), uint256(2)));
        codec.decodePayout(hex"0103");
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.UnsupportedVersion.selector, uint8(2)));
        codec.decodePayout(hex"0204");
    }

    // ---------------------------------------------------------------- field range reverts (fuzz)

    function testFuzz_modelListingFieldOutOfRange(uint256 fieldSeed, uint256 value) public {
        uint256[3] memory u64Fields = [uint256(1), 2, 3];
        bytes memory message = codec.encodeModelListing(MessageCodec.ModelListing(1, 2, 3, 4, 5, true, 6, 7));
        uint256 field;
        uint256 pick = fieldSeed % 6;
        if (pick == 3) {
            field = 5; // bool
            value = bound(value, 2, type(uint256).max);
        } else if (pick == 4) {
            field = 6; // uint32 version
            value = bound(value, uint256(type(uint32).max) + 1, type(uint256).max);
        } else if (pick == 5) {
            field = 7; // uint16 verdictGraceEpochs
            value = bound(value, uint256(type(uint16).max) + 1, type(uint256).max);
        } else {
            field = u64Fields[pick];
            value = bound(value, uint256(type(uint64).max) + 1, type(uint256).max);
        }
        _expectOutOfRange(1, field);
        codec.decodeModelListing(_setWord(message, field, value));
    }

    function testFuzz_receiptBatchFieldOutOfRange(uint256 fieldSeed, uint256 value) public {
        bytes memory message =
            codec.encodeReceiptBatch(MessageCodec.ReceiptBatch(1, 2, 3, 4, 5, 6, bytes32(uint256(7)), false));
        uint256[5] memory fields = [uint256(1), 2, 3, 4, 7];
        uint256 field = fields[fieldSeed % 5];
        uint256 max = field == 1 ? type(uint64).max : field == 7 ? 1 : type(uint32).max;
        value = bound(value, max + 1, type(uint256).max);
        _expectOutOfRange(2, field);
        codec.decodeReceiptBatch(_setWord(message, field, value));
    }

    function testFuzz_verdictFieldOutOfRange(bool epochField, uint256 value) public {
        bytes memory message = codec.encodeVerdict(MessageCodec.Verdict(1, 2, 3, bytes32(0), 0));
        uint256 field = epochField ? 1 : 2;
        value = bound(value, (epochField ? type(uint64).max : MessageCodec.BPS) + uint256(1), type(uint256).max);
        _expectOutOfRange(3, field);
        codec.decodeVerdict(_setWord(message, field, value));
    }

    function testFuzz_payoutFieldOutOfRange(uint256 fieldSeed, uint256 value) public {
        bytes memory message = codec.encodePayout(MessageCodec.Payout(1, 2, 3, bytes32(0), 4));
        uint256[3] memory fields = [uint256(1), 2, 4];
        uint256 field = fields[fieldSeed % 3];
        uint256 max = field == 1 ? type(uint64).max : field == 2 ? type(uint32).max : MessageCodec.BPS;
        value = bound(value, max + 1, type(uint256).max);
        _expectOutOfRange(4, field);
        codec.decodePayout(_setWord(message, field, value));
    }

    function test_boundaryValuesDecode() public view {
        bytes memory verdict = codec.encodeVerdict(MessageCodec.Verdict(1, type(uint64).max, 10_000, bytes32(0), 0));
        assertEq(codec.decodeVerdict(verdict).refundBps, 10_000);
        bytes memory payout = codec.encodePayout(MessageCodec.Payout(1, 2, type(uint32).max, bytes32(0), 10_000));
        assertEq(codec.decodePayout(payout).payoutIndex, type(uint32).max);
    }

    function test_firstOutOfRangeFieldWins() public {
        bytes memory message = codec.encodeVerdict(MessageCodec.Verdict(1, 2, 3, bytes32(0), 0));
        message = _setWord(_setWord(message, 2, 10_001), 1, uint256(type(uint64).max) + 1);
        _expectOutOfRange(3, 1);
        codec.decodeVerdict(message);
    }

    // ---------------------------------------------------------------- helpers

    function _expectOutOfRange(uint8 kind, uint256 field) internal {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.ValueOutOfRange.selector, kind, field));
    }

    function _setWord(bytes memory message, uint256 index, uint256 value) internal pure returns (bytes memory out) {
        out = bytes.concat(message);
        uint256 offset = 2 + 32 * index;
        assembly ("memory-safe") {
            mstore(add(add(out, 0x20), offset), value)
        }
    }
}
