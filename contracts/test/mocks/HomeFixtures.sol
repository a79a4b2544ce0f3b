// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Test } from "forge-std/Test.sol";
import { ModelRegistry } from "../../src/ModelRegistry.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import {
    License,
    LicenseKind,
    MintParams,
    ModelMetadata,
    Payee,
    PayeeRole,
    RefundTier,
    SlaTerms,
    TermsInput
} from "../../src/types/ModelTypes.sol";
import { MockMessenger } from "./MockMessenger.sol";
import { MessageCodecHarness } from "../libraries/MessageCodecHarness.sol";

/// @notice Shared deployment and default model parameters of the home-chain tests.
abstract contract HomeFixtures is Test {
    uint32 internal constant FEE_CHAIN = 1;
    bytes32 internal constant FEE_ACCOUNT = bytes32(uint256(0xFEE));
    uint16 internal constant MIN_FEE = 100;
    uint32 internal constant BASE_CHAIN = 8453;
    uint64 internal constant EPOCH = 1 days;
    uint256 internal constant PRICE = 2_500; // 0.0025 USDC
    uint16 internal constant GRACE = 2; // verdictGraceEpochs

    address internal owner = makeAddr("owner");
    address internal creator = makeAddr("creator");
    address internal stranger = makeAddr("stranger");
    address internal hostSigner = makeAddr("hostSigner");
    address internal validator = makeAddr("validator");

    ModelRegistry internal registry;
    MockMessenger internal messenger;
    MessageCodecHarness internal codec;

    uint32 internal home;

    function _deployRegistry() internal {
        vm.warp(1_700_000_000);
        home = uint32(block.chainid);
        registry = new ModelRegistry(owner, MIN_FEE, FEE_CHAIN, FEE_ACCOUNT, 1 hours);
        messenger = new MockMessenger();
        codec = new MessageCodecHarness();
        vm.prank(owner);
        registry.setMessenger(address(messenger), true);
    }

    function _account(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function _sla() internal pure returns (SlaTerms memory s) {
        s.maxP95LatencyMs = 500;
        s.minUptimeBps = 9_950;
        s.probeTimeoutMs = 2_000;
        s.latencyBreachRefundBps = 1_500;
        s.tiers = new RefundTier[](4);
        s.tiers[0] = RefundTier(9_950, 1_000);
        s.tiers[1] = RefundTier(9_900, 2_500);
        s.tiers[2] = RefundTier(9_500, 5_000);
        s.tiers[3] = RefundTier(9_000, 10_000);
    }

    /// @dev Owner entries summing to 10,000 - MIN_FEE - parentShare (creator takes the slack).
    function _terms(uint16 parentShare) internal view returns (TermsInput memory t) {
        t.pricePerRequest = PRICE;
        t.active = true;
        t.verdictGraceEpochs = GRACE;
        t.protocolFeeBps = MIN_FEE;
        t.sla = _sla();
        t.payees = new Payee[](4);
        t.payees[0] = Payee(PayeeRole.Creator, home, _account(creator), 6_000 - parentShare);
        t.payees[1] = Payee(PayeeRole.DataContributor, MessageCodec.SOLANA_CHAIN_ID, keccak256("solana-data"), 2_000);
        t.payees[2] = Payee(PayeeRole.Validator, BASE_CHAIN, _account(validator), 1_000);
        t.payees[3] = Payee(PayeeRole.Host, home, _account(hostSigner), 900);
    }

    function _mintParams() internal view returns (MintParams memory p) {
        p.metadata = ModelMetadata({
            artifactURI: "ipfs://artifact",
            artifactHash: keccak256("weights"),
            architectureURI: "ipfs://arch",
            dataProvenanceURI: "ipfs://data",
            benchmarkURI: "ipfs://bench"
        });
        p.license = License(LicenseKind.Commercial, true, true, "ipfs://license");
        p.hostEndpoint = "https://host.example/v1";
        p.hostSigner = hostSigner;
        p.genesis = 0;
        p.epochSeconds = EPOCH;
        p.royaltyBps = 500;
        p.derivativeShareBps = 1_000;
        p.terms = _terms(0);
    }

    function _mint() internal returns (uint256 id) {
        vm.prank(creator);
        id = registry.mint(_mintParams());
    }
}
