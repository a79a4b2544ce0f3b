// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IWormhole
/// @notice The part of the Wormhole core bridge slabridge uses, written from the core's public ABI.
interface IWormhole {
    /// @notice One guardian signature inside a VAA.
    struct Signature {
        bytes32 r;
        bytes32 s;
        uint8 v;
        uint8 guardianIndex;
    }

    /// @notice A parsed VAA (verified action approval).
    /// @dev `hash` is keccak256(keccak256(body)), the digest the guardians sign.
    struct VM {
        uint8 version;
        uint32 timestamp;
        uint32 nonce;
        uint16 emitterChainId;
        bytes32 emitterAddress;
        uint64 sequence;
        uint8 consistencyLevel;
        bytes payload;
        uint32 guardianSetIndex;
        Signature[] signatures;
        bytes32 hash;
    }

    /// @notice Emitted by the core for every published message; guardians observe it and sign the VAA.
    event LogMessagePublished(
        address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel
    );

    /// @notice Publishes `payload` as the caller (the emitter); pays `messageFee()` in native currency.
    /// @return sequence The emitter's sequence number of this message.
    function publishMessage(uint32 nonce, bytes memory payload, uint8 consistencyLevel)
        external
        payable
        returns (uint64 sequence);

    /// @notice Parses `encodedVM` and checks its signatures against the guardian set it names.
    /// @return vm The parsed VAA
    /// @return valid Whether the signatures reach quorum of a current (or unexpired) guardian set
    /// @return reason Why the VAA is invalid, empty when valid
    function parseAndVerifyVM(bytes calldata encodedVM)
        external
        view
        returns (VM memory vm, bool valid, string memory reason);

    /// @notice The native fee `publishMessage` requires.
    function messageFee() external view returns (uint256);

    /// @notice This core's Wormhole chain id.
    function chainId() external view returns (uint16);
}
