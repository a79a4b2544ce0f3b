// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Hashes } from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title PaymentsMerkle
/// @notice The Merkle tree of a receipt batch (see MessageCodec.ReceiptBatch): leaves in payment order,
/// leaf = keccak256(bytes.concat(keccak256(abi.encode(bytes32 paymentId, bytes32 buyer, uint256 amount)))), each
/// level built by hashing sorted pairs, an odd last node promoted unchanged; the root of one leaf is the leaf, of none
/// bytes32(0). Proofs verify with OpenZeppelin's MerkleProof.verify. packages/core implements the same tree.
library PaymentsMerkle {
    /// @notice The leaf of one payment. The double hash keeps a leaf from being read as an inner node.
    function leaf(bytes32 paymentId, bytes32 buyer, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(paymentId, buyer, amount))));
    }

    /// @notice The leaf of an EVM payment: paymentId = bytes32(paymentIndex), buyer = the address left-padded.
    function leaf(uint256 paymentIndex, address buyer, uint256 amount) internal pure returns (bytes32) {
        return leaf(bytes32(paymentIndex), bytes32(uint256(uint160(buyer))), amount);
    }

    /// @notice The root over `leaves`. Overwrites `leaves` (it builds the levels in place).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        if (n == 0) return bytes32(0);
        while (n > 1) {
            uint256 half = n >> 1;
            for (uint256 i; i < half; ++i) {
                leaves[i] = Hashes.commutativeKeccak256(leaves[2 * i], leaves[2 * i + 1]);
            }
            // an odd last node moves up unchanged
            if (n & 1 == 1) leaves[half] = leaves[n - 1];
            n = half + (n & 1);
        }
        return leaves[0];
    }

    /// @notice The proof of leaf `index` (for tests and off-chain tooling; not used on-chain). Does not modify
    /// `leaves`.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory path) {
        uint256 n = leaves.length;
        bytes32[] memory level = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            level[i] = leaves[i];
        }
        bytes32[] memory buf = new bytes32[](64);
        uint256 depth;
        while (n > 1) {
            uint256 sibling = index ^ 1;
            // a promoted node (odd last, no sibling) adds nothing to the proof
            if (sibling < n) buf[depth++] = level[sibling];
            uint256 half = n >> 1;
            for (uint256 i; i < half; ++i) {
                level[i] = Hashes.commutativeKeccak256(level[2 * i], level[2 * i + 1]);
            }
            if (n & 1 == 1) level[half] = level[n - 1];
            n = half + (n & 1);
            index >>= 1;
        }
        path = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) {
            path[i] = buf[i];
        }
    }
}
