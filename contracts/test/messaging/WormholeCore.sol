// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Vm } from "forge-std/Vm.sol";
import { IWormhole } from "../../src/interfaces/IWormhole.sol";

/// @notice Deploys the real Wormhole core (Setup + Implementation behind the Wormhole proxy) from the bytecode that
/// tools/fetch-wormhole.mjs extracts from the certusone wormhole-sdk npm tarball into wormhole-artifacts/.
library WormholeCore {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Wormhole mainnet governance: chain 1 (Solana), contract 0x…04.
    uint16 internal constant GOVERNANCE_CHAIN = 1;
    bytes32 internal constant GOVERNANCE_CONTRACT = bytes32(uint256(4));

    /// @notice A core whose guardian set 0 is `guardians`, with Wormhole chain id `whChain`.
    function deploy(address[] memory guardians, uint16 whChain) internal returns (IWormhole core) {
        address setup = _create(VM.getCode("wormhole-artifacts/Setup.json"));
        address implementation = _create(VM.getCode("wormhole-artifacts/Implementation.json"));
        bytes memory init = abi.encodeWithSignature(
            "setup(address,address[],uint16,uint16,bytes32,uint256)",
            implementation,
            guardians,
            whChain,
            GOVERNANCE_CHAIN,
            GOVERNANCE_CONTRACT,
            block.chainid
        );
        core = IWormhole(_create(bytes.concat(VM.getCode("wormhole-artifacts/Wormhole.json"), abi.encode(setup, init))));
    }

    /// @notice A core with a single guardian.
    function deploy(address guardian, uint16 whChain) internal returns (IWormhole core) {
        address[] memory guardians = new address[](1);
        guardians[0] = guardian;
        return deploy(guardians, whChain);
    }

    function _create(bytes memory initCode) private returns (address addr) {
        assembly ("memory-safe") {
            addr := create(0, add(initCode, 32), mload(initCode))
        }
        require(addr != address(0) && addr.code.length > 0, "WormholeCore: deploy failed");
    }
}
