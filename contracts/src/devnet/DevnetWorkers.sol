// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { ILayerZeroDVN } from "@layerzerolabs/lz-evm-messagelib-v2/contracts/uln/interfaces/ILayerZeroDVN.sol";
import { ILayerZeroExecutor } from "@layerzerolabs/lz-evm-messagelib-v2/contracts/interfaces/ILayerZeroExecutor.sol";

/// @title DevnetDVN
/// @notice Fee-less send-side DVN for the devnet: SendUln302 assigns it jobs, and slabridge's off-chain relayer does
/// the work by watching the endpoint's PacketSent logs. The receive side lists the relayer's DVN key, not this contract.
contract DevnetDVN is ILayerZeroDVN {
    /// @notice Emitted for every job, so a watcher can follow DVN assignments without decoding ULN internals.
    event DevnetDVNJobAssigned(uint32 dstEid, bytes32 payloadHash, uint64 confirmations, address sender);

    function assignJob(AssignJobParam calldata _param, bytes calldata) external payable returns (uint256 fee) {
        emit DevnetDVNJobAssigned(_param.dstEid, _param.payloadHash, _param.confirmations, _param.sender);
        return 0;
    }

    function getFee(uint32, uint64, address, bytes calldata) external pure returns (uint256 fee) {
        return 0;
    }
}

/// @title DevnetExecutor
/// @notice Fee-less send-side executor for the devnet; the relayer's executor key calls EndpointV2.lzReceive itself.
contract DevnetExecutor is ILayerZeroExecutor {
    function assignJob(uint32, address, uint256, bytes calldata) external pure returns (uint256 price) {
        return 0;
    }

    function getFee(uint32, address, uint256, bytes calldata) external pure returns (uint256 price) {
        return 0;
    }
}
