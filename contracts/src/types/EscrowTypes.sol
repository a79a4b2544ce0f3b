// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A model's epoch clock on this payment chain, fixed by its first listing.
/// @dev One slot together with the terms flags (see Listing).
struct Clock {
    uint64 genesis;
    uint64 epochSeconds;
}

/// @notice Price and availability of a model from `fromEpoch` on.
struct Terms {
    uint64 fromEpoch;
    bool active;
    uint256 pricePerRequest;
}

/// @notice What the escrow knows about a listed model: its clock, the terms in force and at most one scheduled entry.
/// @dev `pending` applies from `pending.fromEpoch` on once `hasPending`; it is folded into `current` lazily.
/// `version` is the newest listing version applied (a listing with a version at or below it is ignored).
/// Layout: slot 0 = genesis, epochSeconds, current.fromEpoch, current.active, hasPending, version; slot 1 = current
/// price; slot 2 = pending.fromEpoch, pending.active; slot 3 = pending price.
struct Listing {
    uint64 genesis;
    uint64 epochSeconds;
    uint64 currentFrom;
    bool currentActive;
    bool hasPending;
    uint32 version;
    uint256 currentPrice;
    uint64 pendingFrom;
    bool pendingActive;
    uint256 pendingPrice;
}

/// @notice The verdict grace of a model from `fromEpoch` on (until the next entry's fromEpoch).
struct GraceFrom {
    uint64 fromEpoch;
    uint16 epochs;
}

/// @notice Settlement state of one (model, epoch).
enum EpochStatus {
    Open, // no verdict yet
    Settled, // verdict applied; refunds may be pending
    Released // refunds done and the remainder released to payees
}

/// @notice The packed money record of one (model, epoch) on this chain.
/// @dev Slot 0 is what `pay` touches (paid, count) next to the cursors; slot 1 is written only after the verdict or
/// by withdrawals once the verdict grace has passed without one.
/// uint96 holds 7.9e28 base units: far beyond any stablecoin supply at 6 or 18 decimals.
struct EpochRecord {
    // slot 0
    uint96 paid; // sum of payment amounts
    uint32 count; // number of payments; payment ids are 0..count-1
    uint32 relayed; // receipt cursor: payments [0, relayed) were sent home in receipt batches
    uint32 batches; // receipt batches sent (the next batchIndex)
    uint32 refundCursor; // payments [0, refundCursor) were refunded (or needed no refund)
    uint16 refundBps; // the verdict's refund share
    EpochStatus status;
    // slot 1
    uint96 refunded; // sum of refunds and unverdicted withdrawals (pushed or credited)
    uint96 paidOut; // sum of payouts made from the released amount
    uint16 paidOutBps; // sum of the shares of payouts made
    uint32 withdrawn; // payments withdrawn in full after the verdict grace (refunds skip them)
}

/// @notice The host bond top-up of one (model, epoch) on this chain (the verdict's `topUp`): `due` is shared among
/// the payments not withdrawn before the verdict, pro rata to their amounts (`eligible` is their sum).
/// @dev Slot 0 holds all but `cumulative`. Payment i's share is `due * cumAfter / eligible - due * cumBefore /
/// eligible` over the eligible amounts in index order, so the shares sum to exactly `due`.
struct TopUp {
    // slot 0
    uint96 due; // what the verdict assigned this chain's buyers (0: none)
    uint96 eligible; // paid - refunded when the verdict arrived (payments not withdrawn for want of a verdict)
    uint32 cursor; // payments [0, cursor) got their share (or were skipped as withdrawn)
    bool funded; // `due` was paid in (fundTopUp)
    // slot 1
    uint96 cumulative; // sum of the eligible amounts of payments [0, cursor)
}

/// @notice One payment: exactly one storage slot.
struct Payment {
    address buyer;
    uint96 amount;
}
