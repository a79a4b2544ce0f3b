// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IModelRegistry } from "./IModelRegistry.sol";
import { IRevenueLedger } from "./IRevenueLedger.sol";
import { ISlaOracle } from "./ISlaOracle.sol";

/// @title IHostBond
/// @notice Host bonds on the home chain. Anyone may bond stablecoin behind a model; for every covered epoch whose
/// verdict refunds buyers, part of the bond is slashed and goes to that epoch's buyers on every payment chain, on top
/// of their refunds (the Verdict message's `topUp`).
///
/// Coverage: a bond covers the epochs from `coveredFrom` (the epoch of its first deposit) up to, not including,
/// `unlockEpoch` (set by `requestUnlock` to `currentEpoch + noticeEpochs`; none until then). Each epoch is settled
/// once, after it ended: with a recorded verdict of `refundBps > 0` the slash is
/// `min(bond * slashBps / 10_000, totalPaid * (10_000 - refundBps) / 10_000)`, where `totalPaid` is what every
/// payment chain reported to the RevenueLedger (so the buyers never get more than they paid); it is split among the
/// payment chains by their revenue (the last chain with revenue takes the rounding dust) and transferred to the home
/// netting vault, which advances each chain's top-up. An epoch without a verdict settles with no slash once the
/// payment chains' no-verdict escape has opened (buyers take their money back there), an uncovered epoch at once.
/// The bond can be withdrawn by the Model NFT's owner once the notice is over and every covered epoch is settled.
interface IHostBond {
    // ---------------------------------------------------------------- types

    /// @notice A model's bond.
    struct Bond {
        uint128 amount; // what is left of the deposits after slashes
        uint64 coveredFrom; // first covered epoch (the epoch of the first deposit)
        uint64 unlockEpoch; // first epoch no longer covered; 0 while no unlock was requested
        uint64 nextUnsettled; // every epoch in [coveredFrom, nextUnsettled) is settled
        bool bonded; // a deposit was made and not withdrawn since
    }

    // ---------------------------------------------------------------- errors

    /// @notice A zero address where one is not allowed.
    error ZeroAddress();
    /// @notice slashBps is 0 or above 10,000.
    error InvalidSlashBps(uint16 slashBps);
    /// @notice noticeEpochs is 0 (the epoch running at the request must stay covered).
    error ZeroNotice();
    /// @notice A deposit of 0.
    error ZeroAmount();
    /// @notice The payment chain list has a zero or repeated chain id, or more than MAX_PAYMENT_CHAINS.
    error InvalidPaymentChains();
    /// @notice The caller does not own the Model NFT.
    error NotModelOwner(uint256 modelId, address caller);
    /// @notice The model has no bond.
    error NoBond(uint256 modelId);
    /// @notice An unlock of the model's bond was requested: no deposits, no second request.
    error UnlockPending(uint256 modelId, uint64 unlockEpoch);
    /// @notice `withdraw` before `requestUnlock`.
    error UnlockNotRequested(uint256 modelId);
    /// @notice `withdraw` before epoch `unlockEpoch` began.
    error NoticeNotOver(uint256 modelId, uint64 unlockEpoch);
    /// @notice `withdraw` while covered epochs from `nextUnsettled` on are not settled yet.
    error EpochsOpen(uint256 modelId, uint64 nextUnsettled);
    /// @notice The epoch has not ended yet, so it cannot be settled.
    error EpochNotOver(uint256 modelId, uint64 epoch, uint256 epochEnd);
    /// @notice The epoch has no verdict and the payment chains' no-verdict escape has not opened yet.
    error VerdictPending(uint256 modelId, uint64 epoch);
    /// @notice The verdict refunds buyers and the bond has something to slash, but `chain` has not reported all its
    /// receipts of the epoch yet.
    error ReceiptsIncomplete(uint256 modelId, uint64 epoch, uint32 chain);
    /// @notice The registry has no (EVM) netting vault for `chain`, where slashes are paid.
    error NoNettingVault(uint32 chain);

    // ---------------------------------------------------------------- events

