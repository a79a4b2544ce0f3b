// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { HostBond } from "../src/HostBond.sol";
import { RevenueLedger } from "../src/RevenueLedger.sol";
import { SlaOracle } from "../src/SlaOracle.sol";
import { IHostBond } from "../src/interfaces/IHostBond.sol";
import { IRevenueLedger } from "../src/interfaces/IRevenueLedger.sol";
import { ISlaOracle } from "../src/interfaces/ISlaOracle.sol";
import { IModelRegistry } from "../src/interfaces/IModelRegistry.sol";
import { MessageCodec } from "../src/libraries/MessageCodec.sol";
import { MintParams, Payee, PayeeRole, Report, TermsInput, Verdict } from "../src/types/ModelTypes.sol";
import { HomeFixtures } from "./mocks/HomeFixtures.sol";
import { MockMessenger } from "./mocks/MockMessenger.sol";
import { MockStablecoin } from "./mocks/MockStablecoin.sol";

contract SlaOracleTest is HomeFixtures {
    bytes32 internal constant REPORT_TYPEHASH = keccak256(
        "Report(uint256 modelId,uint64 epoch,uint32 p50Ms,uint32 p95Ms,uint32 p99Ms,uint16 uptimeBps,"
        "uint32 sampleCount,bytes32 samplesRoot,uint32 receiptCount,bytes32 receiptsRoot,uint16 refundBps)"
    );
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    SlaOracle internal oracle;
    uint256 internal modelId;
    address[] internal probers;
    uint256[] internal keys; // sorted by address, parallel to probers

    function setUp() public {
        _deployRegistry();
        modelId = _mint();
        (probers, keys) = _keys(5, 1);
        oracle = new SlaOracle(owner, registry, probers, 3);
        vm.startPrank(owner);
        oracle.setMessenger(address(messenger), true);
        registry.setSlaOracle(address(oracle));
        vm.stopPrank();
    }

    // ------------------------------------------------------------ helpers

    /// @dev `n` distinct keys derived from `seed`, sorted by address.
    function _keys(uint256 n, uint256 seed) internal pure returns (address[] memory addrs, uint256[] memory pks) {
        addrs = new address[](n);
        pks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            pks[i] = bound(uint256(keccak256(abi.encode(seed, i))), 1, SECP256K1_N - 1);
            addrs[i] = vm.addr(pks[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && addrs[j] < addrs[j - 1]; --j) {
                (addrs[j], addrs[j - 1]) = (addrs[j - 1], addrs[j]);
                (pks[j], pks[j - 1]) = (pks[j - 1], pks[j]);
            }
        }
    }

    function _sig(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of the first `count` keys of `pks` (ascending signer order).
    function _sign(uint256[] memory pks, uint256 count, bytes32 digest) internal pure returns (bytes[] memory sigs) {
        sigs = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            sigs[i] = _sig(pks[i], digest);
        }
    }

    /// @dev A report whose refund is what the default terms pick (uptime 99.40%, p95 420 ms: 10% refund).
    function _report(uint64 epoch) internal view returns (Report memory r) {
        r = Report({
            modelId: modelId,
            epoch: epoch,
            p50Ms: 120,
            p95Ms: 420,
            p99Ms: 900,
            uptimeBps: 9_940,
            sampleCount: 8_640,
            samplesRoot: keccak256(abi.encode("samples", epoch)),
            receiptCount: 1_200,
            receiptsRoot: keccak256(abi.encode("receipts", epoch)),
            refundBps: 1_000
        });
    }

    function _afterEpoch(uint64 epoch) internal {
        vm.warp(registry.epochEnd(modelId, epoch));
    }

    /// @dev The EIP-712 digest computed test-side (no external call, so it can sit between expectRevert and the
    /// call under test); test_hashReport_matchesEip712 proves it equals the oracle's.
    function _digest(Report memory r) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("slabridge SLA"),
                keccak256("1"),
                block.chainid,
                address(oracle)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, keccak256(abi.encode(REPORT_TYPEHASH, r))));
    }

    function _submit(Report memory r) internal returns (bool) {
        return oracle.submitReport(r, _sign(keys, 3, _digest(r)));
    }

    // ------------------------------------------------------------ constructor / signers

    function test_constructor_setsState() public view {
        assertEq(oracle.owner(), owner);
        assertEq(oracle.registry(), address(registry));
        assertEq(oracle.threshold(), 3);
        assertEq(oracle.signers(), probers);
        for (uint256 i; i < probers.length; ++i) {
            assertTrue(oracle.isSigner(probers[i]));
        }
        assertFalse(oracle.isSigner(stranger));
        assertFalse(oracle.isSigner(address(0)));
        (, string memory name, string memory version,, address verifying,,) = oracle.eip712Domain();
        assertEq(name, "slabridge SLA");
        assertEq(version, "1");
        assertEq(verifying, address(oracle));
    }

    function test_constructor_revertsZeroRegistry() public {
        vm.expectRevert(ISlaOracle.ZeroRegistry.selector);
        new SlaOracle(owner, IModelRegistry(address(0)), probers, 3);
    }

    function test_setSigners_replacesSet() public {
        (address[] memory next,) = _keys(3, 2);
        vm.expectEmit(address(oracle));
        emit ISlaOracle.SignersUpdated(2, next, 2);
        vm.prank(owner);
        oracle.setSigners(next, 2);
        assertEq(oracle.threshold(), 2);
        assertEq(oracle.signers(), next);
        assertTrue(oracle.isSigner(next[0]));
        assertFalse(oracle.isSigner(probers[0]));
    }

    function test_setSigners_retiredSignersRejected() public {
        (address[] memory next,) = _keys(3, 2);
        vm.prank(owner);
        oracle.setSigners(next, 2);
        _afterEpoch(0);
        Report memory r = _report(0);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.UnknownSigner.selector, 0, probers[0]));
        _submit(r);
    }

    function testFuzz_setSigners_revertsInvalidThreshold(uint8 n, uint256 m) public {
        n = uint8(bound(n, 0, 32));
        (address[] memory s,) = _keys(n, 3);
        m = m % 2 == 0 ? 0 : bound(m, uint256(n) + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.InvalidThreshold.selector, m, n));
        vm.prank(owner);
        oracle.setSigners(s, m);
    }

    function test_setSigners_revertsTooMany() public {
        (address[] memory s,) = _keys(33, 3);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.TooManySigners.selector, 33));
        vm.prank(owner);
        oracle.setSigners(s, 1);
    }

    function test_setSigners_revertsZeroSigner() public {
        address[] memory s = new address[](2);
        s[0] = stranger;
        vm.expectRevert(ISlaOracle.ZeroSigner.selector);
        vm.prank(owner);
        oracle.setSigners(s, 1);
    }

    function test_setSigners_revertsDuplicate() public {
        address[] memory s = new address[](3);
        s[0] = probers[0];
        s[1] = probers[1];
        s[2] = probers[0];
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.DuplicateSignerInSet.selector, probers[0]));
        vm.prank(owner);
        oracle.setSigners(s, 1);
    }

    function test_setSigners_reAddingOldSignerWorks() public {
        vm.startPrank(owner);
        oracle.setSigners(_slice(probers, 1), 1);
        oracle.setSigners(probers, 3); // old ids must not linger as duplicates
        vm.stopPrank();
        assertTrue(oracle.isSigner(probers[1]));
    }

    function test_setSigners_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        oracle.setSigners(probers, 1);
    }

    function test_setMessenger_updates() public {
        vm.expectEmit(address(oracle));
        emit ISlaOracle.MessengerSet(stranger, true);
        vm.prank(owner);
        oracle.setMessenger(stranger, true);
        assertTrue(oracle.isMessenger(stranger));
    }

    function test_setMessenger_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        oracle.setMessenger(stranger, true);
    }

    function _slice(address[] memory a, uint256 n) internal pure returns (address[] memory out) {
        out = new address[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = a[i];
        }
    }

    // ------------------------------------------------------------ hashReport

    /// @dev Recomputes the EIP-712 digest from scratch, as an off-chain signer would.
    function test_hashReport_matchesEip712() public view {
        Report memory r = _report(4);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("slabridge SLA"),
                keccak256("1"),
                block.chainid,
                address(oracle)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Report(uint256 modelId,uint64 epoch,uint32 p50Ms,uint32 p95Ms,uint32 p99Ms,uint16 uptimeBps,"
                    "uint32 sampleCount,bytes32 samplesRoot,uint32 receiptCount,bytes32 receiptsRoot,uint16 refundBps)"
                ),
                r.modelId,
                r.epoch,
                r.p50Ms,
                r.p95Ms,
                r.p99Ms,
                r.uptimeBps,
                r.sampleCount,
                r.samplesRoot,
                r.receiptCount,
                r.receiptsRoot,
                r.refundBps
            )
        );
        assertEq(oracle.hashReport(r), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        assertEq(_digest(r), oracle.hashReport(r));
        assertEq(
            oracle.REPORT_TYPEHASH(),
            keccak256(
                "Report(uint256 modelId,uint64 epoch,uint32 p50Ms,uint32 p95Ms,uint32 p99Ms,uint16 uptimeBps,"
                "uint32 sampleCount,bytes32 samplesRoot,uint32 receiptCount,bytes32 receiptsRoot,uint16 refundBps)"
            )
        );
    }

    // ------------------------------------------------------------ submitReport

    function test_submitReport_records() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes32 digest = _digest(r);
        vm.expectEmit(address(oracle));
        emit ISlaOracle.VerdictRecorded(
            modelId, 0, 1_000, digest, r.samplesRoot, 120, 420, 900, 9_940, 8_640, r.receiptsRoot, 1_200
        );
        assertTrue(_submit(r));
        Verdict memory v = oracle.verdictOf(modelId, 0);
        assertEq(v.refundBps, 1_000);
        assertEq(v.reportHash, digest);
        assertEq(v.samplesRoot, r.samplesRoot);
        assertEq(v.recordedAt, block.timestamp);
        assertTrue(oracle.hasVerdict(modelId, 0));
        assertFalse(oracle.hasVerdict(modelId, 1));
    }

    function test_submitReport_sameReportIsNoOp() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        assertTrue(_submit(r));
        uint256 at = block.timestamp;
        vm.warp(at + 100);
        vm.recordLogs();
        assertFalse(_submit(r));
        assertFalse(oracle.submitReport(r, new bytes[](0))); // already decided: signatures are not needed again
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(oracle.verdictOf(modelId, 0).recordedAt, at);
    }

    function test_submitReport_revertsDifferentReportAfterVerdict() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        _submit(r);
        bytes32 recorded = _digest(r);
        r.sampleCount += 1;
        vm.expectRevert(
            abi.encodeWithSelector(ISlaOracle.VerdictAlreadyRecorded.selector, modelId, uint64(0), recorded)
        );
        _submit(r);
    }

    function testFuzz_submitReport_revertsEpochNotOver(uint64 epoch, uint256 early) public {
        epoch = uint64(bound(epoch, 0, 50));
        uint256 end = registry.epochEnd(modelId, epoch);
        early = bound(early, 1, end - block.timestamp);
        vm.warp(end - early);
        Report memory r = _report(epoch);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.EpochNotOver.selector, modelId, epoch, end));
        _submit(r);
        vm.warp(end); // the first second of the next epoch: over
        assertTrue(_submit(r));
    }

    function test_submitReport_revertsModelNotFound() public {
        Report memory r = _report(0);
        r.modelId = 99;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        _submit(r);
    }

    function test_submitReport_revertsNoTermsForEpoch() public {
        vm.warp(block.timestamp + 10 * EPOCH);
        // A model minted with its genesis 5 epochs back has no terms before epoch 5.
        vm.prank(creator);
        uint256 late = registry.mint(_lateParams());
        Report memory r = _report(1);
        r.modelId = late;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoTermsForEpoch.selector, late, uint64(1)));
        _submit(r);
    }

    function _lateParams() internal view returns (MintParams memory p) {
        p = _mintParams();
        p.genesis = uint64(block.timestamp - 5 * EPOCH);
    }

    function test_submitReport_revertsInvalidReport() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        r.uptimeBps = 10_001;
        vm.expectRevert(ISlaOracle.InvalidReport.selector);
        _submit(r);
        r = _report(0);
        r.refundBps = 10_001;
        vm.expectRevert(ISlaOracle.InvalidReport.selector);
        _submit(r);
        r = _report(0);
        r.sampleCount = 0;
        vm.expectRevert(ISlaOracle.InvalidReport.selector);
        _submit(r);
        r = _report(0);
        r.p50Ms = r.p95Ms + 1;
        vm.expectRevert(ISlaOracle.InvalidReport.selector);
        _submit(r);
        r = _report(0);
        r.p99Ms = r.p95Ms - 1;
        vm.expectRevert(ISlaOracle.InvalidReport.selector);
        _submit(r);
    }

    /// @dev Any refund other than the one the terms pick is rejected; that one is accepted.
    function testFuzz_submitReport_refundMustMatchTerms(uint16 uptime, uint32 p95, uint16 claimed) public {
        _afterEpoch(0);
        Report memory r = _report(0);
        r.uptimeBps = uint16(bound(uptime, 0, 10_000));
        r.p95Ms = uint32(bound(p95, r.p50Ms, r.p99Ms));
        uint16 expected;
        if (r.uptimeBps < 9_000) expected = 10_000;
        else if (r.uptimeBps < 9_500) expected = 5_000;
        else if (r.uptimeBps < 9_900) expected = 2_500;
        else if (r.uptimeBps < 9_950) expected = 1_000;
        if (r.p95Ms > 500 && expected < 1_500) expected = 1_500;
        r.refundBps = uint16(bound(claimed, 0, 10_000));
        if (r.refundBps != expected) {
            vm.expectRevert(abi.encodeWithSelector(ISlaOracle.RefundMismatch.selector, expected, r.refundBps));
            _submit(r);
            r.refundBps = expected;
        }
        assertTrue(_submit(r));
        assertEq(oracle.verdictOf(modelId, 0).refundBps, expected);
    }

    function test_submitReport_usesTermsOfThatEpoch() public {
        TermsInput memory t = _terms(0);
        t.sla.tiers[0].refundBps = 2_000;
        t.sla.tiers[1].refundBps = 2_500;
        vm.prank(creator);
        registry.scheduleTerms(modelId, t); // from epoch 1
        _afterEpoch(1);
        Report memory r0 = _report(0);
        assertTrue(_submit(r0)); // epoch 0: old terms, 1,000
        Report memory r1 = _report(1);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.RefundMismatch.selector, 2_000, 1_000));
        _submit(r1);
        r1.refundBps = 2_000;
        assertTrue(_submit(r1));
    }

    function testFuzz_submitReport_exactlyMAccepted(uint256 seed, uint8 n, uint8 m, uint8 extra) public {
        n = uint8(bound(n, 1, 12));
        m = uint8(bound(m, 1, n));
        (address[] memory s, uint256[] memory pks) = _keys(n, seed);
        vm.prank(owner);
        oracle.setSigners(s, m);
        _afterEpoch(0);
        Report memory r = _report(0);
        // Any M (here: a window of the sorted keys) is enough; more than M valid ones are fine too.
        uint256 start = bound(extra, 0, n - m);
        bytes[] memory sigs = new bytes[](m);
        for (uint256 i; i < m; ++i) {
            sigs[i] = _sig(pks[start + i], _digest(r));
        }
        assertTrue(oracle.submitReport(r, sigs));
        Report memory r2 = _report(1);
        _afterEpoch(1);
        assertTrue(oracle.submitReport(r2, _sign(pks, n, _digest(r2))));
    }

    function testFuzz_submitReport_revertsFewerThanM(uint256 seed, uint8 n, uint8 m, uint8 given) public {
        n = uint8(bound(n, 1, 12));
        m = uint8(bound(m, 1, n));
        given = uint8(bound(given, 0, m - 1));
        (address[] memory s, uint256[] memory pks) = _keys(n, seed);
        vm.prank(owner);
        oracle.setSigners(s, m);
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes[] memory sigs = _sign(pks, given, _digest(r));
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.InsufficientSignatures.selector, given, m));
        oracle.submitReport(r, sigs);
    }

    function testFuzz_submitReport_revertsDuplicate(uint256 seed, uint8 at) public {
        (address[] memory s, uint256[] memory pks) = _keys(4, seed);
        vm.prank(owner);
        oracle.setSigners(s, 3);
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes32 digest = _digest(r);
        uint256 i = bound(at, 0, 2);
        bytes[] memory sigs = new bytes[](4);
        for (uint256 k; k < 4; ++k) {
            sigs[k] = _sig(pks[k <= i ? k : k - 1], digest); // signer i twice, in a row
        }
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.DuplicateSignature.selector, i + 1, s[i]));
        oracle.submitReport(r, sigs);
    }

    function testFuzz_submitReport_revertsUnknownSigner(uint256 seed, uint256 rogueKey) public {
        (address[] memory s, uint256[] memory pks) = _keys(3, seed);
        vm.prank(owner);
        oracle.setSigners(s, 3);
        rogueKey = bound(rogueKey, 1, SECP256K1_N - 1);
        address rogue = vm.addr(rogueKey);
        vm.assume(rogue != s[0] && rogue != s[1] && rogue != s[2]);
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes32 digest = _digest(r);
        // Replace one key by the rogue and keep the list sorted so only membership fails.
        uint256[] memory used = new uint256[](3);
        address[] memory addrs = new address[](3);
        (used[0], used[1], used[2]) = (pks[0], pks[1], rogueKey);
        (addrs[0], addrs[1], addrs[2]) = (s[0], s[1], rogue);
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && addrs[j] < addrs[j - 1]; --j) {
                (addrs[j], addrs[j - 1]) = (addrs[j - 1], addrs[j]);
                (used[j], used[j - 1]) = (used[j - 1], used[j]);
            }
        }
        uint256 rogueIndex = addrs[0] == rogue ? 0 : addrs[1] == rogue ? 1 : 2;
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.UnknownSigner.selector, rogueIndex, rogue));
        oracle.submitReport(r, _sign(used, 3, digest));
    }

    function testFuzz_submitReport_revertsUnsorted(uint256 seed, uint8 at) public {
        (address[] memory s, uint256[] memory pks) = _keys(4, seed);
        vm.prank(owner);
        oracle.setSigners(s, 3);
        _afterEpoch(0);
        Report memory r = _report(0);
        uint256 i = bound(at, 0, 2);
        (pks[i], pks[i + 1]) = (pks[i + 1], pks[i]);
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.SignaturesNotSorted.selector, i + 1));
        oracle.submitReport(r, _sign(pks, 4, _digest(r)));
    }

    function test_submitReport_revertsMalformedLength() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes[] memory sigs = _sign(keys, 3, _digest(r));
        sigs[1] = bytes.concat(sigs[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.MalformedSignature.selector, 1));
        oracle.submitReport(r, sigs);
    }

    function test_submitReport_revertsMalleableHighS() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes32 digest = _digest(r);
        bytes[] memory sigs = _sign(keys, 3, digest);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[2], digest);
        // (r, n - s, flipped v) recovers the same signer; OZ ECDSA refuses it.
        sigs[2] = abi.encodePacked(rr, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.MalformedSignature.selector, 2));
        oracle.submitReport(r, sigs);
    }

    function test_submitReport_revertsBadV() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes[] memory sigs = _sign(keys, 3, _digest(r));
        sigs[0][64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.MalformedSignature.selector, 0));
        oracle.submitReport(r, sigs);
    }

    function test_submitReport_signatureForOtherReportIsUnknown() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        bytes[] memory sigs = _sign(keys, 3, _digest(r));
        r.p50Ms -= 1; // signatures recover to unrelated addresses now
        vm.expectPartialRevert(ISlaOracle.UnknownSigner.selector);
        oracle.submitReport(r, sigs);
    }

    // ------------------------------------------------------------ publishVerdict

    function test_publishVerdict_sends() public {
        _afterEpoch(0);
        Report memory r = _report(0);
        _submit(r);
        vm.deal(stranger, 1 ether);
        messenger.setFee(7);
        vm.prank(stranger);
        bytes32 messageId = oracle.publishVerdict{ value: 7 }(modelId, 0, BASE_CHAIN, messenger);
        MockMessenger.Sent memory sent = messenger.lastSent();
        assertEq(sent.sender, address(oracle));
        assertEq(sent.value, 7);
        assertEq(sent.dstChain, BASE_CHAIN);
        assertEq(messageId, keccak256(abi.encode(uint256(0), BASE_CHAIN, sent.message)));
        MessageCodec.Verdict memory v = codec.decodeVerdict(sent.message);
        assertEq(v.modelId, modelId);
        assertEq(v.epoch, 0);
        assertEq(v.refundBps, 1_000);
        assertEq(v.reportHash, _digest(r));
        assertEq(v.topUp, 0); // no HostBond set
    }

    function test_publishVerdict_emits() public {
        _afterEpoch(0);
        _submit(_report(0));
        bytes memory expected =
            MessageCodec.encodeVerdict(MessageCodec.Verdict(modelId, 0, 1_000, _digest(_report(0)), 0));
        vm.expectEmit(address(oracle));
        emit ISlaOracle.VerdictPublished(
            modelId, 0, BASE_CHAIN, keccak256(abi.encode(uint256(0), BASE_CHAIN, expected))
        );
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
    }

    function test_publishVerdict_revertsVerdictNotRecorded() public {
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.VerdictNotRecorded.selector, modelId, uint64(0)));
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
    }

    /// Once per (model, epoch, chain, messenger): two bots (or one retried schedule) pay one message fee, not two.
    function test_publishVerdict_oncePerChainAndMessenger() public {
        _afterEpoch(0);
        _submit(_report(0));
        assertFalse(oracle.isPublished(modelId, 0, BASE_CHAIN, messenger));
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        assertTrue(oracle.isPublished(modelId, 0, BASE_CHAIN, messenger));
        vm.expectRevert(
            abi.encodeWithSelector(
                ISlaOracle.VerdictAlreadyPublished.selector, modelId, uint64(0), BASE_CHAIN, address(messenger)
            )
        );
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        assertEq(messenger.sentCount(), 1);

        // other chains, and another allowlisted messenger, are publications of their own
        oracle.publishVerdict(modelId, 0, MessageCodec.SOLANA_CHAIN_ID, messenger);
        MockMessenger other = new MockMessenger();
        vm.prank(owner);
        oracle.setMessenger(address(other), true);
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, other);
        assertEq(messenger.sentCount(), 2);
        assertEq(other.sentCount(), 1);
        assertFalse(oracle.isPublished(modelId, 1, BASE_CHAIN, messenger));
    }

    function test_publishVerdict_revertsMessengerNotAllowed() public {
        _afterEpoch(0);
        _submit(_report(0));
        MockMessenger rogue = new MockMessenger();
        vm.expectRevert(abi.encodeWithSelector(ISlaOracle.MessengerNotAllowed.selector, address(rogue)));
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, rogue);
    }

    // ------------------------------------------------------------ host bond top-ups

    /// @dev A HostBond (20% per breach, 2 epochs notice) over payment chains BASE and Solana, wired to this oracle,
    /// a ledger fed by the mock messenger, and `amount` bonded behind the model from epoch 0.
    function _bondModel(uint256 amount) internal returns (HostBond bond, RevenueLedger ledger, MockStablecoin usd) {
        usd = new MockStablecoin();
        ledger = new RevenueLedger(owner);
        bond = new HostBond(
            owner, IERC20(address(usd)), registry, oracle, IRevenueLedger(address(ledger)), home, 2_000, 2
        );
        uint32[] memory chains = new uint32[](2);
        (chains[0], chains[1]) = (BASE_CHAIN, MessageCodec.SOLANA_CHAIN_ID);
        vm.startPrank(owner);
        ledger.setMessenger(address(messenger), true);
        bond.setPaymentChains(chains);
        registry.setNettingVault(home, _account(makeAddr("homeVault")));
        vm.expectEmit(address(oracle));
        emit ISlaOracle.HostBondSet(address(bond));
        oracle.setHostBond(bond);
        vm.stopPrank();
        assertEq(address(oracle.hostBond()), address(bond));
        usd.mint(creator, amount);
        vm.startPrank(creator);
        usd.approve(address(bond), amount);
        bond.deposit(modelId, amount);
        vm.stopPrank();
    }

    function _receipts(RevenueLedger ledger, uint64 epoch, uint32 chain, uint256 total) internal {
        messenger.deliver(
            ledger,
            chain,
            MessageCodec.encodeReceiptBatch(
                MessageCodec.ReceiptBatch(modelId, epoch, chain, 0, 1, total, bytes32(0), true)
            )
        );
    }

    function test_setHostBond_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        oracle.setHostBond(IHostBond(address(1)));
    }

    /// A breached epoch of a bonded model: published once every chain's receipts are in, each chain's message
    /// carrying its buyers' share of the slash.
    function test_publishVerdict_carriesTheHostBondTopUp() public {
        (HostBond bond, RevenueLedger ledger, MockStablecoin usd) = _bondModel(1_000e6);
        _afterEpoch(0);
        _submit(_report(0)); // 10% refund

        vm.expectRevert(
            abi.encodeWithSelector(IHostBond.ReceiptsIncomplete.selector, modelId, uint64(0), uint32(BASE_CHAIN))
        );
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        _receipts(ledger, 0, BASE_CHAIN, 300e6);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHostBond.ReceiptsIncomplete.selector, modelId, uint64(0), MessageCodec.SOLANA_CHAIN_ID
            )
        );
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        _receipts(ledger, 0, MessageCodec.SOLANA_CHAIN_ID, 100e6);

        // slash = min(1,000 * 20%, 400 * 90%) = 200, split 300 : 100
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        MessageCodec.Verdict memory v = codec.decodeVerdict(messenger.lastSent().message);
        assertEq(v.refundBps, 1_000);
        assertEq(v.topUp, 150e6);
        oracle.publishVerdict(modelId, 0, MessageCodec.SOLANA_CHAIN_ID, messenger);
        assertEq(codec.decodeVerdict(messenger.lastSent().message).topUp, 50e6);
        // publishing again through another messenger (a transport that failed for good) carries the same top-up and
        // slashes nothing more
        MockMessenger fallbackMessenger = new MockMessenger();
        vm.prank(owner);
        oracle.setMessenger(address(fallbackMessenger), true);
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, fallbackMessenger);
        assertEq(codec.decodeVerdict(fallbackMessenger.lastSent().message).topUp, 150e6);
        oracle.publishVerdict(modelId, 0, 10, messenger); // not a payment chain
        assertEq(codec.decodeVerdict(messenger.lastSent().message).topUp, 0);
        assertEq(usd.balanceOf(makeAddr("homeVault")), 200e6);
        assertEq(bond.bondOf(modelId).amount, 800e6);
    }

    /// No breach: published at once (no receipts needed) with a zero top-up, and nothing is slashed.
    function test_publishVerdict_noBreachOfABondedModel() public {
        (HostBond bond,,) = _bondModel(1_000e6);
        _afterEpoch(0);
        Report memory r = _report(0);
        r.uptimeBps = 10_000;
        r.refundBps = 0;
        _submit(r);
        oracle.publishVerdict(modelId, 0, BASE_CHAIN, messenger);
        assertEq(codec.decodeVerdict(messenger.lastSent().message).topUp, 0);
        (bool settled, uint256 slashed) = bond.slashOf(modelId, 0);
        assertTrue(settled);
        assertEq(slashed, 0);
        assertEq(bond.bondOf(modelId).amount, 1_000e6);
    }

    function test_verdictOf_emptyBeforeRecording() public view {
        Verdict memory v = oracle.verdictOf(modelId, 3);
        assertEq(v.recordedAt, 0);
        assertEq(v.reportHash, bytes32(0));
    }

    // ------------------------------------------------------------ end to end

    /// @dev mint -> schedule new terms -> epoch 1 ends -> M-of-N report -> verdict, listing and payouts leave
    /// through the messenger and decode to what the home chain decided.
    function test_endToEnd_verdictListingPayout() public {
        // Terms for epoch 1: 5% fee floor unchanged, stricter latency refund, new price.
        TermsInput memory t = _terms(0);
        t.pricePerRequest = 3_000;
        t.sla.latencyBreachRefundBps = 3_000;
        vm.prank(creator);
        assertEq(registry.scheduleTerms(modelId, t), 1);

        registry.publishListing(modelId, BASE_CHAIN, messenger);
        MessageCodec.ModelListing memory listing = codec.decodeModelListing(messenger.lastSent().message);
        assertEq(listing.fromEpoch, 1);
        assertEq(listing.pricePerRequest, 3_000);
        assertTrue(listing.active);

        Report memory r = _report(1);
        r.p95Ms = 700; // latency breach: max(1,000 tier refund, 3,000)
        r.refundBps = 3_000;
        bytes32 digest = _digest(r);

        vm.warp(registry.epochEnd(modelId, 1) - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISlaOracle.EpochNotOver.selector, modelId, uint64(1), registry.epochEnd(modelId, 1))
        );
        oracle.submitReport(r, _sign(keys, 3, digest));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerdictNotRecorded.selector, modelId, uint64(1)));
        registry.publishPayout(modelId, 1, BASE_CHAIN, 0, messenger);

        vm.warp(registry.epochEnd(modelId, 1));
        assertTrue(oracle.submitReport(r, _sign(keys, 3, digest)));

        oracle.publishVerdict(modelId, 1, BASE_CHAIN, messenger);
        MessageCodec.Verdict memory v = codec.decodeVerdict(messenger.lastSent().message);
        assertEq(v.modelId, modelId);
        assertEq(v.epoch, 1);
        assertEq(v.refundBps, 3_000);
        assertEq(v.reportHash, digest);

        vm.prank(owner);
        registry.setNettingVault(BASE_CHAIN, bytes32(uint256(0xBA5E)));
        Payee[] memory table = registry.payees(modelId, 1);
        uint256 total;
        for (uint32 i; i < table.length; ++i) {
            registry.publishPayout(modelId, 1, BASE_CHAIN, i, messenger);
            MessageCodec.Payout memory p = codec.decodePayout(messenger.lastSent().message);
            assertEq(p.modelId, modelId);
            assertEq(p.epoch, 1);
            assertEq(p.payoutIndex, i);
            assertEq(p.shareBps, table[i].shareBps);
            assertEq(p.payee, table[i].chain == BASE_CHAIN ? table[i].account : bytes32(uint256(0xBA5E)));
            total += p.shareBps;
        }
        assertEq(total, 10_000);
        assertEq(uint8(table[table.length - 1].role), uint8(PayeeRole.ProtocolFee));
    }
}
