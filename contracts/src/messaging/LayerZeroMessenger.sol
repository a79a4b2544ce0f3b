// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { OApp, Origin, MessagingFee } from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import { OAppOptionsType3 } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OAppOptionsType3.sol";
import { IMessenger } from "../interfaces/IMessenger.sol";
import { ILayerZeroMessenger } from "../interfaces/ILayerZeroMessenger.sol";
import { MessengerBase } from "./MessengerBase.sol";

/// @title LayerZeroMessenger
/// @notice slabridge's LayerZero V2 transport. Peers (`setPeer`) are slabridge's LayerZeroMessengers on other chains;
/// the endpoint only calls `lzReceive` for verified packets and OApp checks the packet's sender is the peer.
contract LayerZeroMessenger is ILayerZeroMessenger, MessengerBase, OApp, OAppOptionsType3 {
    /// @notice The enforced-options message type of every slabridge message.
    uint16 public constant MSG_TYPE_SEND = 1;

    /// @param endpoint_ This chain's LayerZero EndpointV2
    /// @param owner_ Owner of the messenger and its delegate at the endpoint (library / DVN configuration)
    constructor(address endpoint_, address owner_) OApp(endpoint_, owner_) Ownable(owner_) { }

    /// @inheritdoc ILayerZeroMessenger
    function setChain(uint32 chainId, uint32 eid) external onlyOwner {
        _setChain(chainId, eid);
    }

    /// @inheritdoc IMessenger
    function quote(uint32 dstChain, bytes calldata message) external view returns (uint256 nativeFee) {
        uint32 eid = _checkOutgoing(dstChain, message);
        return _quote(eid, message, _options(eid), false).nativeFee;
    }

    /// @inheritdoc IMessenger
    /// @dev Pays the whole msg.value as native fee; the endpoint refunds the excess to the caller.
    function send(uint32 dstChain, bytes calldata message) external payable onlySender returns (bytes32 messageId) {
        uint32 eid = _checkOutgoing(dstChain, message);
        messageId = _lzSend(eid, message, _options(eid), MessagingFee(msg.value, 0), msg.sender).guid;
        emit MessageSent(dstChain, messageId, message);
    }

    /// @dev Reached only through OAppReceiver.lzReceive: caller is the endpoint and origin.sender is the peer.
    /// The endpoint never executes a packet twice; the GUID mark is a second line should it ever do so.
    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        uint32 srcChain = chainOfTransport[origin.srcEid];
        if (srcChain == 0) revert UntrustedPeer(origin.srcEid, origin.sender);
        _deliver(srcChain, guid, guid, message);
    }

    function _options(uint32 eid) internal view returns (bytes memory options) {
        options = enforcedOptions[eid][MSG_TYPE_SEND];
        if (options.length == 0) revert MissingOptions(eid);
    }

    function _checkTransportChain(uint32 eid) internal pure override {
        if (eid == 0) revert InvalidTransportChain(eid);
    }

    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) {
        super.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        super._transferOwnership(newOwner);
    }
}
