// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { TestHelperOz5 } from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { SendParam } from "@layerzerolabs/oft-evm/contracts/interfaces/IOFT.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { DevnetStablecoin } from "../../src/devnet/DevnetStablecoin.sol";

/// @notice DevnetStablecoin as an OFT between two endpoints of LayerZero's test-devtools (TestHelperOz5).
contract DevnetStablecoinTest is TestHelperOz5 {
    using OptionsBuilder for bytes;

    uint32 internal constant A_EID = 1;
    uint32 internal constant B_EID = 2;

    DevnetStablecoin internal coinA;
    DevnetStablecoin internal coinB;
    address internal vault = makeAddr("vault");
    address internal payee = makeAddr("payee");

    function setUp() public override {
        super.setUp();
        setUpEndpoints(2, LibraryType.UltraLightNode);
        coinA = new DevnetStablecoin("Devnet USD", "dUSD", endpoints[A_EID], address(this));
        coinB = new DevnetStablecoin("Devnet USD", "dUSD", endpoints[B_EID], address(this));
        address[] memory oapps = new address[](2);
        oapps[0] = address(coinA);
        oapps[1] = address(coinB);
        wireOApps(oapps);
        coinA.mint(vault, 1_000e6);
        vm.deal(vault, 1 ether);
    }

    function test_decimals_isSix() public view {
        assertEq(coinA.decimals(), 6);
        assertEq(coinA.decimalConversionRate(), 1);
    }

    function test_mint_onlyOwner() public {
        vm.prank(payee);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, payee));
        coinA.mint(payee, 1);
    }

    function test_send_burnsOnSourceAndMintsOnDestination() public {
        uint256 amount = 123_456_789;
        SendParam memory param = _param(amount);
        MessagingFee memory fee = coinA.quoteSend(param, false);

        vm.prank(vault);
        coinA.send{ value: fee.nativeFee }(param, fee, vault);
        assertEq(coinA.totalSupply(), 1_000e6 - amount);
        assertEq(coinB.totalSupply(), 0);

        verifyPackets(B_EID, address(coinB));
        assertEq(coinB.balanceOf(payee), amount);
        assertEq(coinA.totalSupply() + coinB.totalSupply(), 1_000e6);
    }

    function test_fuzz_send_conservesSupply(uint256 amount) public {
        amount = bound(amount, 1, 1_000e6);
        SendParam memory param = _param(amount);
        MessagingFee memory fee = coinA.quoteSend(param, false);
        vm.prank(vault);
        coinA.send{ value: fee.nativeFee }(param, fee, vault);
        verifyPackets(B_EID, address(coinB));
        assertEq(coinB.balanceOf(payee), amount);
        assertEq(coinA.balanceOf(vault), 1_000e6 - amount);
        assertEq(coinA.totalSupply() + coinB.totalSupply(), 1_000e6);
    }

    function _param(uint256 amount) internal view returns (SendParam memory) {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(200_000, 0);
        return SendParam(B_EID, addressToBytes32(payee), amount, amount, options, "", "");
    }
}
