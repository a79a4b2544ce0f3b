// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IERC3009
/// @notice The ERC-3009 calls slabridge's deposit collector and devnet stablecoin use, as USDC (FiatToken v2.2) has
/// them: transfers authorized by an EIP-712 signature of `from` with a random 32-byte nonce used once.
interface IERC3009 {
    /// @notice The authorization `nonce` of `authorizer` was used.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    /// @notice Whether `authorizer` has used `nonce`.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);

    /// @notice Anyone may submit `from`'s signed `TransferWithAuthorization`.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice Only `to` may submit `from`'s signed `ReceiveWithAuthorization` (so a relayer can't front-run it
    /// into a plain transfer that skips the payee's own bookkeeping).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;
}
