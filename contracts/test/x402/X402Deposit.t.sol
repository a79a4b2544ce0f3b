// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { DevnetStablecoin } from "../../src/devnet/DevnetStablecoin.sol";
import { ERC3009DepositCollector } from "../../src/x402/ERC3009DepositCollector.sol";
import { IDepositCollector } from "../../src/x402/IDepositCollector.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice A collector that claims to collect but delivers `short` less than asked (from its own float).
contract ShortCollector is IDepositCollector {
    uint256 public short;

    constructor(uint256 short_) {
        short = short_;
    }

    function collect(address, address token, uint256 amount, bytes32, bytes calldata) external {
        IERC20(token).transfer(msg.sender, amount - short);
    }
}

/// @notice Binding rules for deposits: the channel is created on first funds, withdrawDelay within 15 min to 30 days,
/// the ERC-3009 collector pulls with nonce = keccak256(abi.encode(channelId, salt)) and to = the collector, and the
/// channel contract checks what arrived.
contract X402DepositTest is X402Fixture {
    function test_deposit_createsChannelAndCreditsExactBalance() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        bytes32 id = _id(c);
        bytes memory data = _collectorData(payerKey, id, 300e6, 0, block.timestamp + 60, 7, COLLECTOR);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.ChannelCreated(id, c);
        vm.expectEmit(SETTLEMENT);
        emit IX402BatchSettlement.Deposited(id, relayer, 300e6, 300e6);
        vm.prank(relayer);
        settlement.deposit(c, 300e6, COLLECTOR, data);

        (uint128 balance, uint128 claimed) = _state(id);
        assertEq(balance, 300e6);
        assertEq(claimed, 0);
        assertEq(token.balanceOf(SETTLEMENT), 300e6);
        assertEq(token.balanceOf(payer), FUNDS - 300e6);
        assertEq(token.balanceOf(COLLECTOR), 0);
        assertTrue(token.authorizationState(payer, keccak256(abi.encode(id, uint256(7)))));
    }

    function test_deposit_topUpAddsWithoutRecreating() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        _deposit(c, 100e6);
        vm.recordLogs();
        _deposit(c, 50e6);
        assertEq(vm.getRecordedLogs().length, 4); // Transfer, AuthorizationUsed, Transfer, Deposited: no ChannelCreated
        (uint128 balance,) = _state(_id(c));
        assertEq(balance, 150e6);
    }

    function test_deposit_withdrawDelayBounds() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        c.withdrawDelay = 15 minutes - 1;
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.WithdrawDelayOutOfRange.selector, c.withdrawDelay));
        settlement.deposit(c, 1, COLLECTOR, "");
        c.withdrawDelay = 30 days + 1;
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.WithdrawDelayOutOfRange.selector, c.withdrawDelay));
        settlement.deposit(c, 1, COLLECTOR, "");
        c.withdrawDelay = 15 minutes;
        _deposit(c, 1);
        c.withdrawDelay = 30 days;
        _deposit(c, 1);
    }

    function test_deposit_rejectsZeroReceiverAuthorizerAndZeroAmount() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        vm.expectRevert(IX402BatchSettlement.ZeroAmount.selector);
        settlement.deposit(c, 0, COLLECTOR, "");
        c.receiverAuthorizer = address(0);
        vm.expectRevert(IX402BatchSettlement.InvalidChannelConfig.selector);
        settlement.deposit(c, 1, COLLECTOR, "");
    }

    function test_deposit_authorizationBoundToChannel() public {
        IX402BatchSettlement.ChannelConfig memory a = _config();
        IX402BatchSettlement.ChannelConfig memory b = _config(payer, payerAuthorizer, bytes32(uint256(1)));
        // Signed for channel a, relayed into channel b: the collector derives b's nonce, the signature fails.
        bytes memory data = _collectorData(payerKey, _id(a), 10e6, 0, block.timestamp + 60, 1, COLLECTOR);
        vm.expectRevert(DevnetStablecoin.InvalidAuthorizationSignature.selector);
        settlement.deposit(b, 10e6, COLLECTOR, data);
        settlement.deposit(a, 10e6, COLLECTOR, data);
    }

    function test_deposit_authorizationMustNameCollector() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        bytes memory data = _collectorData(payerKey, _id(c), 10e6, 0, block.timestamp + 60, 1, SETTLEMENT);
        vm.expectRevert(DevnetStablecoin.InvalidAuthorizationSignature.selector);
        settlement.deposit(c, 10e6, COLLECTOR, data);
    }

    function test_deposit_authorizationAmountBound() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        bytes memory data = _collectorData(payerKey, _id(c), 10e6, 0, block.timestamp + 60, 1, COLLECTOR);
        vm.expectRevert(DevnetStablecoin.InvalidAuthorizationSignature.selector);
        settlement.deposit(c, 11e6, COLLECTOR, data);
    }

    function test_deposit_replayedAuthorizationRejected() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        bytes memory data = _collectorData(payerKey, _id(c), 10e6, 0, block.timestamp + 60, 1, COLLECTOR);
        settlement.deposit(c, 10e6, COLLECTOR, data);
        bytes32 nonce = keccak256(abi.encode(_id(c), uint256(1)));
        vm.expectRevert(abi.encodeWithSelector(DevnetStablecoin.AuthorizationAlreadyUsed.selector, payer, nonce));
        settlement.deposit(c, 10e6, COLLECTOR, data);
    }

    function test_deposit_authorizationWindow() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        uint256 t = block.timestamp;
        bytes memory early = _collectorData(payerKey, _id(c), 1e6, t + 10, t + 60, 1, COLLECTOR);
        vm.expectRevert(abi.encodeWithSelector(DevnetStablecoin.AuthorizationNotYetValid.selector, t + 10));
        settlement.deposit(c, 1e6, COLLECTOR, early);
        bytes memory late = _collectorData(payerKey, _id(c), 1e6, 0, t + 60, 2, COLLECTOR);
        vm.warp(t + 60);
        vm.expectRevert(abi.encodeWithSelector(DevnetStablecoin.AuthorizationExpired.selector, t + 60));
        settlement.deposit(c, 1e6, COLLECTOR, late);
    }

    function test_deposit_otherKeyCannotFundPayersChannel() public {
        IX402BatchSettlement.ChannelConfig memory c = _config();
        token.mint(vm.addr(0xBAD), 10e6);
        bytes memory data = _collectorData(0xBAD, _id(c), 10e6, 0, block.timestamp + 60, 1, COLLECTOR);
        vm.expectRevert(DevnetStablecoin.InvalidAuthorizationSignature.selector);
        settlement.deposit(c, 10e6, COLLECTOR, data);
    }

    function test_collector_onlyServesTheChannelContract() public {
        vm.expectRevert(abi.encodeWithSelector(ERC3009DepositCollector.OnlySettlement.selector, relayer));
        vm.prank(relayer);
        collector.collect(payer, address(token), 1, bytes32(0), "");
        assertEq(collector.settlement(), SETTLEMENT);
    }

    function test_deposit_balancePostCheckRejectsShortCollector() public {
        ShortCollector shorty = new ShortCollector(1);
        token.mint(address(shorty), 100e6);
        vm.expectRevert(abi.encodeWithSelector(IX402BatchSettlement.DepositShortfall.selector, 10e6, 10e6 - 1));
        settlement.deposit(_config(), 10e6, address(shorty), "");
    }
}
