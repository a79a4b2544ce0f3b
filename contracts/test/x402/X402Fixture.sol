// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { IERC1271 } from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { DevnetStablecoin } from "../../src/devnet/DevnetStablecoin.sol";
import { ERC3009DepositCollector } from "../../src/x402/ERC3009DepositCollector.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402BatchSettlement } from "../../src/x402/X402BatchSettlement.sol";

/// @notice Enough of a LayerZero endpoint for the OFT constructor (it only registers its delegate).
contract StubEndpoint {
    function setDelegate(address) external { }
}

/// @notice An EIP-1271 smart wallet: accepts what its owner key signed, unless switched off.
contract Mock1271Wallet is IERC1271 {
    address public immutable owner;
    bool public accepting = true;

    constructor(address owner_) {
        owner = owner_;
    }

    function setAccepting(bool on) external {
        accepting = on;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (accepting && error == ECDSA.RecoverError.NoError && signer == owner) {
            return IERC1271.isValidSignature.selector;
        }
        return 0xffffffff;
    }
}

/// @notice The stand-in at the canonical addresses (as the devnet places it) over the devnet stablecoin, with a
/// payer, its voucher key, a receiver and its authorizer key, and signing helpers for every EIP-712 type.
abstract contract X402Fixture is Test {
    address internal constant SETTLEMENT = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;
    address internal constant COLLECTOR = 0x4020806089470a89826cB9fB1f4059150b550004;
    uint40 internal constant DELAY = 1 hours;
    uint128 internal constant FUNDS = 1_000e6;

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant RECEIVE_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    X402BatchSettlement internal settlement;
    ERC3009DepositCollector internal collector;
    DevnetStablecoin internal token;

    uint256 internal payerKey = 0xA11CE;
    uint256 internal payerAuthKey = 0xA117;
    uint256 internal receiverAuthKey = 0xB0B;
    address internal payer;
    address internal payerAuthorizer;
    address internal receiverAuthorizer;
    address internal receiver = makeAddr("receiver");
    address internal relayer = makeAddr("relayer");
    uint256 internal saltCounter;

    function setUp() public virtual {
        payer = vm.addr(payerKey);
        payerAuthorizer = vm.addr(payerAuthKey);
        receiverAuthorizer = vm.addr(receiverAuthKey);
        // Built elsewhere, then its runtime code placed at the canonical addresses, as the devnet does.
        vm.etch(SETTLEMENT, address(new X402BatchSettlement()).code);
        vm.etch(COLLECTOR, address(new ERC3009DepositCollector(SETTLEMENT)).code);
        settlement = X402BatchSettlement(SETTLEMENT);
        collector = ERC3009DepositCollector(COLLECTOR);
        token = new DevnetStablecoin("Devnet USD Coin", "dUSDC", address(new StubEndpoint()), address(this));
        token.mint(payer, FUNDS);
    }

    function _config() internal view returns (IX402BatchSettlement.ChannelConfig memory) {
        return _config(payer, payerAuthorizer, bytes32(0));
    }

    function _config(address payer_, address payerAuthorizer_, bytes32 salt)
        internal
        view
        returns (IX402BatchSettlement.ChannelConfig memory)
    {
        return IX402BatchSettlement.ChannelConfig({
            payer: payer_,
            payerAuthorizer: payerAuthorizer_,
            receiver: receiver,
            receiverAuthorizer: receiverAuthorizer,
            token: address(token),
            withdrawDelay: DELAY,
            salt: salt
        });
    }

    function _id(IX402BatchSettlement.ChannelConfig memory config) internal view returns (bytes32) {
        return settlement.getChannelId(config);
    }

    // ---- deposits -------------------------------------------------------------------------------------------------

    /// @dev The collector data the x402 facilitator builds: (validAfter, validBefore, salt, signature).
    function _collectorData(
        uint256 fromKey,
        bytes32 channelId,
        uint256 amount,
        uint256 validAfter,
        uint256 validBefore,
        uint256 salt,
        address to
    ) internal view returns (bytes memory) {
        return _collectorDataFrom(fromKey, vm.addr(fromKey), channelId, amount, validAfter, validBefore, salt, to);
    }

    /// @dev As `_collectorData`, for a `from` that is not the key's address (an EIP-1271 wallet its key signs for).
    function _collectorDataFrom(
        uint256 fromKey,
        address from,
        bytes32 channelId,
        uint256 amount,
        uint256 validAfter,
        uint256 validBefore,
        uint256 salt,
        address to
    ) internal view returns (bytes memory) {
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        bytes32 structHash = keccak256(abi.encode(RECEIVE_TYPEHASH, from, to, amount, validAfter, validBefore, nonce));
        bytes memory signature = _sign(fromKey, _digest(token.DOMAIN_SEPARATOR(), structHash));
        return abi.encode(validAfter, validBefore, salt, signature);
    }

    function _deposit(IX402BatchSettlement.ChannelConfig memory config, uint256 fromKey, uint128 amount) internal {
        bytes memory data = _collectorDataFrom(
            fromKey, config.payer, _id(config), amount, 0, block.timestamp + 1 hours, ++saltCounter, COLLECTOR
        );
        vm.prank(relayer);
        settlement.deposit(config, amount, COLLECTOR, data);
    }

    function _deposit(IX402BatchSettlement.ChannelConfig memory config, uint128 amount) internal {
        _deposit(config, payerKey, amount);
    }

    // ---- vouchers, claims, refunds --------------------------------------------------------------------------------

    function _voucherSig(uint256 key, bytes32 channelId, uint128 maxClaimable) internal view returns (bytes memory) {
        return _sign(key, settlement.getVoucherDigest(channelId, maxClaimable));
    }

    function _row(IX402BatchSettlement.ChannelConfig memory config, uint128 maxClaimable, uint128 total, uint256 key)
        internal
        view
        returns (IX402BatchSettlement.VoucherClaim memory)
    {
        return IX402BatchSettlement.VoucherClaim({
            voucher: IX402BatchSettlement.Voucher({ channel: config, maxClaimableAmount: maxClaimable }),
            signature: _voucherSig(key, _id(config), maxClaimable),
            totalClaimed: total
        });
    }

    function _rows(IX402BatchSettlement.VoucherClaim memory row)
        internal
        pure
        returns (IX402BatchSettlement.VoucherClaim[] memory rows)
    {
        rows = new IX402BatchSettlement.VoucherClaim[](1);
        rows[0] = row;
    }

    /// @dev Claims `total` against a voucher for `maxClaimable` signed by the payer authorizer, as the receiver.
    function _claim(IX402BatchSettlement.ChannelConfig memory config, uint128 maxClaimable, uint128 total) internal {
        IX402BatchSettlement.VoucherClaim[] memory rows = _rows(_row(config, maxClaimable, total, payerAuthKey));
        vm.prank(receiver);
        settlement.claim(rows);
    }

    function _claimBatchSig(uint256 key, IX402BatchSettlement.VoucherClaim[] memory rows)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, settlement.getClaimBatchDigest(rows));
    }

    function _refundSig(uint256 key, bytes32 channelId, uint256 nonce, uint128 amount)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, settlement.getRefundDigest(channelId, nonce, amount));
    }

    // ---- EIP-712 --------------------------------------------------------------------------------------------------

    function _settlementDomain(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("x402 Batch Settlement"), keccak256("1"), chainId, verifyingContract)
        );
    }

    function _digest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _state(bytes32 channelId) internal view returns (uint128 balance, uint128 totalClaimed) {
        return settlement.channels(channelId);
    }
}
