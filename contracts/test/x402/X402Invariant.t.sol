// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { IX402BatchSettlement } from "../../src/x402/IX402BatchSettlement.sol";
import { X402Fixture } from "./X402Fixture.sol";

/// @notice Drives three channels of one payer and receiver through random deposits, claims, settles, refunds and
/// timed withdrawals.
contract X402Handler is X402Fixture {
    IX402BatchSettlement.ChannelConfig[3] internal configs;

    constructor() {
        setUp();
        for (uint256 i = 0; i < 3; ++i) {
            configs[i] = _config(payer, payerAuthorizer, bytes32(i));
        }
    }

    function channel(uint256 i) public view returns (IX402BatchSettlement.ChannelConfig memory) {
        return configs[i];
    }

    function deposit(uint256 i, uint128 amount) external {
        uint256 funds = token.balanceOf(payer);
        if (funds == 0) return;
        _deposit(configs[i % 3], uint128(bound(amount, 1, funds < 50e6 ? funds : 50e6)));
    }

    function claim(uint256 i, uint128 total) external {
        (uint128 balance, uint128 claimed) = _state(_id(configs[i % 3]));
        if (balance == claimed) return;
        total = uint128(bound(total, claimed + 1, balance));
        _claim(configs[i % 3], total, total);
    }

    function settle() external {
        settlement.settle(receiver, address(token));
    }

    function refund(uint256 i, uint128 amount) external {
        vm.prank(receiver);
        settlement.refund(configs[i % 3], uint128(bound(amount, 1, 100e6)));
    }

    function withdraw(uint256 i, uint128 amount) external {
        IX402BatchSettlement.ChannelConfig memory c = configs[i % 3];
        (uint128 balance, uint128 claimed) = _state(_id(c));
        if (balance == claimed) return;
        vm.prank(payer);
        settlement.initiateWithdraw(c, uint128(bound(amount, 1, balance - claimed)));
        vm.warp(block.timestamp + DELAY);
        vm.prank(payerAuthorizer);
        settlement.finalizeWithdraw(c);
    }
}

/// @notice What the binding implies about money: the contract holds exactly the channels' balances minus what was
/// settled, the receiver's claimed total is the sum of its channels' claims, no channel claims more than its
/// balance, and no token appears or disappears.
contract X402InvariantTest is Test {
    X402Handler internal handler;

    function setUp() public {
        handler = new X402Handler();
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = X402Handler.deposit.selector;
        selectors[1] = X402Handler.claim.selector;
        selectors[2] = X402Handler.settle.selector;
        selectors[3] = X402Handler.refund.selector;
        selectors[4] = X402Handler.withdraw.selector;
        targetSelector(FuzzSelector({ addr: address(handler), selectors: selectors }));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 32
    /// forge-config: ci.invariant.runs = 32
    /// forge-config: ci.invariant.depth = 32
    function invariant_heldEqualsBalancesMinusSettled() public view {
        IX402BatchSettlement settlement = IX402BatchSettlement(0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003);
        IX402BatchSettlement.ChannelConfig memory c = handler.channel(0);
        address token = c.token;
        uint256 balances;
        uint256 claims;
        for (uint256 i = 0; i < 3; ++i) {
            (uint128 balance, uint128 claimed) = settlement.channels(settlement.getChannelId(handler.channel(i)));
            assertLe(claimed, balance);
            balances += balance;
            claims += claimed;
        }
        (uint128 rClaimed, uint128 rSettled) = settlement.receivers(c.receiver, token);
        assertEq(rClaimed, claims);
        uint256 held = IERC20Like(token).balanceOf(address(settlement));
        assertEq(held, balances - rSettled);
        assertEq(held + IERC20Like(token).balanceOf(c.payer) + IERC20Like(token).balanceOf(c.receiver), 1_000e6);
    }
}

interface IERC20Like {
    function balanceOf(address) external view returns (uint256);
}
