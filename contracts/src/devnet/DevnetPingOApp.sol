// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { OApp, Origin, MessagingFee, MessagingReceipt } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// @title DevnetPingOApp
/// @notice The smallest OApp that proves a devnet pathway end to end: `ping` sends bytes, `_lzReceive` records them.
contract DevnetPingOApp is OApp {
    /// @notice Number of messages received.
    uint256 public received;
    /// @notice The last message received and where it came from.
    bytes public lastMessage;
    uint32 public lastSrcEid;
    bytes32 public lastSender;
    uint64 public lastNonce;

    event Pinged(uint32 indexed dstEid, bytes32 guid, uint64 nonce, bytes message);
    event Ponged(uint32 indexed srcEid, bytes32 guid, uint64 nonce, bytes message);

    constructor(address endpoint_, address owner_) OApp(endpoint_, owner_) Ownable(owner_) { }

    /// @notice Quotes the native fee for `ping` (zero with the devnet's fee-less workers).
    function quotePing(uint32 dstEid, bytes calldata message, bytes calldata options) external view returns (uint256) {
        return _quote(dstEid, message, options, false).nativeFee;
    }

    /// @notice Sends `message` to this OApp's peer on `dstEid`; `options` are LayerZero type-3 options.
    function ping(uint32 dstEid, bytes calldata message, bytes calldata options)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        receipt = _lzSend(dstEid, message, options, MessagingFee(msg.value, 0), payable(msg.sender));
        emit Pinged(dstEid, receipt.guid, receipt.nonce, message);
    }

    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        received += 1;
        lastMessage = message;
        lastSrcEid = origin.srcEid;
        lastSender = origin.sender;
        lastNonce = origin.nonce;
        emit Ponged(origin.srcEid, guid, origin.nonce, message);
    }
}
