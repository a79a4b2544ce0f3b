// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IMessenger } from "../interfaces/IMessenger.sol";
import { IWormhole } from "../interfaces/IWormhole.sol";
import { IWormholeMessenger } from "../interfaces/IWormholeMessenger.sol";
import { MessageCodec } from "../libraries/MessageCodec.sol";
import { MessengerBase } from "./MessengerBase.sol";

/// @title WormholeMessenger
/// @notice slabridge's Wormhole transport: publishes `uint32 dstChain || message` through the core and delivers
/// guardian-signed VAAs from allowlisted emitters that name this chain, each VAA once.
contract WormholeMessenger is IWormholeMessenger, MessengerBase {
    /// @dev Wormhole's chain id of Solana.
    uint16 internal constant WORMHOLE_SOLANA = 1;
    /// @dev Bytes of the destination prefix of a payload.
    uint256 internal constant DST_LENGTH = 4;

    /// @inheritdoc IWormholeMessenger
    IWormhole public immutable core;
    /// @inheritdoc IWormholeMessenger
    uint8 public immutable consistencyLevel;
    /// @inheritdoc IWormholeMessenger
    uint32 public immutable thisChain;
    /// @dev This chain's Wormhole chain id, read once from the core (part of every message id).
    uint16 internal immutable _whChain;

    /// @inheritdoc IWormholeMessenger
    mapping(uint16 whChain => bytes32 emitter) public emitters;

    constructor(address owner_, IWormhole core_, uint8 consistencyLevel_, uint32 thisChain_) Ownable(owner_) {
        core = core_;
        consistencyLevel = consistencyLevel_;
        thisChain = thisChain_;
        _whChain = core_.chainId();
    }

    /// @inheritdoc IWormholeMessenger
    /// @dev Wormhole chain 1 is Solana and only maps to MessageCodec.SOLANA_CHAIN_ID (and back), so a Solana VAA
    /// can never be attributed to an EVM chain.
    function setEmitter(uint16 whChain, bytes32 emitter, uint32 chainId) external onlyOwner {
        if ((whChain == WORMHOLE_SOLANA) != (chainId == MessageCodec.SOLANA_CHAIN_ID)) {
            revert InvalidTransportChain(whChain);
        }
        emitters[whChain] = emitter;
        if (emitter == bytes32(0)) {
            uint32 mapped = chainOfTransport[whChain];
            if (mapped != 0) _setChain(mapped, 0);
        } else {
            _setChain(chainId, whChain);
        }
        emit EmitterSet(whChain, emitter, chainId);
    }

    /// @inheritdoc IMessenger
    function quote(uint32 dstChain, bytes calldata message) external view returns (uint256 nativeFee) {
        _checkOutgoing(dstChain, message);
        return core.messageFee();
    }

    /// @inheritdoc IMessenger
    /// @dev Pays core.messageFee() and returns any excess of msg.value to the caller.
    function send(uint32 dstChain, bytes calldata message) external payable onlySender returns (bytes32 messageId) {
        _checkOutgoing(dstChain, message);
        uint256 fee = core.messageFee();
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        uint64 sequence = core.publishMessage{ value: fee }(0, abi.encodePacked(dstChain, message), consistencyLevel);
        messageId = _messageId(_whChain, bytes32(uint256(uint160(address(this)))), sequence);
        emit MessageSent(dstChain, messageId, message);
        if (msg.value > fee) {
            uint256 excess = msg.value - fee;
            (bool ok,) = msg.sender.call{ value: excess }("");
            if (!ok) revert RefundFailed(msg.sender, excess);
        }
    }

    /// @inheritdoc IWormholeMessenger
    function receiveVaa(bytes calldata encodedVm) external {
        IWormhole.VM memory vm = _verify(encodedVm);

        bytes32 trusted = emitters[vm.emitterChainId];
        uint32 srcChain = chainOfTransport[vm.emitterChainId];
        if (trusted == bytes32(0) || trusted != vm.emitterAddress || srcChain == 0) {
            revert UntrustedPeer(vm.emitterChainId, vm.emitterAddress);
        }

        bytes memory payload = vm.payload;
        if (payload.length < DST_LENGTH) revert MalformedPayload(payload.length);
        uint32 dstChain;
        assembly ("memory-safe") {
            dstChain := shr(224, mload(add(payload, 32)))
        }
        if (dstChain != thisChain) revert WrongDestination(dstChain);

        bytes memory message = new bytes(payload.length - DST_LENGTH);
        assembly ("memory-safe") {
            mcopy(add(message, 32), add(payload, add(32, DST_LENGTH)), mload(message))
        }
        _deliver(srcChain, vm.hash, _messageId(vm.emitterChainId, vm.emitterAddress, vm.sequence), message);
    }

    /// @dev The core reverts (rather than returning invalid) on some malformed encodings; both become InvalidVaa.
    function _verify(bytes calldata encodedVm) internal view returns (IWormhole.VM memory vm) {
        bool valid;
        string memory reason;
        try core.parseAndVerifyVM(encodedVm) returns (IWormhole.VM memory vm_, bool valid_, string memory reason_) {
            (vm, valid, reason) = (vm_, valid_, reason_);
        } catch Error(string memory err) {
            revert InvalidVaa(err);
        } catch {
            revert InvalidVaa("unparsable VAA");
        }
        if (!valid) revert InvalidVaa(reason);
    }

    function _messageId(uint16 emitterChain, bytes32 emitter, uint64 sequence) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(emitterChain, emitter, sequence));
    }

    function _checkTransportChain(uint32 whChain) internal pure override {
        if (whChain == 0 || whChain > type(uint16).max) revert InvalidTransportChain(whChain);
    }
}
