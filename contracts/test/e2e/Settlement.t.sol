// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import { Vm } from "forge-std/Vm.sol";
import { TestHelperOz5 } from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";
import { OptionsBuilder } from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import { EnforcedOptionParam } from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppOptionsType3.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { Escrow } from "../../src/Escrow.sol";
import { RevenueLedger } from "../../src/RevenueLedger.sol";
import { IEscrow } from "../../src/interfaces/IEscrow.sol";
import { IMessageReceiver } from "../../src/interfaces/IMessageReceiver.sol";
import { IMessenger } from "../../src/interfaces/IMessenger.sol";
import { IRevenueLedger } from "../../src/interfaces/IRevenueLedger.sol";
import { IWormhole } from "../../src/interfaces/IWormhole.sol";
import { MessageCodec } from "../../src/libraries/MessageCodec.sol";
import { LayerZeroMessenger } from "../../src/messaging/LayerZeroMessenger.sol";
import { WormholeMessenger } from "../../src/messaging/WormholeMessenger.sol";
import { EpochRecord, EpochStatus } from "../../src/types/EscrowTypes.sol";
import { MockStablecoin } from "../mocks/MockStablecoin.sol";
import { VaaBuilder } from "../messaging/VaaBuilder.sol";
import { WormholeCore } from "../messaging/WormholeCore.sol";

