// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { OFT } from "@layerzerolabs/oft-evm/contracts/OFT.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DevnetStablecoin
/// @notice A 6-decimals USDT0-style stand-in for the local devnet: one token on every EVM chain, a LayerZero OFT
/// (`send` burns on the source chain, the peer mints on `lzReceive`), and the owner mints freely. Never deployed
/// outside a devnet.
/// @dev Shared decimals equal local decimals (6), so no amount loses dust when it crosses chains.
contract DevnetStablecoin is OFT {
    /// @param endpoint_ This chain's LayerZero EndpointV2.
    /// @param owner_ Owner (the only minter) and the OApp's delegate on the endpoint (peers, options, configs).
    constructor(string memory name_, string memory symbol_, address endpoint_, address owner_)
        OFT(name_, symbol_, endpoint_, owner_)
        Ownable(owner_)
    { }

    /// @notice USDC/USDT-style precision, so amounts in tests read like production amounts.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` base units to `to`.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
