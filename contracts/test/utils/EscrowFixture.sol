// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Escrow } from "../../src/Escrow.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { MockMessenger } from "../mocks/MockMessenger.sol";
import { MockStablecoin } from "../mocks/MockStablecoin.sol";

/// @notice An escrow on chain THIS with home chain HOME, a registered mock messenger and a 6-decimals stablecoin,
/// plus helpers that deliver home-chain messages.
abstract contract EscrowFixture is Test {
    uint32 internal constant THIS = 42_161;
    uint32 internal constant HOME = 8453;
    uint256 internal constant MODEL = 7;
    uint64 internal constant GENESIS = 1_000_000;
    uint64 internal constant EPOCH = 1 days;
    uint256 internal constant PRICE = 2500; // 0.0025 mUSD per request
    uint16 internal constant GRACE = 2; // verdictGraceEpochs

    /// @dev The last listing version `_list` sent (each call sends the next, as the registry would).
    uint32 internal listingVersion;

    address internal owner = makeAddr("owner");
    MockStablecoin internal usd;
    MockMessenger internal messenger;
    Escrow internal escrow;

    function setUp() public virtual {
        vm.warp(GENESIS);
        usd = new MockStablecoin();
        messenger = new MockMessenger();
        escrow = new Escrow(owner, IERC20(address(usd)), THIS, HOME);
        vm.prank(owner);
        escrow.setMessenger(address(messenger), true);
    }

    function _deliver(bytes memory message) internal {
        messenger.deliver(escrow, HOME, message);
    }

    function _list(uint256 modelId, uint64 genesis, uint64 epochSeconds, uint64 fromEpoch, uint256 price, bool active)
        internal
    {
        _deliver(_listingMsg(modelId, genesis, epochSeconds, fromEpoch, price, active, ++listingVersion, GRACE));
    }

    function _listingMsg(
        uint256 modelId,
        uint64 genesis,
        uint64 epochSeconds,
        uint64 fromEpoch,
        uint256 price,
        bool active,
        uint32 version,
        uint16 grace
    ) internal pure returns (bytes memory) {
        return MessageCodec.encodeModelListing(
            MessageCodec.ModelListing(modelId, genesis, epochSeconds, fromEpoch, price, active, version, grace)
        );
    }

    function _listDefault() internal {
        _list(MODEL, GENESIS, EPOCH, 0, PRICE, true);
    }

    function _verdict(uint256 modelId, uint64 epoch, uint16 refundBps) internal {
        _deliver(MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, epoch, refundBps, keccak256("report"), 0)));
    }

    /// @dev A verdict carrying a host bond top-up of `topUp` for this chain's buyers.
    function _verdictTopUp(uint256 modelId, uint64 epoch, uint16 refundBps, uint96 topUp) internal {
        _deliver(
            MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, epoch, refundBps, keccak256("report"), topUp))
        );
    }

    /// @dev `funder` (the chain's netting vault in practice) becomes the top-up funder and pays in the (model,
    /// epoch)'s top-up.
    function _fundTopUp(address funder, uint256 modelId, uint64 epoch) internal {
        vm.prank(owner);
        escrow.setTopUpFunder(funder);
        uint256 due = escrow.topUpOf(modelId, epoch).due;
        usd.mint(funder, due);
        vm.startPrank(funder);
        usd.approve(address(escrow), due);
        escrow.fundTopUp(modelId, epoch);
        vm.stopPrank();
    }

    function _payout(uint256 modelId, uint64 epoch, uint32 index, address payee, uint16 shareBps) internal {
        _deliver(_payoutMsg(modelId, epoch, index, bytes32(uint256(uint160(payee))), shareBps));
    }

    function _payoutMsg(uint256 modelId, uint64 epoch, uint32 index, bytes32 payee, uint16 shareBps)
        internal
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodePayout(MessageCodec.Payout(modelId, epoch, index, payee, shareBps));
    }

    function _pay(address buyer, uint256 modelId, uint256 amount) internal returns (uint256 index) {
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(escrow), amount);
        index = escrow.pay(modelId, amount);
        vm.stopPrank();
    }

    /// @dev Warps to the first second after `epoch` of the default model's clock.
    function _endEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + (uint256(epoch) + 1) * EPOCH);
    }
}
