// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { MessageCodec } from "../../src/libraries/MessageCodec.sol";

/// @notice Exposes MessageCodec's calldata decoders to tests.
contract HomeCodecHarness {
    function decodeModelListing(bytes calldata m) external pure returns (MessageCodec.ModelListing memory) {
        return MessageCodec.decodeModelListing(m);
    }

    function decodeVerdict(bytes calldata m) external pure returns (MessageCodec.Verdict memory) {
        return MessageCodec.decodeVerdict(m);
    }

    function decodePayout(bytes calldata m) external pure returns (MessageCodec.Payout memory) {
        return MessageCodec.decodePayout(m);
    }
}
