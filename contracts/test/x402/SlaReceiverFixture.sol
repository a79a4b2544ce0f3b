// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { ISlaReceiver } from "../../src/x402/ISlaReceiver.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { SlaReceiver } from "../../src/x402/SlaReceiver.sol";
import { SlaReceiverFactory } from "../../src/x402/SlaReceiverFactory.sol";
import { MockMessenger } from "../mocks/MockMessenger.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice A model's SLA receiver (a factory clone) over the x402 stand-in at its canonical address, a mock
/// messenger to the home chain, and buyers whose channels name the receiver as receiver and receiverAuthorizer.
abstract contract SlaReceiverFixture is X402Fixture {
    uint32 internal constant THIS = 42_161;
    uint32 internal constant HOME = 8453;
    uint256 internal constant MODEL = 7;
    uint64 internal constant GENESIS = 1_000_000;
    uint64 internal constant EPOCH = 1 days;
    uint16 internal constant GRACE = 2;

    address internal owner = makeAddr("owner");
    address internal operator = makeAddr("operator");
    address internal vault = makeAddr("vault");
    MockMessenger internal messenger;
    SlaReceiverFactory internal factory;
    SlaReceiver internal sla;

    function setUp() public virtual override {
        super.setUp();
        vm.warp(GENESIS);
        messenger = new MockMessenger();
        factory = new SlaReceiverFactory(owner);
        vm.prank(owner);
        sla = SlaReceiver(
            factory.create(
                ISlaReceiver.InitParams({
                    owner: owner,
                    operator: operator,
                    modelId: MODEL,
                    token: IERC20(address(token)),
                    channels: IX402BatchSettlement(SETTLEMENT),
                    thisChain: THIS,
                    homeChain: HOME,
                    genesis: GENESIS,
                    epochSeconds: EPOCH,
                    verdictGraceEpochs: GRACE
                })
            )
        );
        vm.prank(owner);
        sla.setMessenger(address(messenger), true);
    }

    /// @dev Buyer `key`'s channel to the SLA receiver (the buyer signs its own vouchers), funded with `amount`.
    function _open(uint256 key, uint128 amount) internal returns (IX402BatchSettlement.ChannelConfig memory c) {
        c = IX402BatchSettlement.ChannelConfig({
            payer: vm.addr(key),
            payerAuthorizer: address(0),
            receiver: address(sla),
            receiverAuthorizer: address(sla),
            token: address(token),
            withdrawDelay: DELAY,
            salt: bytes32(0)
        });
        token.mint(vm.addr(key), amount);
        _deposit(c, key, amount);
    }

    function _claimEpoch(uint64 epoch, IX402BatchSettlement.VoucherClaim[] memory rows) internal returns (uint256) {
        vm.prank(operator);
        return sla.claimEpoch(epoch, rows);
    }

    function _verdict(uint64 epoch, uint16 refundBps, uint96 topUp) internal {
        messenger.deliver(
            sla,
            HOME,
            MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, epoch, refundBps, keccak256("report"), topUp))
        );
    }

    function _fundTopUp(uint64 epoch) internal {
        vm.prank(owner);
        sla.setTopUpFunder(vault);
        uint256 due = sla.epochState(epoch).topUpDue;
        token.mint(vault, due);
        vm.prank(vault);
        token.approve(address(sla), due);
        sla.fundTopUp(epoch);
    }

    /// @dev Warps to the first second after `epoch`.
    function _endEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + (uint256(epoch) + 1) * EPOCH);
    }
}
