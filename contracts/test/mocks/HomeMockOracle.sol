// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Stands in for SlaOracle where a test only needs `hasVerdict`.
contract HomeMockOracle {
    mapping(uint256 => mapping(uint64 => bool)) public hasVerdict;

    function setVerdict(uint256 modelId, uint64 epoch, bool recorded) external {
        hasVerdict[modelId][epoch] = recorded;
    }
}
