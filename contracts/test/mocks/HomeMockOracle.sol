// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Verdict } from "../../src/types/ModelTypes.sol";

/// @notice Stands in for SlaOracle where a test only needs `hasVerdict` and `verdictOf`.
contract HomeMockOracle {
    mapping(uint256 => mapping(uint64 => bool)) public hasVerdict;
    mapping(uint256 => mapping(uint64 => Verdict)) private _verdicts;

    function setVerdict(uint256 modelId, uint64 epoch, bool recorded) external {
        hasVerdict[modelId][epoch] = recorded;
        _verdicts[modelId][epoch].recordedAt = recorded ? uint64(block.timestamp) : 0;
    }

    /// @notice Records a verdict refunding `refundBps`.
    function setRefund(uint256 modelId, uint64 epoch, uint16 refundBps) external {
        hasVerdict[modelId][epoch] = true;
        _verdicts[modelId][epoch] =
            Verdict(refundBps, uint64(block.timestamp), keccak256(abi.encode(modelId, epoch)), bytes32(0));
    }

    function verdictOf(uint256 modelId, uint64 epoch) external view returns (Verdict memory) {
        return _verdicts[modelId][epoch];
    }
}
