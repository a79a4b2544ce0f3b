// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "./IMessenger.sol";
import { IMessengerConfig } from "./IMessengerConfig.sol";

/// @title ILayerZeroMessenger
/// @notice slabridge's LayerZero V2 transport: an OApp whose peers (`setPeer`) are slabridge's messengers on other
/// chains and whose executor options come from the owner's enforced options (`setEnforcedOptions`, msg type SEND).
interface ILayerZeroMessenger is IMessenger, IMessengerConfig {
    /// @notice No enforced options are set for `eid`; without an lzReceive gas limit the executor cannot deliver.
    error MissingOptions(uint32 eid);

    /// @notice Maps slabridge chain `chainId` to LayerZero endpoint id `eid` (both ways); `eid` 0 unmaps it.
    function setChain(uint32 chainId, uint32 eid) external;
}
