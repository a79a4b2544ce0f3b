// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { DevnetStablecoin } from "../../src/devnet/DevnetStablecoin.sol";
import { IERC3009 } from "../../src/x402/IERC3009.sol";
import { Mock1271Wallet, X402Fixture } from "./X402Fixture.sol";

/// @notice The devnet stablecoin's ERC-3009 as USDC has it: EIP-712 domain (name, "2"), the two type strings, one
/// use per nonce, a strict validAfter/validBefore window, receive only by the payee, EIP-1271 for contract wallets.
contract X402Erc3009Test is X402Fixture {
    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    address internal bob = makeAddr("bob");

    function _auth(
        uint256 key,
        address from,
        bytes32 typehash,
        address to,
        uint256 value,
        uint256 before,
        bytes32 nonce
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(typehash, from, to, value, uint256(0), before, nonce));
        return _sign(key, _digest(token.DOMAIN_SEPARATOR(), structHash));
    }

    function test_domain_isNameAndVersion2() public view {
        bytes32 expected = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Devnet USD Coin"), keccak256("2"), block.chainid, address(token))
        );
        assertEq(token.DOMAIN_SEPARATOR(), expected);
        assertEq(token.RECEIVE_WITH_AUTHORIZATION_TYPEHASH(), RECEIVE_TYPEHASH);
        assertEq(token.TRANSFER_WITH_AUTHORIZATION_TYPEHASH(), TRANSFER_TYPEHASH);
    }

    function test_transferWithAuthorization_onceByAnyone() public {
        uint256 before = block.timestamp + 60;
        bytes memory sig = _auth(payerKey, payer, TRANSFER_TYPEHASH, bob, 5e6, before, bytes32("n1"));
        vm.expectEmit(address(token));
        emit IERC3009.AuthorizationUsed(payer, bytes32("n1"));
        vm.prank(relayer);
        token.transferWithAuthorization(payer, bob, 5e6, 0, before, bytes32("n1"), sig);
        assertEq(token.balanceOf(bob), 5e6);
        assertTrue(token.authorizationState(payer, bytes32("n1")));
        vm.expectRevert(
            abi.encodeWithSelector(DevnetStablecoin.AuthorizationAlreadyUsed.selector, payer, bytes32("n1"))
        );
        token.transferWithAuthorization(payer, bob, 5e6, 0, before, bytes32("n1"), sig);
    }

    function test_transferWithAuthorization_splitSignature() public {
        uint256 before = block.timestamp + 60;
        bytes32 structHash = keccak256(abi.encode(TRANSFER_TYPEHASH, payer, bob, 1e6, uint256(0), before, bytes32("v")));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, _digest(token.DOMAIN_SEPARATOR(), structHash));
        token.transferWithAuthorization(payer, bob, 1e6, 0, before, bytes32("v"), v, r, s);
        assertEq(token.balanceOf(bob), 1e6);
    }

    function test_authorization_expiresAtValidBefore() public {
        uint256 before = block.timestamp + 60;
        bytes memory sig = _auth(payerKey, payer, TRANSFER_TYPEHASH, bob, 1, before, bytes32("x"));
        vm.warp(before);
        vm.expectRevert(abi.encodeWithSelector(DevnetStablecoin.AuthorizationExpired.selector, before));
        token.transferWithAuthorization(payer, bob, 1, 0, before, bytes32("x"), sig);
    }

    function test_authorization_typesAreNotInterchangeable() public {
        uint256 before = block.timestamp + 60;
        bytes memory receiveSig = _auth(payerKey, payer, RECEIVE_TYPEHASH, bob, 1, before, bytes32("t"));
        vm.expectRevert(DevnetStablecoin.InvalidAuthorizationSignature.selector);
        token.transferWithAuthorization(payer, bob, 1, 0, before, bytes32("t"), receiveSig);
    }

    function test_receiveWithAuthorization_onlyByPayee() public {
        uint256 before = block.timestamp + 60;
        bytes memory sig = _auth(payerKey, payer, RECEIVE_TYPEHASH, bob, 2e6, before, bytes32("r"));
        vm.expectRevert(abi.encodeWithSelector(DevnetStablecoin.CallerMustBePayee.selector, relayer, bob));
        vm.prank(relayer);
        token.receiveWithAuthorization(payer, bob, 2e6, 0, before, bytes32("r"), sig);
        vm.prank(bob);
        token.receiveWithAuthorization(payer, bob, 2e6, 0, before, bytes32("r"), sig);
        assertEq(token.balanceOf(bob), 2e6);
    }

    function test_authorization_eip1271Wallet() public {
        uint256 ownerKey = 0x0123;
        Mock1271Wallet wallet = new Mock1271Wallet(vm.addr(ownerKey));
        token.mint(address(wallet), 3e6);
        uint256 before = block.timestamp + 60;
        bytes memory sig = _auth(ownerKey, address(wallet), TRANSFER_TYPEHASH, bob, 3e6, before, bytes32("w"));
        token.transferWithAuthorization(address(wallet), bob, 3e6, 0, before, bytes32("w"), sig);
        assertEq(token.balanceOf(bob), 3e6);
    }
}
