// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { Hashes } from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import { MerkleProof } from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import { PaymentsMerkle } from "../../src/libraries/PaymentsMerkle.sol";

contract PaymentsMerkleTest is Test {
    // ---------------------------------------------------------------- structure

    function test_root_ofNoLeavesIsZero() public pure {
        assertEq(PaymentsMerkle.root(new bytes32[](0)), bytes32(0));
    }

    function test_root_ofOneLeafIsTheLeaf() public pure {
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = keccak256("a");
        assertEq(PaymentsMerkle.root(leaves), keccak256("a"));
    }

    function test_root_ofThreePromotesTheOddNode() public pure {
        bytes32[] memory leaves = _leaves(3, 1);
        bytes32 a = leaves[0];
        bytes32 b = leaves[1];
        bytes32 c = leaves[2];
        assertEq(PaymentsMerkle.root(leaves), Hashes.commutativeKeccak256(Hashes.commutativeKeccak256(a, b), c));
    }

    function test_root_ofFiveHashesSortedPairs() public pure {
        bytes32[] memory l = _leaves(5, 2);
        bytes32 ab = Hashes.commutativeKeccak256(l[0], l[1]);
        bytes32 cd = Hashes.commutativeKeccak256(l[2], l[3]);
        bytes32 expected = Hashes.commutativeKeccak256(Hashes.commutativeKeccak256(ab, cd), l[4]);
        assertEq(PaymentsMerkle.root(l), expected);
    }

    function test_leaf_isTheDoubleHashOfTheAbiEncodedPayment() public pure {
        bytes32 inner = keccak256(abi.encode(bytes32(uint256(3)), bytes32(uint256(uint160(address(0xBEEF)))), 42));
        assertEq(PaymentsMerkle.leaf(uint256(3), address(0xBEEF), 42), keccak256(bytes.concat(inner)));
        assertEq(
            PaymentsMerkle.leaf(bytes32(uint256(3)), bytes32(uint256(uint160(address(0xBEEF)))), 42),
            keccak256(bytes.concat(inner))
        );
    }

    function test_proof_ofOneLeafIsEmpty() public pure {
        bytes32[] memory leaves = _leaves(1, 0);
        assertEq(PaymentsMerkle.proof(leaves, 0).length, 0);
    }

    // ---------------------------------------------------------------- proofs

    /// Every leaf of a tree of 1..64 leaves proves against the root with OpenZeppelin's MerkleProof.
    function test_fuzz_proof_everyLeafVerifies(uint256 n, uint256 seed) public pure {
        n = bound(n, 1, 64);
        bytes32[] memory leaves = _leaves(n, seed);
        bytes32[] memory copy = _copy(leaves);
        bytes32 root = PaymentsMerkle.root(copy);
        for (uint256 i; i < n; ++i) {
            bytes32[] memory proof = PaymentsMerkle.proof(leaves, i);
            assertTrue(MerkleProof.verify(proof, root, leaves[i]));
            // and not for a leaf that is not in the tree
            assertFalse(MerkleProof.verify(proof, root, keccak256(abi.encode(leaves[i]))));
        }
    }

    /// Changing any payment field changes the root.
    function test_fuzz_root_bindsEveryPayment(uint256 n, uint256 seed, uint256 which) public pure {
        n = bound(n, 1, 32);
        which = bound(which, 0, n - 1);
        bytes32[] memory leaves = _leaves(n, seed);
        bytes32 root = PaymentsMerkle.root(_copy(leaves));
        leaves[which] = PaymentsMerkle.leaf(which, address(uint160(seed)), uint256(keccak256(abi.encode(seed))));
        assertTrue(PaymentsMerkle.root(leaves) != root);
    }

    // ---------------------------------------------------------------- vectors (test/vectors/payments-merkle.json)

    function test_vectors_matchTheSharedFile() public view {
        string memory json = vm.readFile("test/vectors/payments-merkle.json");
        uint256[3] memory sizes = [uint256(1), 3, 5];
        bytes32[3] memory roots = [
            bytes32(0xf983d7fc771bffed1e140f7e8f3f6bc00d23b3dfaf2d182c52785105233951a6),
            bytes32(0x31e31c9daa3248d11b1109a80edc51a6c19c4bbd2e46f1469841b350ea3897cf),
            bytes32(0x2a8957bb3e556221ef1f15a3085bbb8fcb53814029581f125979997587b270d0)
        ];
        for (uint256 v; v < 3; ++v) {
            string memory key = string.concat(".vectors[", vm.toString(v), "]");
            assertEq(vm.parseJsonUint(json, string.concat(key, ".size")), sizes[v]);
            bytes32[] memory leaves = new bytes32[](sizes[v]);
            for (uint256 i; i < sizes[v]; ++i) {
                string memory p = string.concat(key, ".payments[", vm.toString(i), "]");
                bytes32 id = vm.parseJsonBytes32(json, string.concat(p, ".paymentId"));
                bytes32 buyer = vm.parseJsonBytes32(json, string.concat(p, ".buyer"));
                uint256 amount = uint256(vm.parseJsonBytes32(json, string.concat(p, ".amount")));
                // the vectors are the canonical EVM inputs: index i, buyer _buyer(i), amount _amount(i)
                assertEq(id, bytes32(i));
                assertEq(buyer, bytes32(uint256(uint160(_buyer(i)))));
                assertEq(amount, _amount(i));
                leaves[i] = PaymentsMerkle.leaf(id, buyer, amount);
            }
            bytes32 root = PaymentsMerkle.root(leaves);
            assertEq(root, vm.parseJsonBytes32(json, string.concat(key, ".root")));
            assertEq(root, roots[v]);
        }
    }

    // ---------------------------------------------------------------- helpers

    function _buyer(uint256 i) internal pure returns (address) {
        return address(uint160(0x1111111111111111111111111111111111111111) * uint160(i + 1));
    }

    function _amount(uint256 i) internal pure returns (uint256) {
        return (i + 1) * 2_500_000; // 2.5 USDC steps at 6 decimals
    }

    function _leaves(uint256 n, uint256 seed) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            address buyer = address(uint160(uint256(keccak256(abi.encode(seed, i)))));
            leaves[i] = PaymentsMerkle.leaf(i, buyer, uint256(keccak256(abi.encode(seed, i, "amount"))) % 1e15);
        }
    }

    function _copy(bytes32[] memory a) internal pure returns (bytes32[] memory b) {
        b = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}
