import {
  devnetMulticall3Abi,
  devnetMulticall3Bytecode,
  erc3009DepositCollectorAbi,
  erc3009DepositCollectorBytecode,
  x402BatchSettlementAbi,
  x402BatchSettlementBytecode,
} from "@slabridge/contracts";
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from "@x402/evm";
import { type Address, encodeDeployData, getAddress, type Hex } from "viem";
import type { DevnetClients } from "../evm/devnetClients.ts";
import { EvmDevnetError } from "../evm/EvmDevnetError.ts";

/** Multicall3's usual address, where the x402 facilitator reads channel state through `tryAggregate`. */
export const MULTICALL3_ADDRESS: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** Where the x402 batch-settlement stand-in sits on a devnet chain (the canonical addresses). */
export interface X402StandIn {
  /** slabridge's `X402BatchSettlement`, at the canonical `x402BatchSettlement` address. */
  settlement: Address;
  /** slabridge's `ERC3009DepositCollector` (bound to `settlement`), at the canonical collector address. */
  depositCollector: Address;
  /** Multicall3 (`tryAggregate`): slabridge's stand-in, unless the chain already had code there. */
  multicall3: Address;
}

/**
 * Places slabridge's x402 `batch-settlement` stand-in at the canonical addresses the stock `@x402/evm` SDK hard-codes
 * (it ships no bytecode): the channel contract at `BATCH_SETTLEMENT_ADDRESS`, the ERC-3009 deposit collector (built
 * for that address) at `ERC3009_DEPOSIT_COLLECTOR_ADDRESS`, and a Multicall3 `tryAggregate` stand-in where anvil has
 * none. The runtime code is computed by `eth_call` of each creation code (no transaction, so no account's nonce
 * moves) and put in place with `anvil_setCode`. Devnet only: real networks have the canonical deployments.
 *
 * @example const standIn = await placeX402StandIn(clients); // then the stock client/server/facilitator just work
 */
export async function placeX402StandIn(clients: DevnetClients): Promise<X402StandIn> {
  const settlement = getAddress(BATCH_SETTLEMENT_ADDRESS);
  const depositCollector = getAddress(ERC3009_DEPOSIT_COLLECTOR_ADDRESS);
  const test = clients.anvil();

  const places: [Address, Hex][] = [
    [settlement, encodeDeployData({ abi: x402BatchSettlementAbi, bytecode: x402BatchSettlementBytecode })],
    [
      depositCollector,
      encodeDeployData({
        abi: erc3009DepositCollectorAbi,
        bytecode: erc3009DepositCollectorBytecode,
        args: [settlement],
      }),
    ],
  ];
  // A chain that already has Multicall3 keeps it (it is a superset of what the facilitator calls).
  const existing = await clients.publicClient.getCode({ address: MULTICALL3_ADDRESS });
  if (existing === undefined || existing === "0x") {
    places.push([
      MULTICALL3_ADDRESS,
      encodeDeployData({ abi: devnetMulticall3Abi, bytecode: devnetMulticall3Bytecode }),
    ]);
  }

  for (const [address, creationCode] of places) {
    const bytecode = await runtimeCode(clients, creationCode, address);
    await test.setCode({ address, bytecode });
    const placed = await clients.publicClient.getCode({ address });
    if (placed?.toLowerCase() !== bytecode.toLowerCase()) {
      throw new EvmDevnetError("deploy-failed", `the x402 stand-in's code did not land at ${address}`);
    }
  }
  return { settlement, depositCollector, multicall3: MULTICALL3_ADDRESS };
}

/** The runtime code a creation code returns, by `eth_call` with no `to` (constructors write no storage here). */
async function runtimeCode(clients: DevnetClients, creationCode: Hex, address: Address): Promise<Hex> {
  try {
    const { data } = await clients.publicClient.call({ data: creationCode });
    if (data === undefined || data === "0x") throw new Error("empty runtime code");
    return data;
  } catch (error) {
    throw EvmDevnetError.wrap("deploy-failed", `building the x402 stand-in's code for ${address}`, error);
  }
}
