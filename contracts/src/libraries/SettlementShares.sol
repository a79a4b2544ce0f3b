// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title SettlementShares
/// @notice The money rules a payment-chain receiver (Escrow, SlaReceiver) applies after a verdict, shared so both
/// pay exactly alike: bond top-up shares by the cumulative rule and payouts by share with the dust to the last.
library SettlementShares {
    uint256 private constant BPS = 10_000;

    /// @notice The bond top-up rule, one item at a time: after items worth `cumBefore` an item worth `amount` brings
    /// the cumulative to `cumAfter`, and everything served up to it is owed `sharesAfter = due * cumAfter / eligible`;
    /// the item's share is `sharesAfter` minus the previous item's, so all shares add up to exactly `due`.
    function topUpStep(uint256 due, uint256 eligible, uint256 cumBefore, uint256 amount)
        internal
        pure
        returns (uint256 cumAfter, uint256 sharesAfter)
    {
        cumAfter = cumBefore + amount;
        sharesAfter = due * cumAfter / eligible;
    }

    /// @notice A payout's amount out of `released` with `paidOut` already paid for `paidOutBps`: `shareBps` of
    /// `released`, or the whole remainder for the payout that completes 10,000 bps (it takes the others' rounding
    /// dust). `totalBps` is the paid shares after it; the caller refuses it above 10,000.
    function payoutAmount(uint256 released, uint256 paidOut, uint256 paidOutBps, uint256 shareBps)
        internal
        pure
        returns (uint256 amount, uint256 totalBps)
    {
        totalBps = paidOutBps + shareBps;
        amount = totalBps == BPS ? released - paidOut : released * shareBps / BPS;
    }

    /// @notice Marks payout `index` paid in a bitmap of 256 indexes per word; false if it was already.
    function markPaid(mapping(uint256 word => uint256 bits) storage paid, uint256 index) internal returns (bool) {
        // one bit per payout index, 256 per word
        // forge-lint: disable-next-line(incorrect-shift)
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = paid[index >> 8];
        if (bits & bit != 0) return false;
        paid[index >> 8] = bits | bit;
        return true;
    }

    /// @notice Whether payout `index` is marked paid.
    function isPaid(mapping(uint256 word => uint256 bits) storage paid, uint256 index) internal view returns (bool) {
        // forge-lint: disable-next-line(incorrect-shift)
        return paid[index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice The EVM address in a payout's `payee`, and whether it is one (upper 12 bytes clear, not zero).
    function evmPayee(bytes32 payee) internal pure returns (address account, bool ok) {
        ok = uint256(payee) >> 160 == 0 && payee != bytes32(0);
        account = address(uint160(uint256(payee)));
    }
}
