import { parseAbi } from "viem";

/**
 * The part of the Wormhole core's ABI the transport reads: the guardian sets and the published-message event
 * (`contracts/src/interfaces/IWormhole.sol` plus the core's guardian-set getters).
 *
 * @example
 * ```ts
 * const index = await client.readContract({ address: core, abi: wormholeCoreAbi, functionName: "getCurrentGuardianSetIndex" });
 * ```
 */
export const wormholeCoreAbi = parseAbi([
  "struct GuardianSet { address[] keys; uint32 expirationTime; }",
  "function getCurrentGuardianSetIndex() view returns (uint32)",
  "function getGuardianSet(uint32 index) view returns (GuardianSet)",
  "function messageFee() view returns (uint256)",
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
]);
