// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { IERC721 } from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { Ownable, Ownable2Step } from "@openzeppelin/contracts/access/Ownable2Step.sol";
import { ReentrancyGuardTransient } from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import { IHostBond } from "./interfaces/IHostBond.sol";
import { IModelRegistry } from "./interfaces/IModelRegistry.sol";
import { IRevenueLedger } from "./interfaces/IRevenueLedger.sol";
import { ISlaOracle } from "./interfaces/ISlaOracle.sol";
import { MessageCodec } from "./libraries/MessageCodec.sol";
import { Verdict } from "./types/ModelTypes.sol";

/// @title HostBond
/// @notice slabridge's host bonds on the home chain (see IHostBond).
/// @dev Assumes a plain stablecoin (no fee on transfer, no rebasing, no callbacks). Settlement is final: only ended
/// epochs settle, and a new bond covers from the running epoch on, so an epoch settled as uncovered never becomes
/// covered later. The payment chain list is the owner's to keep in step with where verdicts are published; a change
/// applies to the epochs settled after it.
contract HostBond is IHostBond, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint16 private constant BPS = MessageCodec.BPS;
    /// @notice Most payment chains (bounds the gas of a settlement).
    uint256 public constant MAX_PAYMENT_CHAINS = 32;

    /// @inheritdoc IHostBond
    IERC20 public immutable token;
    /// @inheritdoc IHostBond
    IModelRegistry public immutable registry;
    /// @inheritdoc IHostBond
    ISlaOracle public immutable oracle;
    /// @inheritdoc IHostBond
    IRevenueLedger public immutable ledger;
    /// @inheritdoc IHostBond
    uint32 public immutable homeChain;
    /// @inheritdoc IHostBond
    uint16 public immutable slashBps;
    /// @inheritdoc IHostBond
    uint16 public immutable noticeEpochs;

    uint32[] private _paymentChains;
    mapping(uint256 modelId => Bond) private _bonds;
    /// @dev One bit per settled epoch, 256 per word.
    mapping(uint256 modelId => mapping(uint256 word => uint256 bits)) private _settledBits;
    mapping(uint256 modelId => mapping(uint64 epoch => uint256 amount)) private _slashes;
    mapping(uint256 modelId => mapping(uint64 epoch => mapping(uint32 chain => uint96 amount))) private _topUps;

    /// @param owner_ sets the payment chains
    /// @param token_ the stablecoin bonds are held in (the one the netting vaults advance top-ups in)
    /// @param registry_ the ModelRegistry (NFT owners, epoch clock, verdict grace, netting vaults)
    /// @param oracle_ the SlaOracle whose verdicts slash
    /// @param ledger_ the RevenueLedger whose receipts bound and split a slash
    /// @param homeChain_ slabridge chain id of this chain (its netting vault receives slashes)
    /// @param slashBps_ share of the bond an epoch may slash at most, in (0, 10,000]
    /// @param noticeEpochs_ epochs still covered after an unlock request, at least 1
    constructor(
        address owner_,
        IERC20 token_,
        IModelRegistry registry_,
        ISlaOracle oracle_,
        IRevenueLedger ledger_,
        uint32 homeChain_,
        uint16 slashBps_,
        uint16 noticeEpochs_
    ) Ownable(owner_) {
        if (
            address(token_) == address(0) || address(registry_) == address(0) || address(oracle_) == address(0)
                || address(ledger_) == address(0)
        ) revert ZeroAddress();
        if (slashBps_ == 0 || slashBps_ > BPS) revert InvalidSlashBps(slashBps_);
        if (noticeEpochs_ == 0) revert ZeroNotice();
        token = token_;
        registry = registry_;
        oracle = oracle_;
        ledger = ledger_;
        homeChain = homeChain_;
        slashBps = slashBps_;
        noticeEpochs = noticeEpochs_;
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IHostBond
    function setPaymentChains(uint32[] calldata chains) external onlyOwner {
        uint256 n = chains.length;
        if (n > MAX_PAYMENT_CHAINS) revert InvalidPaymentChains();
        for (uint256 i; i < n; ++i) {
            if (chains[i] == 0) revert InvalidPaymentChains();
            for (uint256 j; j < i; ++j) {
                if (chains[j] == chains[i]) revert InvalidPaymentChains();
            }
        }
        _paymentChains = chains;
        emit PaymentChainsSet(chains);
    }

    // ---------------------------------------------------------------- hosts

    /// @inheritdoc IHostBond
    function deposit(uint256 modelId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Bond storage b = _bonds[modelId];
        if (b.unlockEpoch != 0) revert UnlockPending(modelId, b.unlockEpoch);
        if (!b.bonded) {
            // reverts for a model that does not exist
            uint64 epoch = registry.currentEpoch(modelId);
            b.bonded = true;
            b.coveredFrom = epoch;
            b.nextUnsettled = epoch;
        }
        uint256 balance = b.amount + amount;
        b.amount = SafeCast.toUint128(balance);
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit BondDeposited(modelId, msg.sender, amount, balance);
    }

    /// @inheritdoc IHostBond
    function requestUnlock(uint256 modelId) external {
        _onlyModelOwner(modelId);
        Bond storage b = _bonds[modelId];
        if (!b.bonded) revert NoBond(modelId);
        if (b.unlockEpoch != 0) revert UnlockPending(modelId, b.unlockEpoch);
        uint64 unlockEpoch = registry.currentEpoch(modelId) + noticeEpochs;
        b.unlockEpoch = unlockEpoch;
        emit UnlockRequested(modelId, msg.sender, unlockEpoch);
    }

    /// @inheritdoc IHostBond
    function withdraw(uint256 modelId, address to) external nonReentrant returns (uint256 amount) {
        _onlyModelOwner(modelId);
        if (to == address(0)) revert ZeroAddress();
        Bond memory b = _bonds[modelId];
        if (b.unlockEpoch == 0) revert UnlockNotRequested(modelId);
        if (registry.currentEpoch(modelId) < b.unlockEpoch) revert NoticeNotOver(modelId, b.unlockEpoch);
        if (b.nextUnsettled < b.unlockEpoch) revert EpochsOpen(modelId, b.nextUnsettled);
        amount = b.amount;
        delete _bonds[modelId];
        if (amount != 0) token.safeTransfer(to, amount);
        emit BondWithdrawn(modelId, to, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IHostBond
    function settle(uint256 modelId, uint64 epoch) external nonReentrant returns (uint256 slashed) {
        return _settle(modelId, epoch);
    }

    /// @inheritdoc IHostBond
    function topUpFor(uint256 modelId, uint64 epoch, uint32 chain) external nonReentrant returns (uint96) {
        _settle(modelId, epoch);
        return _topUps[modelId][epoch][chain];
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IHostBond
    function bondOf(uint256 modelId) external view returns (Bond memory) {
        return _bonds[modelId];
    }

    /// @inheritdoc IHostBond
    function slashOf(uint256 modelId, uint64 epoch) external view returns (bool settled, uint256 amount) {
        return (_isSettled(modelId, epoch), _slashes[modelId][epoch]);
    }

    /// @inheritdoc IHostBond
    function topUpOf(uint256 modelId, uint64 epoch, uint32 chain) external view returns (uint96) {
        return _topUps[modelId][epoch][chain];
    }

    /// @inheritdoc IHostBond
    function paymentChains() external view returns (uint32[] memory) {
        return _paymentChains;
    }

    // ---------------------------------------------------------------- internals

    function _onlyModelOwner(uint256 modelId) private view {
        if (IERC721(address(registry)).ownerOf(modelId) != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    function _isSettled(uint256 modelId, uint64 epoch) private view returns (bool) {
        // one bit per epoch, 256 per word
        // forge-lint: disable-next-line(incorrect-shift)
        return _settledBits[modelId][epoch >> 8] & (1 << (epoch & 0xff)) != 0;
    }

    function _settle(uint256 modelId, uint64 epoch) private returns (uint256 slashed) {
        if (_isSettled(modelId, epoch)) return _slashes[modelId][epoch];
        {
            uint256 end = registry.epochEnd(modelId, epoch);
            // epochs are a time schedule by design
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < end) revert EpochNotOver(modelId, epoch, end);
        }
        Bond storage b = _bonds[modelId];
        bool covered = b.bonded && epoch >= b.coveredFrom && (b.unlockEpoch == 0 || epoch < b.unlockEpoch);
        if (covered) slashed = _coveredSlash(modelId, epoch, b);

        // the bit before the transfer: an epoch is settled (and slashed) at most once
        // forge-lint: disable-next-line(incorrect-shift)
        _settledBits[modelId][epoch >> 8] |= 1 << (epoch & 0xff);
        if (covered && epoch == b.nextUnsettled) {
            uint64 next = epoch + 1;
            while (_isSettled(modelId, next)) ++next;
            b.nextUnsettled = next;
        }
        emit EpochSettled(modelId, epoch, slashed);
        if (slashed != 0) {
            _slashes[modelId][epoch] = slashed;
            // slashed <= amount (a share of it, at most 10,000 bps)
            // forge-lint: disable-next-line(unsafe-typecast)
            b.amount -= uint128(slashed);
            emit Slashed(modelId, epoch, slashed);
            token.safeTransfer(_homeVault(), slashed);
        }
    }

    /// @dev The slash of a covered epoch, with each payment chain's top-up recorded. Reverts while it cannot be known.
    function _coveredSlash(uint256 modelId, uint64 epoch, Bond storage b) private returns (uint256 slashed) {
        Verdict memory v = oracle.verdictOf(modelId, epoch);
        if (v.recordedAt != 0) {
            uint256 refundBps = v.refundBps;
            uint256 byBond = uint256(b.amount) * slashBps / BPS;
            // nothing to slash (no breach, or a bond too small): no need to wait for receipts
            if (refundBps == 0 || byBond == 0) return 0;
            uint32[] memory chains = _paymentChains;
            uint256 n = chains.length;
            uint256[] memory paid = new uint256[](n);
            uint256 totalPaid;
            for (uint256 i; i < n; ++i) {
                uint32 chain = chains[i];
                if (!ledger.isChainComplete(modelId, epoch, chain)) revert ReceiptsIncomplete(modelId, epoch, chain);
                paid[i] = ledger.revenue(modelId, epoch, chain).total;
                totalPaid += paid[i];
            }
            // never more than the buyers paid minus their refunds
            uint256 cap = totalPaid * (BPS - refundBps) / BPS;
            slashed = byBond < cap ? byBond : cap;
            if (slashed != 0) _assignTopUps(modelId, epoch, chains, paid, totalPaid, slashed);
            return slashed;
        }
        // no verdict: settled once the payment chains let buyers take their money back (they keep nothing to top up)
        uint256 opensAt = registry.epochEnd(modelId, epoch)
            + uint256(registry.termsAt(modelId, epoch).verdictGraceEpochs) * registry.coreOf(modelId).epochSeconds;
        // epochs are a time schedule by design
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < opensAt) revert VerdictPending(modelId, epoch);
        return 0;
    }

    /// @dev Splits `slashed` (> 0, so some chain has revenue) among the chains by revenue; the last chain with
    /// revenue takes the rounding dust, a chain without revenue gets nothing.
    function _assignTopUps(
        uint256 modelId,
        uint64 epoch,
        uint32[] memory chains,
        uint256[] memory paid,
        uint256 totalPaid,
        uint256 slashed
    ) private {
        uint256 last = chains.length - 1;
        while (paid[last] == 0) --last;
        uint256 assigned;
        for (uint256 i; i <= last; ++i) {
            if (paid[i] == 0) continue;
            uint256 share = i == last ? slashed - assigned : slashed * paid[i] / totalPaid;
            assigned += share;
            // share <= slashed <= what the buyers paid, which every chain counts in uint96 or less
            _topUps[modelId][epoch][chains[i]] = SafeCast.toUint96(share);
            emit TopUpAssigned(modelId, epoch, chains[i], share);
        }
    }

    /// @dev The home chain's netting vault, which advances the top-ups on every chain.
    function _homeVault() private view returns (address) {
        bytes32 vault = registry.nettingVault(homeChain);
        if (vault == bytes32(0) || uint256(vault) >> 160 != 0) revert NoNettingVault(homeChain);
        return address(uint160(uint256(vault)));
    }
}
