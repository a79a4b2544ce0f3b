import { parseAbi } from "viem";

// Hand-written, typed subsets of the ABIs the devnet calls. Artifacts supply bytecode; these give viem the types.

const ulnConfigStruct =
  "struct UlnConfig { uint64 confirmations; uint8 requiredDVNCount; uint8 optionalDVNCount; uint8 optionalDVNThreshold; address[] requiredDVNs; address[] optionalDVNs; }";

/** LayerZero EndpointV2 (the calls and events the devnet uses). */
export const endpointV2Abi = parseAbi([
  "struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }",
  "function eid() view returns (uint32)",
  "function registerLibrary(address lib)",
  "function isRegisteredLibrary(address lib) view returns (bool)",
  "function setDefaultSendLibrary(uint32 eid, address newLib)",
  "function setDefaultReceiveLibrary(uint32 eid, address newLib, uint256 gracePeriod)",
  "function defaultSendLibrary(uint32 eid) view returns (address)",
  "function defaultReceiveLibrary(uint32 eid) view returns (address)",
  "function inboundPayloadHash(address receiver, uint32 srcEid, bytes32 sender, uint64 nonce) view returns (bytes32)",
  "function lazyInboundNonce(address receiver, uint32 srcEid, bytes32 sender) view returns (uint64)",
  "function inboundNonce(address receiver, uint32 srcEid, bytes32 sender) view returns (uint64)",
  "function verifiable(Origin origin, address receiver) view returns (bool)",
  "function lzReceive(Origin origin, address receiver, bytes32 guid, bytes message, bytes extraData) payable",
  "event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)",
  "event PacketVerified(Origin origin, address receiver, bytes32 payloadHash)",
  "event PacketDelivered(Origin origin, address receiver)",
  "error LZ_PayloadHashNotFound(bytes32 expected, bytes32 actual)",
  "error LZ_InvalidNonce(uint64 nonce)",
]);

/** SendUln302 owner configuration. */
export const sendUln302Abi = parseAbi([
  ulnConfigStruct,
  "struct SetDefaultUlnConfigParam { uint32 eid; UlnConfig config; }",
  "struct ExecutorConfig { uint32 maxMessageSize; address executor; }",
  "struct SetDefaultExecutorConfigParam { uint32 eid; ExecutorConfig config; }",
  "function setDefaultUlnConfigs(SetDefaultUlnConfigParam[] params)",
  "function setDefaultExecutorConfigs(SetDefaultExecutorConfigParam[] params)",
  "function getUlnConfig(address oapp, uint32 remoteEid) view returns (UlnConfig)",
  "function getExecutorConfig(address oapp, uint32 remoteEid) view returns (ExecutorConfig)",
]);

/** ReceiveUln302: owner configuration plus the DVN and commit calls the relayer makes. */
export const receiveUln302Abi = parseAbi([
  ulnConfigStruct,
  "struct SetDefaultUlnConfigParam { uint32 eid; UlnConfig config; }",
  "function setDefaultUlnConfigs(SetDefaultUlnConfigParam[] params)",
  "function getUlnConfig(address oapp, uint32 remoteEid) view returns (UlnConfig)",
  "function hashLookup(bytes32 headerHash, bytes32 payloadHash, address dvn) view returns (bool submitted, uint64 confirmations)",
  "function verifiable(UlnConfig config, bytes32 headerHash, bytes32 payloadHash) view returns (bool)",
  "function verify(bytes packetHeader, bytes32 payloadHash, uint64 confirmations)",
  "function commitVerification(bytes packetHeader, bytes32 payloadHash)",
  "event PayloadVerified(address dvn, bytes header, uint256 confirmations, bytes32 proofHash)",
  "error LZ_ULN_Verifying()",
]);

/** DevnetPingOApp (contracts/src/devnet): the test OApp. */
export const devnetPingOAppAbi = parseAbi([
  "struct MessagingFee { uint256 nativeFee; uint256 lzTokenFee; }",
  "struct MessagingReceipt { bytes32 guid; uint64 nonce; MessagingFee fee; }",
  "function setPeer(uint32 eid, bytes32 peer)",
  "function peers(uint32 eid) view returns (bytes32)",
  "function quotePing(uint32 dstEid, bytes message, bytes options) view returns (uint256)",
  "function ping(uint32 dstEid, bytes message, bytes options) payable returns (MessagingReceipt)",
  "function received() view returns (uint256)",
  "function lastMessage() view returns (bytes)",
  "function lastSrcEid() view returns (uint32)",
  "function lastSender() view returns (bytes32)",
  "function lastNonce() view returns (uint64)",
  "event Ponged(uint32 indexed srcEid, bytes32 guid, uint64 nonce, bytes message)",
]);

/** Wormhole core (Implementation behind the Wormhole proxy). */
export const wormholeCoreAbi = parseAbi([
  "struct Signature { bytes32 r; bytes32 s; uint8 v; uint8 guardianIndex; }",
  "struct VM { uint8 version; uint32 timestamp; uint32 nonce; uint16 emitterChainId; bytes32 emitterAddress; uint64 sequence; uint8 consistencyLevel; bytes payload; uint32 guardianSetIndex; Signature[] signatures; bytes32 hash; }",
  "struct GuardianSet { address[] keys; uint32 expirationTime; }",
  "function setup(address implementation, address[] initialGuardians, uint16 chainId, uint16 governanceChainId, bytes32 governanceContract, uint256 evmChainId)",
  "function chainId() view returns (uint16)",
  "function evmChainId() view returns (uint256)",
  "function messageFee() view returns (uint256)",
  "function getCurrentGuardianSetIndex() view returns (uint32)",
  "function getGuardianSet(uint32 index) view returns (GuardianSet)",
  "function nextSequence(address emitter) view returns (uint64)",
  "function publishMessage(uint32 nonce, bytes payload, uint8 consistencyLevel) payable returns (uint64 sequence)",
  "function parseAndVerifyVM(bytes encodedVM) view returns (VM vm, bool valid, string reason)",
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
]);

/** Wormhole Token Bridge setup and the reads the devnet checks. */
export const tokenBridgeAbi = parseAbi([
  "function setup(address implementation, uint16 chainId, address wormhole, uint16 governanceChainId, bytes32 governanceContract, address tokenImplementation, address WETH, uint8 finality, uint256 evmChainId)",
  "function chainId() view returns (uint16)",
  "function wormhole() view returns (address)",
  "function tokenImplementation() view returns (address)",
]);

/** DevnetStablecoin (contracts/src/devnet): a LayerZero OFT (ERC20, 6 decimals) with an owner mint. */
export const devnetStablecoinAbi = parseAbi([
  "struct EnforcedOptionParam { uint32 eid; uint16 msgType; bytes options; }",
  "function setPeer(uint32 eid, bytes32 peer)",
  "function peers(uint32 eid) view returns (bytes32)",
  "function setEnforcedOptions(EnforcedOptionParam[] enforcedOptions)",
  "function enforcedOptions(uint32 eid, uint16 msgType) view returns (bytes)",
  "function endpoint() view returns (address)",
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function mint(address to, uint256 amount)",
  "function owner() view returns (address)",
]);
