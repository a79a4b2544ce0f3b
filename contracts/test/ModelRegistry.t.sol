// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC2981 } from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import { IERC721 } from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import { IERC721Metadata } from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import { ModelRegistry } from "../src/ModelRegistry.sol";
import { IModelRegistry } from "../src/interfaces/IModelRegistry.sol";
import { IMessenger } from "../src/interfaces/IMessenger.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { MessengerFees } from "../src/libraries/MessengerFees.sol";
import { SlaTiers } from "../src/libraries/SlaTiers.sol";
import {
    License,
    LicenseKind,
    MintParams,
    ModelCore,
    ModelMetadata,
    Payee,
    PayeeRole,
    RefundTier,
    Terms,
    TermsInput
} from "../src/types/ModelTypes.sol";
import { HomeFixtures } from "./mocks/HomeFixtures.sol";
import { MockMessenger } from "./mocks/MockMessenger.sol";
import { HomeMockOracle } from "./mocks/HomeMockOracle.sol";

contract ModelRegistryTest is HomeFixtures {
    HomeMockOracle internal oracle;

    function setUp() public {
        _deployRegistry();
        oracle = new HomeMockOracle();
        vm.prank(owner);
        registry.setSlaOracle(address(oracle));
    }

    function _sum(Payee[] memory table) internal pure returns (uint256 total) {
        for (uint256 i; i < table.length; ++i) {
            total += table[i].shareBps;
        }
    }

    function _schedule(uint256 id, TermsInput memory t) internal returns (uint64) {
        vm.prank(creator);
        return registry.scheduleTerms(id, t);
    }

    function _withPrice(uint256 price) internal view returns (TermsInput memory t) {
        t = _terms(0);
        t.pricePerRequest = price;
    }

    function _mintExpectRevert(MintParams memory p, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(creator);
        registry.mint(p);
    }

    // ================================================================ constructor

    function test_constructor_setsConfig() public view {
        assertEq(registry.owner(), owner);
        assertEq(registry.minProtocolFeeBps(), MIN_FEE);
        (uint32 chain, bytes32 account) = registry.protocolFeeRecipient();
        assertEq(chain, FEE_CHAIN);
        assertEq(account, FEE_ACCOUNT);
        assertEq(registry.name(), "slabridge Model");
    }

    function test_constructor_revertsZeroFeeRecipient() public {
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        new ModelRegistry(owner, MIN_FEE, FEE_CHAIN, bytes32(0), 1 hours);
    }

    function test_constructor_revertsMinFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MinProtocolFeeTooHigh.selector, 2_001));
        new ModelRegistry(owner, 2_001, FEE_CHAIN, FEE_ACCOUNT, 1 hours);
    }

    function test_constructor_revertsZeroMinEpochSeconds() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidEpochSeconds.selector, uint64(0)));
        new ModelRegistry(owner, MIN_FEE, FEE_CHAIN, FEE_ACCOUNT, 0);
    }

    function test_constructor_shortEpochsForTheDevnet() public {
        ModelRegistry devnet = new ModelRegistry(owner, MIN_FEE, FEE_CHAIN, FEE_ACCOUNT, 5);
        assertEq(devnet.MIN_EPOCH_SECONDS(), 5);
    }

    // ================================================================ mint

    function test_mint_storesEverything() public {
        uint256 id = _mint();
        assertEq(id, 1);
        assertEq(registry.ownerOf(id), creator);
        assertEq(registry.tokenURI(id), "ipfs://artifact");

        ModelCore memory core = registry.coreOf(id);
        assertEq(core.creator, creator);
        assertEq(core.genesis, block.timestamp);
        assertEq(core.epochSeconds, EPOCH);
        assertEq(core.parentId, 0);
        assertEq(core.parentShareBps, 0);

        ModelMetadata memory m = registry.metadataOf(id);
        assertEq(m.artifactHash, keccak256("weights"));
        assertEq(m.architectureURI, "ipfs://arch");
        assertEq(m.dataProvenanceURI, "ipfs://data");
        assertEq(m.benchmarkURI, "ipfs://bench");

        License memory l = registry.licenseOf(id);
        assertEq(uint8(l.kind), uint8(LicenseKind.Commercial));
        assertTrue(l.derivativesAllowed);
        assertTrue(l.attributionRequired);
        assertEq(l.uri, "ipfs://license");

        (string memory endpoint, address signer) = registry.hostOf(id);
        assertEq(endpoint, "https://host.example/v1");
        assertEq(signer, hostSigner);
        assertEq(registry.derivativeShareOf(id), 1_000);

        Terms memory t = registry.termsAt(id, 0);
        assertEq(t.fromEpoch, 0);
        assertTrue(t.active);
        assertEq(t.pricePerRequest, PRICE);
        assertEq(t.sla.maxP95LatencyMs, 500);
        assertEq(t.sla.tiers.length, 4);
        assertEq(t.sla.tiers[3].refundBps, 10_000);
        assertEq(t.payees.length, 5);
        assertEq(uint8(t.payees[4].role), uint8(PayeeRole.ProtocolFee));
        assertEq(t.payees[4].chain, FEE_CHAIN);
        assertEq(t.payees[4].account, FEE_ACCOUNT);
        assertEq(t.payees[4].shareBps, MIN_FEE);
        assertEq(_sum(t.payees), 10_000);
        assertEq(registry.termsVersionCount(id), 1);
    }

    function test_mint_emitsEvents() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelMinted(1, creator, 0, uint64(block.timestamp), EPOCH);
        vm.expectEmit(address(registry));
        emit IModelRegistry.HostUpdated(1, 0, "https://host.example/v1", hostSigner);
        vm.expectEmit(address(registry));
        emit IModelRegistry.MetadataUpdated(1, "ipfs://artifact", keccak256("weights"));
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(1, 0, false);
        _mint();
    }

    function test_mint_idsIncrease() public {
        assertEq(_mint(), 1);
        assertEq(_mint(), 2);
    }

    function testFuzz_mint_pastGenesisStartsAtCurrentEpoch(uint64 age) public {
        age = uint64(bound(age, 0, 1_000 * EPOCH));
        MintParams memory p = _mintParams();
        p.genesis = uint64(block.timestamp) - age;
        vm.prank(creator);
        uint256 id = registry.mint(p);
        uint64 current = age / EPOCH;
        assertEq(registry.currentEpoch(id), current);
        assertEq(registry.termsAt(id, current).fromEpoch, current);
        if (current > 0) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoTermsForEpoch.selector, id, current - 1));
            registry.termsAt(id, current - 1);
        }
    }

    function test_mint_revertsGenesisInFuture() public {
        MintParams memory p = _mintParams();
        p.genesis = uint64(block.timestamp + 1);
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.GenesisInFuture.selector, p.genesis));
    }

    function testFuzz_mint_revertsEpochSecondsOutOfRange(uint64 secs) public {
        MintParams memory p = _mintParams();
        p.epochSeconds = secs % 2 == 0 ? uint64(bound(secs, 0, 1 hours - 1)) : uint64(bound(secs, 90 days + 1, 2 ** 63));
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidEpochSeconds.selector, p.epochSeconds));
    }

    function test_mint_revertsRoyaltyTooHigh() public {
        MintParams memory p = _mintParams();
        p.royaltyBps = 1_001;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, 1_001));
    }

    function test_mint_revertsParentShareTooHigh() public {
        MintParams memory p = _mintParams();
        p.derivativeShareBps = 5_001;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ParentShareTooHigh.selector, 5_001));
    }

    function test_mint_revertsZeroHostSigner() public {
        MintParams memory p = _mintParams();
        p.hostSigner = address(0);
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ZeroHostSigner.selector));
    }

    function test_mint_revertsUnknownParent() public {
        MintParams memory p = _mintParams();
        p.parentId = 7;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
    }

    function test_mint_revertsDerivativesNotAllowed() public {
        uint256 parent = _mint();
        vm.prank(creator);
        registry.setLicense(parent, License(LicenseKind.Research, false, true, "ipfs://nc"));
        MintParams memory p = _mintParams();
        p.parentId = parent;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.DerivativesNotAllowed.selector, parent));
    }

    function test_mint_revertsZeroPrice() public {
        MintParams memory p = _mintParams();
        p.terms.pricePerRequest = 0;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ZeroPrice.selector));
    }

    function test_mint_revertsInvalidSla() public {
        MintParams memory p = _mintParams();
        p.terms.sla.tiers[1].refundBps = 0;
        _mintExpectRevert(p, abi.encodeWithSelector(SlaTiers.TierRefundDecreasing.selector, 1));
    }

    function test_mint_revertsNoPayees() public {
        MintParams memory p = _mintParams();
        p.terms.payees = new Payee[](0);
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidPayeeCount.selector, 1));
    }

    function test_mint_revertsTooManyPayees() public {
        MintParams memory p = _mintParams();
        p.terms.payees = new Payee[](16); // + protocol fee entry = 17
        for (uint256 i; i < 16; ++i) {
            p.terms.payees[i] = Payee(PayeeRole.DataContributor, home, bytes32(i + 1), 1);
        }
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidPayeeCount.selector, 17));
    }

    function test_mint_revertsReservedRole() public {
        MintParams memory p = _mintParams();
        p.terms.payees[2].role = PayeeRole.ProtocolFee;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ReservedPayeeRole.selector, 2));
        p.terms.payees[2].role = PayeeRole.ParentCreator;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ReservedPayeeRole.selector, 2));
    }

    function test_mint_revertsInvalidPayee() public {
        MintParams memory p = _mintParams();
        p.terms.payees[1].shareBps = 0;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidPayee.selector, 1));
        p = _mintParams();
        p.terms.payees[1].chain = 0;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidPayee.selector, 1));
        p = _mintParams();
        p.terms.payees[1].account = bytes32(0);
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.InvalidPayee.selector, 1));
    }

    function test_mint_revertsSharesNotTotal() public {
        MintParams memory p = _mintParams();
        p.terms.payees[0].shareBps += 1;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.SharesNotTotal.selector, 10_001));
        p.terms.payees[0].shareBps -= 2;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.SharesNotTotal.selector, 9_999));
    }

    function test_mint_revertsProtocolFeeTooLow() public {
        MintParams memory p = _mintParams();
        p.terms.protocolFeeBps = MIN_FEE - 1;
        p.terms.payees[0].shareBps += 1;
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.ProtocolFeeTooLow.selector, MIN_FEE - 1, MIN_FEE));
    }

    function test_mint_zeroFeeAppendsNoFeeEntry() public {
        vm.prank(owner);
        registry.setMinProtocolFee(0);
        MintParams memory p = _mintParams();
        p.terms.protocolFeeBps = 0;
        p.terms.payees[0].shareBps += MIN_FEE;
        vm.prank(creator);
        uint256 id = registry.mint(p);
        Payee[] memory table = registry.payees(id, 0);
        assertEq(table.length, 4);
        assertEq(_sum(table), 10_000);
    }

    function test_mint_fineTuneAppendsParentEntry() public {
        uint256 parent = _mint();
        address tuner = makeAddr("tuner");
        MintParams memory p = _mintParams();
        p.parentId = parent;
        p.terms = _terms(1_000);
        vm.prank(tuner);
        uint256 id = registry.mint(p);

        ModelCore memory core = registry.coreOf(id);
        assertEq(core.parentId, parent);
        assertEq(core.parentShareBps, 1_000);
        Payee[] memory table = registry.payees(id, 0);
        assertEq(table.length, 6);
        assertEq(uint8(table[4].role), uint8(PayeeRole.ProtocolFee));
        assertEq(uint8(table[5].role), uint8(PayeeRole.ParentCreator));
        assertEq(table[5].chain, home);
        assertEq(table[5].account, _account(creator));
        assertEq(table[5].shareBps, 1_000);
        assertEq(_sum(table), 10_000);
    }

    function test_mint_fineTuneRevertsWithoutCarveOut() public {
        uint256 parent = _mint();
        MintParams memory p = _mintParams();
        p.parentId = parent; // owner entries still sum to 10,000 - fee: the parent's 1,000 overshoots
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.SharesNotTotal.selector, 11_000));
    }

    function test_mint_fineTuneKeepsShareFixedAtMint() public {
        uint256 parent = _mint();
        MintParams memory p = _mintParams();
        p.parentId = parent;
        p.terms = _terms(1_000);
        uint256 id = registry.mint(p);
        vm.prank(creator);
        registry.setDerivativeShare(parent, 4_000);
        vm.prank(address(this));
        registry.scheduleTerms(id, _terms(1_000)); // still 1,000: a parent cannot squeeze existing fine-tunes
        assertEq(registry.coreOf(id).parentShareBps, 1_000);
    }

    /// @dev Random owner tables: accepted iff they total 10,000 with the fee and parent entries; then the stored
    /// table totals exactly 10,000 and ends with the appended entries.
    function testFuzz_mint_splitsSumToTotal(uint16[6] memory shares, uint8 count, uint16 fee, bool fineTune) public {
        uint256 parent = _mint();
        count = uint8(bound(count, 1, 6));
        fee = uint16(bound(fee, MIN_FEE, 3_000));
        MintParams memory p = _mintParams();
        uint16 parentShare = fineTune ? 1_000 : 0;
        if (fineTune) p.parentId = parent;
        p.terms.protocolFeeBps = fee;
        p.terms.payees = new Payee[](count);
        uint256 remaining = 10_000 - fee - parentShare;
        uint256 total = fee + parentShare;
        for (uint256 i; i < count; ++i) {
            uint256 share;
            if (i == count - 1 && shares[i] % 4 != 0) share = remaining; // usually exact, sometimes off
            else share = bound(shares[i], 1, remaining > count ? remaining / count : 1);
            if (share == 0) share = 1;
            remaining = remaining > share ? remaining - share : 0;
            total += share;
            // forge-lint: disable-next-line(unsafe-typecast)
            p.terms.payees[i] = Payee(PayeeRole.DataContributor, home, bytes32(i + 1), uint16(share)); // <= 10,000
        }
        vm.prank(creator);
        if (total != 10_000) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.SharesNotTotal.selector, total));
            registry.mint(p);
            return;
        }
        uint256 id = registry.mint(p);
        Payee[] memory table = registry.payees(id, 0);
        assertEq(_sum(table), 10_000);
        assertEq(table.length, count + 1 + (fineTune ? 1 : 0));
        assertEq(table[count].shareBps, fee);
        if (fineTune) assertEq(table[count + 1].shareBps, parentShare);
    }

    // ================================================================ scheduleTerms

    function test_scheduleTerms_appliesFromNextEpoch() public {
        uint256 id = _mint();
        vm.warp(block.timestamp + 3 * EPOCH + 5);
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(id, 4, false);
        assertEq(_schedule(id, _withPrice(7)), 4);
        assertEq(registry.termsAt(id, 3).pricePerRequest, PRICE);
        assertEq(registry.termsAt(id, 4).pricePerRequest, 7);
        assertEq(registry.termsAt(id, 100).pricePerRequest, 7);
        assertEq(registry.latestTerms(id).fromEpoch, 4);
        assertEq(registry.termsVersionCount(id), 2);
    }

    function test_scheduleTerms_replacesPending() public {
        uint256 id = _mint();
        _schedule(id, _withPrice(7));
        vm.warp(block.timestamp + EPOCH - 1); // still epoch 0
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(id, 1, true);
        _schedule(id, _withPrice(9));
        assertEq(registry.termsVersionCount(id), 2);
        assertEq(registry.termsAt(id, 0).pricePerRequest, PRICE);
        assertEq(registry.termsAt(id, 1).pricePerRequest, 9);
    }

    function test_scheduleTerms_replacingShrinksTables() public {
        uint256 id = _mint();
        _schedule(id, _terms(0));
        TermsInput memory t = _terms(0);
        t.sla.tiers = new RefundTier[](1);
        t.sla.tiers[0] = RefundTier(9_000, 10_000);
        t.payees = new Payee[](1);
        t.payees[0] = Payee(PayeeRole.Creator, home, _account(creator), 10_000 - MIN_FEE);
        _schedule(id, t);
        Terms memory next = registry.termsAt(id, 1);
        assertEq(next.sla.tiers.length, 1);
        assertEq(next.payees.length, 2);
        assertEq(_sum(next.payees), 10_000);
    }

    /// @dev At the last second of epoch e a change lands in e+1; at the first second of e+1 it lands in e+2 and
    /// e+1's terms (now running) stay.
    function test_scheduleTerms_exactEpochBoundary() public {
        uint256 id = _mint();
        uint256 end0 = registry.epochEnd(id, 0);
        vm.warp(end0 - 1);
        assertEq(_schedule(id, _withPrice(7)), 1);
        vm.warp(end0);
        assertEq(registry.currentEpoch(id), 1);
        assertEq(_schedule(id, _withPrice(9)), 2);
        assertEq(registry.termsAt(id, 0).pricePerRequest, PRICE);
        assertEq(registry.termsAt(id, 1).pricePerRequest, 7);
        assertEq(registry.termsAt(id, 2).pricePerRequest, 9);
        assertEq(registry.termsVersionCount(id), 3);
    }

    /// @dev Random schedules at random times never change an epoch that already started.
    function testFuzz_scheduleTerms_neverAltersStartedEpochs(uint32[8] memory gaps, uint8[8] memory prices) public {
        uint256 id = _mint();
        uint256[] memory seen = new uint256[](64);
        for (uint256 step; step < 8; ++step) {
            // Gaps around boundaries: 0, 1 s, just under/at/over an epoch, several epochs.
            uint256 gap = bound(gaps[step], 0, 3 * EPOCH);
            if (gaps[step] % 5 == 0) gap = registry.epochEnd(id, registry.currentEpoch(id)) - block.timestamp;
            vm.warp(block.timestamp + gap);
            uint64 current = registry.currentEpoch(id);
            if (current >= 60) break;
            for (uint64 e; e <= current; ++e) {
                uint256 price = registry.termsAt(id, e).pricePerRequest;
                if (seen[e] == 0) seen[e] = price;
                else assertEq(price, seen[e], "started epoch changed");
            }
            uint64 from = _schedule(id, _withPrice(uint256(prices[step]) + 1));
            assertEq(from, current + 1);
            for (uint64 e; e <= current; ++e) {
                assertEq(registry.termsAt(id, e).pricePerRequest, seen[e], "schedule altered a started epoch");
            }
            assertEq(registry.termsAt(id, from).pricePerRequest, uint256(prices[step]) + 1);
        }
    }

    function test_scheduleTerms_snapshotsRegistrySettings() public {
        uint256 id = _mint();
        vm.startPrank(owner);
        registry.setProtocolFeeRecipient(BASE_CHAIN, bytes32(uint256(0xBEEF)));
        registry.setMinProtocolFee(200);
        vm.stopPrank();
        // Existing terms keep the old recipient.
        assertEq(registry.payees(id, 0)[4].account, FEE_ACCOUNT);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ProtocolFeeTooLow.selector, MIN_FEE, 200));
        _schedule(id, _terms(0));
        TermsInput memory t = _terms(0);
        t.protocolFeeBps = 200;
        t.payees[0].shareBps -= 100;
        _schedule(id, t);
        Payee memory fee = registry.payees(id, 1)[4];
        assertEq(fee.chain, BASE_CHAIN);
        assertEq(fee.account, bytes32(uint256(0xBEEF)));
        assertEq(fee.shareBps, 200);
    }

    function test_scheduleTerms_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.scheduleTerms(id, _terms(0));
    }

    function test_scheduleTerms_revertsApprovedOperator() public {
        uint256 id = _mint();
        vm.prank(creator);
        registry.setApprovalForAll(stranger, true); // a marketplace approval does not grant management
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.scheduleTerms(id, _terms(0));
    }

    /// Finding 1's scenario: 300 s "for a large model" would let one host hold every prober past its time budget.
    function test_scheduleTerms_revertsProbeTimeoutAboveMax() public {
        uint256 id = _mint();
        TermsInput memory t = _terms(0);
        t.sla.probeTimeoutMs = 300_000;
        vm.expectRevert(abi.encodeWithSelector(SlaTiers.ProbeTimeoutTooLong.selector, 300_000, 30_000));
        _schedule(id, t);
    }

    function test_scheduleTerms_revertsZeroVerdictGrace() public {
        uint256 id = _mint();
        TermsInput memory t = _terms(0);
        t.verdictGraceEpochs = 0;
        vm.expectRevert(IModelRegistry.ZeroVerdictGrace.selector);
        _schedule(id, t);
    }

    function test_scheduleTerms_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 3));
        registry.scheduleTerms(3, _terms(0));
    }

    function test_scheduleTerms_newOwnerManages() public {
        uint256 id = _mint();
        address buyer = makeAddr("buyer");
        vm.prank(creator);
        registry.transferFrom(creator, buyer, id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, creator));
        _schedule(id, _terms(0));
        vm.prank(buyer);
        registry.scheduleTerms(id, _withPrice(1));
        assertEq(registry.termsAt(id, 1).pricePerRequest, 1);
    }

    // ================================================================ scheduleActive

    function test_scheduleActive_appliesFromNextEpoch() public {
        uint256 id = _mint();
        vm.warp(block.timestamp + EPOCH);
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(id, 2, false);
        vm.prank(creator);
        assertEq(registry.scheduleActive(id, false), 2);
        assertTrue(registry.termsAt(id, 1).active);
        Terms memory next = registry.termsAt(id, 2);
        Terms memory prev = registry.termsAt(id, 1);
        assertFalse(next.active);
        assertEq(next.pricePerRequest, prev.pricePerRequest);
        assertEq(abi.encode(next.sla), abi.encode(prev.sla));
        assertEq(abi.encode(next.payees), abi.encode(prev.payees));
    }

    function test_scheduleActive_changesPendingInPlace() public {
        uint256 id = _mint();
        _schedule(id, _withPrice(7));
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(id, 1, true);
        vm.prank(creator);
        registry.scheduleActive(id, false);
        assertEq(registry.termsVersionCount(id), 2);
        Terms memory next = registry.termsAt(id, 1);
        assertFalse(next.active);
        assertEq(next.pricePerRequest, 7);
        assertTrue(registry.termsAt(id, 0).active);
    }

    function test_scheduleActive_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.scheduleActive(id, false);
    }

    // ================================================================ host (per epoch)

    /// Finding 2: a host switching its endpoint mid-epoch (e.g. to "offline" during an outage) must not change what
    /// the probers measure in the running epoch.
    function test_setHost_midEpochKeepsTheCurrentEpochsEndpoint() public {
        uint256 id = _mint();
        vm.warp(block.timestamp + EPOCH / 2);
        address signer = makeAddr("newSigner");
        vm.prank(creator);
        registry.setHost(id, "offline", signer);
        (string memory endpoint, address s) = registry.hostOf(id);
        assertEq(endpoint, "https://host.example/v1");
        assertEq(s, hostSigner);
        vm.warp(block.timestamp + EPOCH / 2);
        (endpoint, s) = registry.hostOf(id);
        assertEq(endpoint, "offline");
        assertEq(s, signer);
        // the measured epoch 0 keeps its endpoint for good
        (endpoint, s) = registry.hostAt(id, 0);
        assertEq(endpoint, "https://host.example/v1");
        assertEq(s, hostSigner);
    }

    function test_setHost_appliesFromNextEpochAndEmits() public {
        uint256 id = _mint();
        vm.warp(block.timestamp + 3 * EPOCH);
        address signer = makeAddr("newSigner");
        vm.expectEmit(address(registry));
        emit IModelRegistry.HostUpdated(id, 4, "https://h2", signer);
        vm.prank(creator);
        assertEq(registry.setHost(id, "https://h2", signer), 4);
        (string memory endpoint, address s) = registry.hostAt(id, 3);
        assertEq(endpoint, "https://host.example/v1");
        (endpoint, s) = registry.hostAt(id, 4);
        assertEq(endpoint, "https://h2");
        assertEq(s, signer);
        (endpoint,) = registry.hostAt(id, 400);
        assertEq(endpoint, "https://h2");
    }

    function test_setHost_secondChangeInAnEpochReplacesTheFirst() public {
        uint256 id = _mint();
        vm.startPrank(creator);
        registry.setHost(id, "https://h2", hostSigner);
        registry.setHost(id, "https://h3", hostSigner);
        vm.stopPrank();
        (string memory endpoint,) = registry.hostAt(id, 1);
        assertEq(endpoint, "https://h3");
        (endpoint,) = registry.hostAt(id, 0);
        assertEq(endpoint, "https://host.example/v1");
    }

    function test_hostAt_revertsBeforeTheMintEpoch() public {
        MintParams memory p = _mintParams();
        p.genesis = uint64(block.timestamp - 5 * EPOCH);
        vm.prank(creator);
        uint256 id = registry.mint(p);
        (string memory endpoint,) = registry.hostAt(id, 5);
        assertEq(endpoint, "https://host.example/v1");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoHostForEpoch.selector, id, uint64(4)));
        registry.hostAt(id, 4);
    }

    function test_setHost_revertsEmptyEndpoint() public {
        uint256 id = _mint();
        vm.expectRevert(IModelRegistry.EmptyHostEndpoint.selector);
        vm.prank(creator);
        registry.setHost(id, "", hostSigner);
    }

    function test_mint_revertsEmptyHostEndpoint() public {
        MintParams memory p = _mintParams();
        p.hostEndpoint = "";
        _mintExpectRevert(p, abi.encodeWithSelector(IModelRegistry.EmptyHostEndpoint.selector));
    }

    // ================================================================ immediate setters

    function test_setHost_revertsZeroSigner() public {
        uint256 id = _mint();
        vm.expectRevert(IModelRegistry.ZeroHostSigner.selector);
        vm.prank(creator);
        registry.setHost(id, "https://h2", address(0));
    }

    function test_setHost_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.setHost(id, "x", stranger);
    }

    function test_setMetadata_updates() public {
        uint256 id = _mint();
        ModelMetadata memory m = ModelMetadata("ar://v2", keccak256("v2"), "a2", "d2", "b2");
        vm.expectEmit(address(registry));
        emit IModelRegistry.MetadataUpdated(id, "ar://v2", keccak256("v2"));
        vm.prank(creator);
        registry.setMetadata(id, m);
        assertEq(abi.encode(registry.metadataOf(id)), abi.encode(m));
        assertEq(registry.tokenURI(id), "ar://v2");
    }

    function test_setMetadata_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.setMetadata(id, ModelMetadata("", bytes32(0), "", "", ""));
    }

    function test_setLicense_updates() public {
        uint256 id = _mint();
        License memory l = License(LicenseKind.Research, false, false, "ipfs://l2");
        vm.expectEmit(address(registry));
        emit IModelRegistry.LicenseUpdated(id);
        vm.prank(creator);
        registry.setLicense(id, l);
        assertEq(abi.encode(registry.licenseOf(id)), abi.encode(l));
    }

    function test_setLicense_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.setLicense(id, License(LicenseKind.Research, false, false, ""));
    }

    function testFuzz_setDerivativeShare_updates(uint16 share) public {
        uint256 id = _mint();
        share = uint16(bound(share, 0, 5_000));
        vm.expectEmit(address(registry));
        emit IModelRegistry.DerivativeShareUpdated(id, share);
        vm.prank(creator);
        registry.setDerivativeShare(id, share);
        assertEq(registry.derivativeShareOf(id), share);
    }

    function test_setDerivativeShare_revertsTooHigh() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ParentShareTooHigh.selector, 5_001));
        vm.prank(creator);
        registry.setDerivativeShare(id, 5_001);
    }

    function test_setDerivativeShare_revertsNotOwner() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        vm.prank(stranger);
        registry.setDerivativeShare(id, 1);
    }

    function testFuzz_setRoyalty_creatorKeepsRoyaltyAfterSale(uint16 bps, uint128 price) public {
        uint256 id = _mint();
        bps = uint16(bound(bps, 0, 1_000));
        address buyer = makeAddr("buyer");
        vm.prank(creator);
        registry.transferFrom(creator, buyer, id);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltyUpdated(id, bps);
        vm.prank(creator);
        registry.setRoyalty(id, bps);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, price);
        assertEq(receiver, creator);
        assertEq(amount, uint256(price) * bps / 10_000);
    }

    function test_setRoyalty_revertsNotCreator() public {
        uint256 id = _mint();
        address buyer = makeAddr("buyer");
        vm.prank(creator);
        registry.transferFrom(creator, buyer, id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotCreator.selector, id, buyer));
        vm.prank(buyer);
        registry.setRoyalty(id, 1);
    }

    function test_setRoyalty_revertsTooHigh() public {
        uint256 id = _mint();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, 1_001));
        vm.prank(creator);
        registry.setRoyalty(id, 1_001);
    }

    function test_setRoyalty_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 9));
        registry.setRoyalty(9, 1);
    }

    function test_royaltyInfo_default() public {
        uint256 id = _mint();
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1_000_000);
        assertEq(receiver, creator);
        assertEq(amount, 50_000);
    }

    function test_supportsInterface_erc721And2981() public view {
        assertTrue(registry.supportsInterface(type(IERC721).interfaceId));
        assertTrue(registry.supportsInterface(type(IERC721Metadata).interfaceId));
        assertTrue(registry.supportsInterface(type(IERC2981).interfaceId));
        assertFalse(registry.supportsInterface(0xdeadbeef));
    }

    function test_tokenURI_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.tokenURI(1);
    }

    // ================================================================ epoch views

    function testFuzz_currentEpoch_matchesClock(uint64 age, uint32 dt) public {
        age = uint64(bound(age, 0, 10_000 * EPOCH));
        MintParams memory p = _mintParams();
        p.genesis = uint64(block.timestamp) - age;
        vm.prank(creator);
        uint256 id = registry.mint(p);
        vm.warp(block.timestamp + dt);
        uint64 e = registry.currentEpoch(id);
        assertEq(e, (block.timestamp - p.genesis) / EPOCH);
        assertLe(registry.epochStart(id, e), block.timestamp);
        assertGt(registry.epochEnd(id, e), block.timestamp);
        assertEq(registry.epochEnd(id, e), registry.epochStart(id, e + 1));
        assertEq(registry.epochEnd(id, e) - registry.epochStart(id, e), EPOCH);
    }

    function test_epochEnd_noOverflowAtMaxEpoch() public {
        uint256 id = _mint();
        uint64 max = type(uint64).max;
        assertEq(registry.epochEnd(id, max), block.timestamp + (uint256(max) + 1) * EPOCH);
    }

    function test_currentEpoch_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.currentEpoch(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.epochStart(1, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.epochEnd(1, 0);
    }

    function test_termsAt_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.termsAt(1, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.latestTerms(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        registry.termsVersionCount(1);
    }

    function test_slaTermsAt_andPayeesMatchTermsAt() public {
        uint256 id = _mint();
        Terms memory t = registry.termsAt(id, 0);
        assertEq(abi.encode(registry.slaTermsAt(id, 0)), abi.encode(t.sla));
        assertEq(abi.encode(registry.payees(id, 0)), abi.encode(t.payees));
    }

    // ================================================================ registry owner

    function test_setMinProtocolFee_updates() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.MinProtocolFeeUpdated(2_000);
        vm.prank(owner);
        registry.setMinProtocolFee(2_000);
        assertEq(registry.minProtocolFeeBps(), 2_000);
    }

    function test_setMinProtocolFee_revertsTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MinProtocolFeeTooHigh.selector, 2_001));
        vm.prank(owner);
        registry.setMinProtocolFee(2_001);
    }

    function test_setMinProtocolFee_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        registry.setMinProtocolFee(0);
    }

    function test_setProtocolFeeRecipient_updates() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ProtocolFeeRecipientUpdated(MessageCodec.SOLANA_CHAIN_ID, keccak256("sol"));
        vm.prank(owner);
        registry.setProtocolFeeRecipient(MessageCodec.SOLANA_CHAIN_ID, keccak256("sol"));
        (uint32 chain, bytes32 account) = registry.protocolFeeRecipient();
        assertEq(chain, MessageCodec.SOLANA_CHAIN_ID);
        assertEq(account, keccak256("sol"));
    }

    function test_setProtocolFeeRecipient_revertsZero() public {
        vm.startPrank(owner);
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        registry.setProtocolFeeRecipient(0, FEE_ACCOUNT);
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        registry.setProtocolFeeRecipient(FEE_CHAIN, bytes32(0));
        vm.stopPrank();
    }

    function test_setProtocolFeeRecipient_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        registry.setProtocolFeeRecipient(FEE_CHAIN, FEE_ACCOUNT);
    }

    function test_setMessenger_updates() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.MessengerSet(address(messenger), false);
        vm.prank(owner);
        registry.setMessenger(address(messenger), false);
        assertFalse(registry.isMessenger(address(messenger)));
    }

    function test_setMessenger_revertsZero() public {
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        vm.prank(owner);
        registry.setMessenger(address(0), true);
    }

    function test_setMessenger_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        registry.setMessenger(stranger, true);
    }

    function test_setNettingVault_updates() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.NettingVaultSet(BASE_CHAIN, bytes32(uint256(0xCAFE)));
        vm.prank(owner);
        registry.setNettingVault(BASE_CHAIN, bytes32(uint256(0xCAFE)));
        assertEq(registry.nettingVault(BASE_CHAIN), bytes32(uint256(0xCAFE)));
    }

    function test_setNettingVault_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        registry.setNettingVault(BASE_CHAIN, bytes32(uint256(1)));
    }

    function test_setSlaOracle_updates() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.SlaOracleSet(stranger);
        vm.prank(owner);
        registry.setSlaOracle(stranger);
        assertEq(registry.slaOracle(), stranger);
    }

    function test_setSlaOracle_revertsZero() public {
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        vm.prank(owner);
        registry.setSlaOracle(address(0));
    }

    function test_setSlaOracle_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        registry.setSlaOracle(stranger);
    }

    function test_transferOwnership_twoStep() public {
        vm.prank(owner);
        registry.transferOwnership(stranger);
        assertEq(registry.owner(), owner);
        assertEq(registry.pendingOwner(), stranger);
        vm.prank(stranger);
        registry.acceptOwnership();
        assertEq(registry.owner(), stranger);
    }

    // ================================================================ publishListing

    function test_publishListing_sendsLatestVersion() public {
        uint256 id = _mint();
        vm.warp(block.timestamp + 2 * EPOCH);
        _schedule(id, _withPrice(42));
        vm.prank(creator);
        registry.scheduleActive(id, false);
        vm.deal(stranger, 1 ether);
        messenger.setFee(0.01 ether);
        vm.prank(stranger);
        bytes32 messageId = registry.publishListing{ value: 0.01 ether }(id, BASE_CHAIN, messenger);

        MockMessenger.Sent memory sent = messenger.lastSent();
        assertEq(sent.sender, address(registry));
        assertEq(sent.dstChain, BASE_CHAIN);
        assertEq(sent.value, 0.01 ether);
        assertEq(messageId, keccak256(abi.encode(uint256(0), BASE_CHAIN, sent.message)));
        MessageCodec.ModelListing memory l = codec.decodeModelListing(sent.message);
        assertEq(l.modelId, id);
        assertEq(l.genesis, registry.coreOf(id).genesis);
        assertEq(l.epochSeconds, EPOCH);
        assertEq(l.fromEpoch, 3);
        assertEq(l.pricePerRequest, 42);
        assertFalse(l.active);
        // mint, scheduleTerms, scheduleActive: the third version, which a receiver applies over the first two
        assertEq(l.version, 3);
        assertEq(registry.listingVersionOf(id), 3);
        assertEq(l.verdictGraceEpochs, GRACE);
    }

    function test_publishListing_paysExactQuoteAndReturnsChange() public {
        uint256 id = _mint();
        vm.deal(stranger, 1 ether);
        messenger.setFee(0.01 ether);
        vm.prank(stranger);
        registry.publishListing{ value: 0.05 ether }(id, BASE_CHAIN, messenger);
        assertEq(messenger.lastSent().value, 0.01 ether);
        assertEq(stranger.balance, 0.99 ether);
        assertEq(address(registry).balance, 0);
    }

    function test_publishListing_revertsBelowQuote() public {
        uint256 id = _mint();
        vm.deal(stranger, 1 ether);
        messenger.setFee(0.01 ether);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(MessengerFees.InsufficientMessagingFee.selector, 0.01 ether, 0.005 ether)
        );
        registry.publishListing{ value: 0.005 ether }(id, BASE_CHAIN, messenger);
    }

    function test_publishListing_emits() public {
        uint256 id = _mint();
        bytes memory expected = MessageCodec.encodeModelListing(
            MessageCodec.ModelListing(id, uint64(block.timestamp), EPOCH, 0, PRICE, true, 1, GRACE)
        );
        bytes32 messageId = keccak256(abi.encode(uint256(0), BASE_CHAIN, expected));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ListingPublished(id, BASE_CHAIN, 0, messageId);
        registry.publishListing(id, BASE_CHAIN, messenger);
        assertEq(messenger.lastSent().message, expected);
    }

    function test_publishListing_revertsMessengerNotAllowed() public {
        uint256 id = _mint();
        MockMessenger rogue = new MockMessenger();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MessengerNotAllowed.selector, address(rogue)));
        registry.publishListing(id, BASE_CHAIN, rogue);
    }

    function test_publishListing_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 5));
        registry.publishListing(5, BASE_CHAIN, messenger);
    }

    // ================================================================ publishPayout

    function _payoutSetup() internal returns (uint256 id) {
        id = _mint();
        vm.warp(block.timestamp + EPOCH);
        oracle.setVerdict(id, 0, true);
        vm.startPrank(owner);
        registry.setNettingVault(BASE_CHAIN, bytes32(uint256(0xBA5E)));
        registry.setNettingVault(home, bytes32(uint256(0x4011E)));
        vm.stopPrank();
    }

    function test_publishPayout_sameChainPaysAccount() public {
        uint256 id = _payoutSetup();
        vm.deal(stranger, 1 ether);
        messenger.setFee(123);
        vm.prank(stranger);
        registry.publishPayout{ value: 123 }(id, 0, BASE_CHAIN, 2, messenger); // validator, paid on Base
        MockMessenger.Sent memory sent = messenger.lastSent();
        assertEq(sent.value, 123);
        assertEq(sent.dstChain, BASE_CHAIN);
        MessageCodec.Payout memory p = codec.decodePayout(sent.message);
        assertEq(p.modelId, id);
        assertEq(p.epoch, 0);
        assertEq(p.payoutIndex, 2);
        assertEq(p.payee, _account(validator));
        assertEq(p.shareBps, 1_000);
    }

    function test_publishPayout_otherChainPaysNettingVault() public {
        uint256 id = _payoutSetup();
        bytes memory expected =
            MessageCodec.encodePayout(MessageCodec.Payout(id, 0, 1, bytes32(uint256(0xBA5E)), 2_000));
        vm.expectEmit(address(registry));
        emit IModelRegistry.PayoutPublished(
            id,
            0,
            BASE_CHAIN,
            1,
            bytes32(uint256(0xBA5E)),
            2_000,
            keccak256(abi.encode(uint256(0), BASE_CHAIN, expected))
        );
        registry.publishPayout(id, 0, BASE_CHAIN, 1, messenger); // Solana data contributor, paid on Base
        assertEq(messenger.lastSent().message, expected);
    }

    function test_publishPayout_usesTermsOfThatEpoch() public {
        uint256 id = _payoutSetup(); // now in epoch 1
        TermsInput memory t = _terms(0);
        t.payees[2].shareBps = 500;
        t.payees[0].shareBps += 500;
        _schedule(id, t); // from epoch 2
        vm.warp(block.timestamp + 2 * EPOCH);
        oracle.setVerdict(id, 2, true);
        registry.publishPayout(id, 0, BASE_CHAIN, 2, messenger);
        assertEq(codec.decodePayout(messenger.lastSent().message).shareBps, 1_000);
        registry.publishPayout(id, 2, BASE_CHAIN, 2, messenger);
        assertEq(codec.decodePayout(messenger.lastSent().message).shareBps, 500);
    }

    function testFuzz_publishPayout_revertsIndexOutOfRange(uint32 index) public {
        uint256 id = _payoutSetup();
        index = uint32(bound(index, 5, type(uint32).max));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.PayoutIndexOutOfRange.selector, index, 5));
        registry.publishPayout(id, 0, BASE_CHAIN, index, messenger);
    }

    function test_publishPayout_revertsNoNettingVault() public {
        uint256 id = _payoutSetup();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoNettingVault.selector, uint32(10)));
        registry.publishPayout(id, 0, 10, 0, messenger);
    }

    function test_publishPayout_revertsVerdictNotRecorded() public {
        uint256 id = _payoutSetup();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerdictNotRecorded.selector, id, uint64(1)));
        registry.publishPayout(id, 1, BASE_CHAIN, 0, messenger);
    }

    function test_publishPayout_revertsOracleNotSet() public {
        ModelRegistry fresh = new ModelRegistry(owner, MIN_FEE, FEE_CHAIN, FEE_ACCOUNT, 1 hours);
        vm.expectRevert(IModelRegistry.OracleNotSet.selector);
        fresh.publishPayout(1, 0, BASE_CHAIN, 0, messenger);
    }

    function test_publishPayout_revertsMessengerNotAllowed() public {
        uint256 id = _payoutSetup();
        vm.prank(owner);
        registry.setMessenger(address(messenger), false);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MessengerNotAllowed.selector, address(messenger)));
        registry.publishPayout(id, 0, BASE_CHAIN, 2, messenger);
    }

    function test_publishPayout_revertsModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 4));
        registry.publishPayout(4, 0, BASE_CHAIN, 0, messenger);
    }
}
