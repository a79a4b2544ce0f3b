// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Vm } from "forge-std/Vm.sol";

/// @notice Builds and signs version-1 VAAs the way guardians do, from the documented wire format:
/// header = version (1) || guardianSetIndex (4) || signatureCount (1) || signatures (66 each: guardianIndex, r, s, v)
/// body   = timestamp (4) || nonce (4) || emitterChain (2) || emitterAddress (32) || sequence (8) || consistency (1)
///          || payload; guardians sign keccak256(keccak256(body)) and v is stored as 0/1.
library VaaBuilder {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Body {
        uint32 timestamp;
        uint32 nonce;
        uint16 emitterChain;
        bytes32 emitterAddress;
        uint64 sequence;
        uint8 consistencyLevel;
        bytes payload;
    }

    function encodeBody(Body memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(
            b.timestamp, b.nonce, b.emitterChain, b.emitterAddress, b.sequence, b.consistencyLevel, b.payload
        );
    }

    /// @notice The digest guardians sign, and the core's `vm.hash`.
    function digest(bytes memory body) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(keccak256(body)));
    }

    /// @notice A VAA over `body` signed by guardian 0 of set `guardianSetIndex` with `key`.
    function sign(bytes memory body, uint256 key, uint32 guardianSetIndex) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(key, digest(body));
        return abi.encodePacked(uint8(1), guardianSetIndex, uint8(1), uint8(0), r, s, v - 27, body);
    }

    function sign(Body memory b, uint256 key) internal pure returns (bytes memory) {
        return sign(encodeBody(b), key, 0);
    }

    /// @notice Core governance payload that sets the message fee of Wormhole chain `chain`.
    function setMessageFeePayload(uint16 chain, uint256 fee) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes32("Core") >> 224, uint8(3), chain, fee);
    }
}
