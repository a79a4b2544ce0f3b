// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { ISlaReceiver } from "../../src/x402/ISlaReceiver.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { SlaReceiver } from "../../src/x402/SlaReceiver.sol";
import { SlaReceiverFixture } from "./SlaReceiverFixture.sol";

/// @notice The receiver as its channels' receiverAuthorizer through EIP-1271: the channel contract's cooperative
/// refund (`refundWithSignature`) signed by the receiver's authorizer key, bound to that receiver, and nothing else.
contract SlaReceiverAuthorizerTest is SlaReceiverFixture {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    uint256 internal constant AUTH = 0xA11CE;
    uint256 internal constant BUYER = 0xB1;
    uint128 internal constant DEPOSIT = 10e6;

    IX402BatchSettlement.ChannelConfig internal c;
    bytes32 internal id;

    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        sla.setAuthorizer(vm.addr(AUTH));
        c = _open(BUYER, DEPOSIT);
        id = _id(c);
    }

    /// @dev What the authorizer hands the facilitator: (channelId, nonce, amount) then its signature, packed.
    function _authorization(SlaReceiver at, uint256 key, bytes32 channelId, uint256 nonce, uint128 amount)
        internal
        view
        returns (bytes memory)
    {
        bytes memory sig = _sign(key, at.refundAuthorizationDigest(channelId, nonce, amount));
        return abi.encodePacked(channelId, nonce, amount, sig);
    }

    function test_authorizerRefund_isValid_andTheChannelContractRefundsThroughIt() public {
        bytes memory signature = _authorization(sla, AUTH, id, 0, 4e6);
        assertEq(sla.isValidSignature(settlement.getRefundDigest(id, 0, 4e6), signature), MAGIC);
        // anyone (the facilitator) may submit it; the unclaimed deposit goes back to the payer
        vm.prank(relayer);
        settlement.refundWithSignature(c, 4e6, 0, signature);
        assertEq(token.balanceOf(vm.addr(BUYER)), 4e6);
        (uint128 balance,) = _state(id);
        assertEq(balance, DEPOSIT - 4e6);
        // the channel's refund nonce moved: the same authorization is spent
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.InvalidRefundNonce.selector, id, 1, 0));
        settlement.refundWithSignature(c, 4e6, 0, signature);
    }

    function test_wrongSigner_isInvalid() public {
        bytes32 digest = settlement.getRefundDigest(id, 0, 4e6);
        assertEq(sla.isValidSignature(digest, _authorization(sla, 0xBAD, id, 0, 4e6)), INVALID);
        // nor is a buyer's key
        assertEq(sla.isValidSignature(digest, _authorization(sla, BUYER, id, 0, 4e6)), INVALID);
        bytes memory byOther = _authorization(sla, 0xBAD, id, 0, 4e6);
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.refundWithSignature(c, 4e6, 0, byOther);
    }

    function test_signatureForOtherTermsOrAnotherDigest_isInvalid() public {
        bytes memory signature = _authorization(sla, AUTH, id, 0, 4e6);
        // the packed terms must be the ones the hash is of
        assertEq(sla.isValidSignature(settlement.getRefundDigest(id, 0, 5e6), signature), INVALID);
        assertEq(sla.isValidSignature(settlement.getRefundDigest(id, 1, 4e6), signature), INVALID);
        // a claim batch is never authorized by signature: it would claim around claimEpoch, unbooked
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(c, 3e6, 3e6, BUYER));
        bytes32 claimDigest = settlement.getClaimBatchDigest(rows);
        bytes memory claimSig = _sign(AUTH, claimDigest);
        assertEq(sla.isValidSignature(claimDigest, claimSig), INVALID);
        assertEq(sla.isValidSignature(claimDigest, abi.encodePacked(id, uint256(0), uint128(4e6), claimSig)), INVALID);
        vm.expectRevert(IX402BatchSettlement.InvalidAuthorizerSignature.selector);
        settlement.claimWithSignature(rows, claimSig);
    }

    function test_malformedSignature_isInvalid_neverReverts() public view {
        bytes32 digest = settlement.getRefundDigest(id, 0, 4e6);
        bytes memory good = _authorization(sla, AUTH, id, 0, 4e6);
        assertEq(sla.isValidSignature(digest, ""), INVALID);
        // the SDK's plain 65-byte signature of the channel contract's digest: no terms, no receiver binding
        assertEq(sla.isValidSignature(digest, _sign(AUTH, digest)), INVALID);
        assertEq(sla.isValidSignature(digest, bytes.concat(good, hex"00")), INVALID);
        bytes memory short = new bytes(144);
        for (uint256 i; i < 144; ++i) {
            short[i] = good[i];
        }
        assertEq(sla.isValidSignature(digest, short), INVALID);
        // a v that is neither 27 nor 28
        bytes memory badV = bytes.concat(good);
        badV[144] = 0x1f;
        assertEq(sla.isValidSignature(digest, badV), INVALID);
        // an s in the upper half (malleable)
        bytes memory highS = bytes.concat(good);
        for (uint256 i = 112; i < 144; ++i) {
            highS[i] = 0xff;
        }
        assertEq(sla.isValidSignature(digest, highS), INVALID);
    }

    function testFuzz_arbitraryBytes_areInvalid_neverRevert(bytes32 hash, bytes calldata junk) public view {
        assertEq(sla.isValidSignature(hash, junk), INVALID);
        // a well-formed length with junk inside, for the channel's own Refund digest
        bytes memory sized = bytes.concat(id, bytes32(0), bytes16(uint128(4e6)), bytes32(hash), junk, new bytes(65));
        assembly ("memory-safe") {
            mstore(sized, 145)
        }
        assertEq(sla.isValidSignature(settlement.getRefundDigest(id, 0, 4e6), sized), INVALID);
    }

    function test_replayAcrossReceivers_isInvalid() public {
        // a second model's receiver with the same authorizer key
        vm.prank(owner);
        SlaReceiver other = SlaReceiver(factory.create(_params(MODEL + 1)));
        vm.prank(owner);
        other.setAuthorizer(vm.addr(AUTH));
        bytes32 digest = settlement.getRefundDigest(id, 0, 4e6);
        bytes memory forSla = _authorization(sla, AUTH, id, 0, 4e6);
        assertEq(sla.isValidSignature(digest, forSla), MAGIC);
        assertEq(other.isValidSignature(digest, forSla), INVALID);
        assertEq(other.isValidSignature(digest, _authorization(other, AUTH, id, 0, 4e6)), MAGIC);
        assertTrue(other.refundAuthorizationDigest(id, 0, 4e6) != sla.refundAuthorizationDigest(id, 0, 4e6));
    }

    function test_noAuthorizer_orPaused_isInvalid() public {
        bytes32 digest = settlement.getRefundDigest(id, 0, 4e6);
        bytes memory signature = _authorization(sla, AUTH, id, 0, 4e6);
        vm.prank(owner);
        sla.pause();
        assertEq(sla.isValidSignature(digest, signature), INVALID);
        vm.prank(owner);
        sla.unpause();
        assertEq(sla.isValidSignature(digest, signature), MAGIC);
        vm.expectEmit(address(sla));
        emit ISlaReceiver.AuthorizerSet(address(0));
        vm.prank(owner);
        sla.setAuthorizer(address(0));
        assertEq(sla.isValidSignature(digest, signature), INVALID);
    }

    function test_setAuthorizer_ownerOnly() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator));
        vm.prank(operator);
        sla.setAuthorizer(operator);
    }

    function _params(uint256 modelId) internal view returns (ISlaReceiver.InitParams memory) {
        return ISlaReceiver.InitParams({
            owner: owner,
            operator: operator,
            modelId: modelId,
            token: IERC20(address(token)),
            channels: IX402BatchSettlement(SETTLEMENT),
            thisChain: THIS,
            homeChain: HOME,
            genesis: GENESIS,
            epochSeconds: EPOCH,
            verdictGraceEpochs: GRACE
        });
    }
}
