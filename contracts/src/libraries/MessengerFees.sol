// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IMessenger } from "../interfaces/IMessenger.sol";

/// @title MessengerFees
/// @notice Sends through a messenger paying exactly its quoted fee and returns the rest of msg.value to the caller.
/// @dev Messengers refund overpayment to their caller; slabridge's contracts hold no ETH and have no receive(), so
/// they must never overpay: the change goes straight back to whoever paid.
library MessengerFees {
    /// @notice msg.value does not cover the messenger's quote.
    error InsufficientMessagingFee(uint256 required, uint256 provided);
    /// @notice The change could not be returned to the caller.
    error FeeRefundFailed(address to, uint256 amount);

    function sendPayingQuote(IMessenger messenger, uint32 dstChain, bytes memory message)
        internal
        returns (bytes32 messageId)
    {
        uint256 fee = messenger.quote(dstChain, message);
        if (msg.value < fee) revert InsufficientMessagingFee(fee, msg.value);
        messageId = messenger.send{ value: fee }(dstChain, message);
        uint256 change = msg.value - fee;
        if (change > 0) {
            (bool ok,) = msg.sender.call{ value: change }("");
            if (!ok) revert FeeRefundFailed(msg.sender, change);
        }
    }
}