    /// @notice The owner set the payment chains (every chain verdicts are published to).
    event PaymentChainsSet(uint32[] chains);
    /// @notice `from` added `amount` to the model's bond, which now holds `balance`.
    event BondDeposited(uint256 indexed modelId, address indexed from, uint256 amount, uint256 balance);
    /// @notice The model's owner asked to unlock the bond: epochs from `unlockEpoch` on are not covered.
    event UnlockRequested(uint256 indexed modelId, address indexed by, uint64 unlockEpoch);
    /// @notice The model's owner took the whole remaining bond (`amount`) to `to`; the bond is reset.
    event BondWithdrawn(uint256 indexed modelId, address indexed to, uint256 amount);
    /// @notice The (model, epoch) is settled with `slashed` taken from the bond (0: none). Emitted once per epoch.
    event EpochSettled(uint256 indexed modelId, uint64 indexed epoch, uint256 slashed);
    /// @notice `amount` of the model's bond was slashed for `epoch` and paid to the home netting vault.
    event Slashed(uint256 indexed modelId, uint64 indexed epoch, uint256 amount);
    /// @notice `amount` of the epoch's slash goes to the buyers on `chain` (the Verdict message's `topUp` there).
    event TopUpAssigned(uint256 indexed modelId, uint64 indexed epoch, uint32 indexed chain, uint256 amount);

    // ---------------------------------------------------------------- owner

    /// @notice Sets the slabridge chain ids of every chain holding escrow (EVM chain ids and
    /// `MessageCodec.SOLANA_CHAIN_ID`): every chain verdicts are published to. A slash needs every one's receipts
    /// and is split among them. Owner only.
    function setPaymentChains(uint32[] calldata chains) external;

    // ---------------------------------------------------------------- hosts

    /// @notice Adds `amount` of `token()` (pulled from the caller, who approved it) to the model's bond. Anyone may
    /// deposit; the first deposit of a bond makes it cover the current epoch on. Reverts `UnlockPending` once an
    /// unlock was requested.
    function deposit(uint256 modelId, uint256 amount) external;

    /// @notice Stops coverage from `currentEpoch + noticeEpochs` on. Model NFT owner only, once per bond.
    function requestUnlock(uint256 modelId) external;

    /// @notice Pays the whole remaining bond to `to` and resets the model's bond, once the unlock epoch began and
    /// every covered epoch is settled. Model NFT owner only.
    /// @return amount what was paid
    function withdraw(uint256 modelId, address to) external returns (uint256 amount);

    // ---------------------------------------------------------------- settlement

    /// @notice Settles the (model, epoch) (see the contract notes). Anyone may call; a second call is a no-op that
    /// returns the recorded slash, so an epoch is never slashed twice. Reverts `EpochNotOver`, `VerdictPending`,
    /// `ReceiptsIncomplete` or `NoNettingVault` when it cannot settle yet.
    /// @return slashed what the epoch took from the bond
    function settle(uint256 modelId, uint64 epoch) external returns (uint256 slashed);

    /// @notice Settles the (model, epoch) if not yet settled and returns the top-up of `chain`'s buyers (0 for a
    /// chain that is not a payment chain). The SlaOracle calls it when it publishes a verdict.
    function topUpFor(uint256 modelId, uint64 epoch, uint32 chain) external returns (uint96);

    // ---------------------------------------------------------------- views

    /// @notice The model's bond.
    function bondOf(uint256 modelId) external view returns (Bond memory);
    /// @notice Whether the (model, epoch) is settled, and what it took from the bond.
    function slashOf(uint256 modelId, uint64 epoch) external view returns (bool settled, uint256 amount);
    /// @notice The top-up of `chain`'s buyers for the (model, epoch) (0 until settled).
    function topUpOf(uint256 modelId, uint64 epoch, uint32 chain) external view returns (uint96);
    /// @notice The payment chains.
    function paymentChains() external view returns (uint32[] memory);
    /// @notice Share of the bond an epoch may slash at most, in bps.
    function slashBps() external view returns (uint16);
    /// @notice Epochs still covered after an unlock request (the request's epoch included).
    function noticeEpochs() external view returns (uint16);
    /// @notice The stablecoin bonds are held in.
    function token() external view returns (IERC20);
    /// @notice The ModelRegistry (NFT owners, epoch clock, grace, netting vaults).
    function registry() external view returns (IModelRegistry);
    /// @notice The SlaOracle whose verdicts slash.
    function oracle() external view returns (ISlaOracle);
    /// @notice The RevenueLedger whose receipts bound and split a slash.
    function ledger() external view returns (IRevenueLedger);
    /// @notice slabridge chain id of this (home) chain, whose netting vault receives slashes.
    function homeChain() external view returns (uint32);
}
