// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { OFT } from "@layerzerolabs/oft-evm/contracts/OFT.sol";
import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { EIP712 } from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import { SignatureChecker } from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import { IERC3009 } from "../x402/IERC3009.sol";

/// @title DevnetStablecoin
/// @notice A 6-decimals USDT0-style stand-in for the local devnet: one token on every EVM chain, a LayerZero OFT
/// (`send` burns on the source chain, the peer mints on `lzReceive`), and the owner mints freely. It also has USDC's
/// ERC-3009 (`transferWithAuthorization`, `receiveWithAuthorization`; EIP-712 domain: the token's name, version
/// "2"), which x402 deposits are pulled with. Never deployed outside a devnet.
/// @dev Shared decimals equal local decimals (6), so no amount loses dust when it crosses chains. Signatures are
/// checked with SignatureChecker (ECDSA, or EIP-1271 for a contract `from`), as FiatToken v2.2 does.
contract DevnetStablecoin is OFT, EIP712, IERC3009 {
    /// @notice keccak256 of USDC's `TransferWithAuthorization` EIP-712 type string.
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice keccak256 of USDC's `ReceiveWithAuthorization` EIP-712 type string.
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    mapping(address authorizer => mapping(bytes32 nonce => bool used)) private _authorizations;

    /// @notice The authorization is not valid yet (`block.timestamp <= validAfter`).
    error AuthorizationNotYetValid(uint256 validAfter);
    /// @notice The authorization has expired (`block.timestamp >= validBefore`).
    error AuthorizationExpired(uint256 validBefore);
    /// @notice `authorizer` has used this nonce before.
    error AuthorizationAlreadyUsed(address authorizer, bytes32 nonce);
    /// @notice The signature is not `from`'s over this authorization (ECDSA or EIP-1271).
    error InvalidAuthorizationSignature();
    /// @notice `receiveWithAuthorization` was called by someone other than the payee.
    error CallerMustBePayee(address caller, address payee);

    /// @param endpoint_ This chain's LayerZero EndpointV2.
    /// @param owner_ Owner (the only minter) and the OApp's delegate on the endpoint (peers, options, configs).
    constructor(string memory name_, string memory symbol_, address endpoint_, address owner_)
        OFT(name_, symbol_, endpoint_, owner_)
        Ownable(owner_)
        EIP712(name_, "2")
    { }

    /// @notice USDC/USDT-style precision, so amounts in tests read like production amounts.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` base units to `to`.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice The EIP-712 domain separator the ERC-3009 authorizations are signed under.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IERC3009
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizations[authorizer][nonce];
    }

    /// @inheritdoc IERC3009
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        _useAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature
        );
        _transfer(from, to, value);
    }

    /// @notice `transferWithAuthorization` with the signature split (USDC's original form).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _useAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
        _transfer(from, to, value);
    }

    /// @inheritdoc IERC3009
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        if (msg.sender != to) revert CallerMustBePayee(msg.sender, to);
        _useAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature
        );
        _transfer(from, to, value);
    }

    /// @notice `receiveWithAuthorization` with the signature split (USDC's original form).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (msg.sender != to) revert CallerMustBePayee(msg.sender, to);
        _useAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
        _transfer(from, to, value);
    }

    /// @dev Checks the time window, the nonce and `from`'s signature, then marks the nonce used.
    function _useAuthorization(
        bytes32 typehash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) revert AuthorizationNotYetValid(validAfter);
        if (block.timestamp >= validBefore) revert AuthorizationExpired(validBefore);
        if (_authorizations[from][nonce]) revert AuthorizationAlreadyUsed(from, nonce);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(typehash, from, to, value, validAfter, validBefore, nonce)));
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidAuthorizationSignature();
        _authorizations[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
    }
}
