// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402BatchSettlement } from "../../src/x402/X402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Binding rule: channelId = EIP-712 hash of ChannelConfig under {"x402 Batch Settlement", "1", chainId,
/// contract}, so it is bound to chain and contract; the type strings are the binding's.
contract X402ChannelIdTest is X402Fixture {
    function test_typehashes_areTheBindingTypeStrings() public view {
        assertEq(
            settlement.CHANNEL_CONFIG_TYPEHASH(),
            keccak256(
                "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
            )
        );
        assertEq(settlement.VOUCHER_TYPEHASH(), keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)"));
        assertEq(settlement.REFUND_TYPEHASH(), keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)"));
        assertEq(
            settlement.CLAIM_BATCH_TYPEHASH(),
            keccak256(
                "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
            )
        );
        assertEq(settlement.DOMAIN_SEPARATOR(), _settlementDomain(block.chainid, SETTLEMENT));
    }

    function test_channelId_isEip712HashOfConfig() public view {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        bytes32 structHash = keccak256(
            abi.encode(
                settlement.CHANNEL_CONFIG_TYPEHASH(),
                c.payer,
                c.payerAuthorizer,
                c.receiver,
                c.receiverAuthorizer,
                c.token,
                c.withdrawDelay,
                c.salt
            )
        );
        assertEq(_id(c), _digest(_settlementDomain(block.chainid, SETTLEMENT), structHash));
    }

    function test_channelId_boundToChain() public {
        bytes32 here = _id(_config());
        vm.chainId(block.chainid + 1);
        bytes32 there = _id(_config());
        assertTrue(here != there);
        assertEq(settlement.DOMAIN_SEPARATOR(), _settlementDomain(block.chainid, SETTLEMENT));
    }

    function test_channelId_boundToContract() public {
        X402BatchSettlement other = new X402BatchSettlement();
        assertTrue(other.getChannelId(_config()) != _id(_config()));
    }

    function test_fuzz_channelId_changesWithSalt(bytes32 a, bytes32 b) public view {
        vm.assume(a != b);
        assertTrue(_id(_config(payer, payerAuthorizer, a)) != _id(_config(payer, payerAuthorizer, b)));
    }

    function test_voucherDigest_isEip712() public view {
        bytes32 id = _id(_config());
        bytes32 structHash = keccak256(abi.encode(settlement.VOUCHER_TYPEHASH(), id, uint128(5)));
        assertEq(settlement.getVoucherDigest(id, 5), _digest(settlement.DOMAIN_SEPARATOR(), structHash));
    }

    function test_claimBatchDigest_hashesEntriesInOrder() public view {
        IX402BatchSettlement.VoucherClaim[] memory rows = new IX402BatchSettlement.VoucherClaim[](2);
        rows[0] = _row(_config(), 10, 7, payerAuthKey);
        rows[1] = _row(_config(payer, payerAuthorizer, bytes32(uint256(1))), 20, 20, payerAuthKey);
        bytes32 entryType = keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
        bytes32 e0 = keccak256(abi.encode(entryType, _id(rows[0].voucher.channel), uint128(10), uint128(7)));
        bytes32 e1 = keccak256(abi.encode(entryType, _id(rows[1].voucher.channel), uint128(20), uint128(20)));
        bytes32 structHash =
            keccak256(abi.encode(settlement.CLAIM_BATCH_TYPEHASH(), keccak256(abi.encodePacked(e0, e1))));
        assertEq(settlement.getClaimBatchDigest(rows), _digest(settlement.DOMAIN_SEPARATOR(), structHash));
    }

    function test_refundDigest_isEip712() public view {
        bytes32 id = _id(_config());
        bytes32 structHash = keccak256(abi.encode(settlement.REFUND_TYPEHASH(), id, uint256(3), uint128(9)));
        assertEq(settlement.getRefundDigest(id, 3, 9), _digest(settlement.DOMAIN_SEPARATOR(), structHash));
    }
}
