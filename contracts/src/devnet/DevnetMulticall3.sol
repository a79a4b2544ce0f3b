// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title DevnetMulticall3
/// @notice slabridge's minimal stand-in for Multicall3's `tryAggregate`, which the x402 SDK's facilitator reads
/// channel state through at Multicall3's usual address (0xcA11bde05977b3631167028862bE2a173976CA11). Anvil has no
/// Multicall3, so the devnet places this runtime code there (`anvil_setCode`). Never deployed outside a devnet.
contract DevnetMulticall3 {
    /// @notice One call: its target and calldata.
    struct Call {
        address target;
        bytes callData;
    }

    /// @notice One call's outcome.
    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice A call failed while `requireSuccess` was set.
    error CallFailed(uint256 index);

    /// @notice Runs `calls` in order; a failing call reverts all only when `requireSuccess` is set.
    function tryAggregate(bool requireSuccess, Call[] calldata calls)
        external
        payable
        returns (Result[] memory returnData)
    {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory data) = calls[i].target.call(calls[i].callData);
            if (requireSuccess && !success) revert CallFailed(i);
            returnData[i] = Result(success, data);
        }
    }
}