/// @notice Home chain A (oracle + revenue ledger) and payment chain B (escrow), connected by both transports at once:
/// LayerZero (EndpointV2 + ULN302 from LayerZero's test-devtools) and Wormhole (two real cores, one guardian key).
/// The escrow trusts both of B's messengers, so the same verdict can reach it twice; it must settle once.
contract SettlementE2ETest is TestHelperOz5 {
    using OptionsBuilder for bytes;

    uint32 internal constant HOME = 8453;
    uint32 internal constant PAYMENT = 42161;
    uint32 internal constant A_EID = 1;
    uint32 internal constant B_EID = 2;
    uint16 internal constant WH_A = 30;
    uint16 internal constant WH_B = 23;
    uint256 internal constant MODEL = 7;
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH_SECONDS = 1 hours;
    uint256 internal constant PRICE = 1_000_000; // 1 mUSD per request
    uint16 internal constant REFUND_BPS = 2_500;

    LayerZeroMessenger internal lzHome;
    LayerZeroMessenger internal lzPayment;
    IWormhole internal coreHome;
    IWormhole internal corePayment;
    WormholeMessenger internal whHome;
    WormholeMessenger internal whPayment;
    uint256 internal guardianKey;

    Escrow internal escrow;
    RevenueLedger internal ledger;
    MockStablecoin internal usd;
    address internal oracle = makeAddr("sla oracle"); // the home chain's allowlisted sender
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public override {
        super.setUp();
        vm.warp(GENESIS);
        _setUpLayerZero();
        _setUpWormhole();

        usd = new MockStablecoin();
        escrow = new Escrow(address(this), IERC20(address(usd)), PAYMENT, HOME);
        escrow.setMessenger(address(lzPayment), true);
        escrow.setMessenger(address(whPayment), true);
        lzPayment.setReceiver(address(escrow));
        whPayment.setReceiver(address(escrow));
        lzPayment.setSender(address(escrow), true);

        ledger = new RevenueLedger(address(this));
        ledger.setMessenger(address(lzHome), true);
        ledger.setMessenger(address(whHome), true);
        lzHome.setReceiver(address(ledger));
        whHome.setReceiver(address(ledger));

        vm.deal(oracle, 10 ether);
        // The listing reaches the escrow over LayerZero; buyers pay during epoch 0.
        _sendLayerZero(
            MessageCodec.encodeModelListing(
                MessageCodec.ModelListing(MODEL, GENESIS, EPOCH_SECONDS, 0, PRICE, true, 1, 2)
            )
        );
        verifyPackets(B_EID, address(lzPayment));
        _pay(alice, 4 * PRICE);
        _pay(bob, 2 * PRICE);
        vm.warp(GENESIS + EPOCH_SECONDS); // epoch 0 is over: a verdict may now apply
    }

    // ---------------------------------------------------------------- verdicts

    function test_verdict_overLayerZeroSettlesEscrow() public {
        _sendLayerZero(_verdict());
        verifyPackets(B_EID, address(lzPayment));
        _assertSettledAndRefundable();
    }

    function test_verdict_overWormholeSettlesEscrow() public {
        lzPayment.setReceiver(address(0)); // only Wormhole can deliver
        whPayment.receiveVaa(_sendWormhole(_verdict()));
        _assertSettledAndRefundable();
    }

    function test_verdict_againOverWormholeIsRejectedByEscrow() public {
        _sendLayerZero(_verdict());
        verifyPackets(B_EID, address(lzPayment));

        bytes memory vaa = _sendWormhole(_verdict());
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadySettled.selector, MODEL, uint64(0)));
        whPayment.receiveVaa(vaa);
        _assertSettledAndRefundable();
    }

    function test_verdict_againOverLayerZeroIsRejectedByEscrow() public {
        whPayment.receiveVaa(_sendWormhole(_verdict()));

        bytes memory message = _verdict();
        bytes32 guid = _sendLayerZero(message);
        this.validatePacket(getNextInflightPacket(uint16(B_EID), _b32(address(lzPayment))), "");
        vm.expectRevert(abi.encodeWithSelector(IEscrow.AlreadySettled.selector, MODEL, uint64(0)));
        ILayerZeroEndpointV2(endpoints[B_EID])
            .lzReceive(Origin(A_EID, _b32(address(lzHome)), 2), address(lzPayment), guid, message, "");
        assertFalse(lzPayment.delivered(guid));
        _assertSettledAndRefundable();
    }

    function test_verdict_fromSolanaEmitterIsRejectedByEscrow() public {
        // Solana is a trusted transport origin, but not the home chain: the escrow refuses its verdicts.
        bytes32 solanaEmitter = keccak256("slabridge solana emitter");
        whPayment.setEmitter(1, solanaEmitter, MessageCodec.SOLANA_CHAIN_ID);
        VaaBuilder.Body memory body = VaaBuilder.Body(
            uint32(block.timestamp), 0, 1, solanaEmitter, 0, 1, abi.encodePacked(PAYMENT, _verdict())
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IMessageReceiver.UnexpectedMessage.selector, MessageCodec.SOLANA_CHAIN_ID, MessageCodec.KIND_VERDICT
            )
        );
        whPayment.receiveVaa(VaaBuilder.sign(body, guardianKey));
        assertEq(uint8(escrow.epochRecord(MODEL, 0).status), uint8(EpochStatus.Open));
    }

    // ---------------------------------------------------------------- receipts

    function test_relayReceipts_overLayerZeroRecordedInLedger() public {
        bytes memory probe = MessageCodec.encodeReceiptBatch(
            MessageCodec.ReceiptBatch(MODEL, 0, PAYMENT, 0, 2, 6 * PRICE, bytes32(0), true)
        );
        // The escrow cannot take refunds, so it must pay the quote exactly (a receipt batch has a fixed length).
        uint256 fee = lzPayment.quote(HOME, probe);
        escrow.relayReceipts{ value: fee }(MODEL, 0, 10, lzPayment);
        verifyPackets(A_EID, address(lzHome));

        IRevenueLedger.Revenue memory rev = ledger.revenue(MODEL, 0, PAYMENT);
        assertEq(rev.total, 6 * PRICE);
        assertEq(rev.payments, 2);
        assertTrue(ledger.isChainComplete(MODEL, 0, PAYMENT));
    }

    // ---------------------------------------------------------------- helpers

    function _assertSettledAndRefundable() internal {
        EpochRecord memory r = escrow.epochRecord(MODEL, 0);
        assertEq(uint8(r.status), uint8(EpochStatus.Settled), "verdict applied once");
        assertEq(r.refundBps, REFUND_BPS);
        escrow.refund(MODEL, 0, 10);
        assertEq(usd.balanceOf(alice), PRICE, "25% of 4 requests");
        assertEq(usd.balanceOf(bob), PRICE / 2, "25% of 2 requests");
        escrow.release(MODEL, 0);
        assertEq(uint8(escrow.epochRecord(MODEL, 0).status), uint8(EpochStatus.Released));
    }

    function _verdict() internal pure returns (bytes memory) {
        return MessageCodec.encodeVerdict(MessageCodec.Verdict(MODEL, 0, REFUND_BPS, keccak256("report 0"), 0));
    }

    function _pay(address buyer, uint256 amount) internal {
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(escrow), amount);
        escrow.pay(MODEL, amount);
        vm.stopPrank();
    }

    function _sendLayerZero(bytes memory message) internal returns (bytes32 guid) {
        uint256 fee = lzHome.quote(PAYMENT, message);
        vm.prank(oracle);
        guid = lzHome.send{ value: fee }(PAYMENT, message);
    }

    /// @dev Publishes on the home core and returns the VAA the guardian signs for that publish.
    function _sendWormhole(bytes memory message) internal returns (bytes memory vaa) {
        vm.recordLogs();
        vm.prank(oracle);
        whHome.send(PAYMENT, message);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(coreHome) || logs[i].topics[0] != IWormhole.LogMessagePublished.selector) {
                continue;
            }
            (uint64 sequence, uint32 nonce, bytes memory payload, uint8 consistency) =
                abi.decode(logs[i].data, (uint64, uint32, bytes, uint8));
            VaaBuilder.Body memory body = VaaBuilder.Body(
                uint32(block.timestamp), nonce, WH_A, _b32(address(whHome)), sequence, consistency, payload
            );
            return VaaBuilder.sign(body, guardianKey);
        }
        revert("no LogMessagePublished");
    }

    function _setUpLayerZero() internal {
        setUpEndpoints(2, LibraryType.UltraLightNode);
        lzHome = new LayerZeroMessenger(endpoints[A_EID], address(this));
        lzPayment = new LayerZeroMessenger(endpoints[B_EID], address(this));
        address[] memory oapps = new address[](2);
        oapps[0] = address(lzHome);
        oapps[1] = address(lzPayment);
        wireOApps(oapps);
        _route(lzHome, PAYMENT, B_EID);
        _route(lzPayment, HOME, A_EID);
        lzHome.setSender(oracle, true);
    }

    function _setUpWormhole() internal {
        address guardian;
        (guardian, guardianKey) = makeAddrAndKey("guardian");
        coreHome = WormholeCore.deploy(guardian, WH_A);
        corePayment = WormholeCore.deploy(guardian, WH_B);
        whHome = new WormholeMessenger(address(this), coreHome, 1, HOME);
        whPayment = new WormholeMessenger(address(this), corePayment, 1, PAYMENT);
        whHome.setEmitter(WH_B, _b32(address(whPayment)), PAYMENT);
        whPayment.setEmitter(WH_A, _b32(address(whHome)), HOME);
        whHome.setSender(oracle, true);
    }

    function _route(LayerZeroMessenger m, uint32 chainId, uint32 eid) internal {
        m.setChain(chainId, eid);
        EnforcedOptionParam[] memory params = new EnforcedOptionParam[](1);
        params[0] = EnforcedOptionParam(
            eid, m.MSG_TYPE_SEND(), OptionsBuilder.newOptions().addExecutorLzReceiveOption(500_000, 0)
        );
        m.setEnforcedOptions(params);
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
