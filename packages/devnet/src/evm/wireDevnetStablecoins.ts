import { Options } from "@layerzerolabs/lz-v2-utilities";
import { type Address, type Hex, pad } from "viem";
import { devnetStablecoinAbi } from "./abis.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { submitTransaction } from "./submitTransaction.ts";

/** Gas the executor gives the OFT's lzReceive (a mint: ~60k; generous so a cold payee account never runs out). */
export const STABLECOIN_LZ_RECEIVE_GAS = 200_000n;
/** OFTCore's message type of a plain `send` (no compose). */
const OFT_SEND = 1;

/** One chain's stablecoin as {@link wireDevnetStablecoins} needs it. */
export interface StablecoinOnChain {
  clients: DevnetClients;
  eid: number;
  address: Address;
}

/**
 * Makes the stablecoins of the given chains one OFT mesh: every token's peer on every other chain's eid is that
 * chain's token, and a plain `send` enforces an lzReceive gas option (the pathway's executor needs one; the devnet's
 * default ULN configs already name slabridge's DVN and executor, so no per-OApp config is needed). Idempotent:
 * a peer or option already set is not sent again.
 *
 * @example await wireDevnetStablecoins({ deployer, chains: [{ clients: a, eid: 40161, address: usdcA }, { clients: b, eid: 40245, address: usdcB }] });
 */
export async function wireDevnetStablecoins(options: {
  deployer: Address;
  chains: readonly StablecoinOnChain[];
}): Promise<void> {
  const enforced = Options.newOptions().addExecutorLzReceiveOption(STABLECOIN_LZ_RECEIVE_GAS, 0).toHex() as Hex;
  await Promise.all(
    options.chains.map(async (chain) => {
      const wallet = chain.clients.wallet(options.deployer);
      const token = { address: chain.address, abi: devnetStablecoinAbi } as const;
      for (const other of options.chains) {
        if (other === chain) continue;
        const peer = pad(other.address);
        const current = await chain.clients.publicClient.readContract({
          ...token,
          functionName: "peers",
          args: [other.eid],
        });
        if (current.toLowerCase() !== peer.toLowerCase()) {
          await submitTransaction(chain.clients.publicClient, "DevnetStablecoin.setPeer", () =>
            wallet.writeContract({ ...token, functionName: "setPeer", args: [other.eid, peer] }),
          );
        }
        const options = await chain.clients.publicClient.readContract({
          ...token,
          functionName: "enforcedOptions",
          args: [other.eid, OFT_SEND],
        });
        if (options.toLowerCase() !== enforced.toLowerCase()) {
          await submitTransaction(chain.clients.publicClient, "DevnetStablecoin.setEnforcedOptions", () =>
            wallet.writeContract({
              ...token,
              functionName: "setEnforcedOptions",
              args: [[{ eid: other.eid, msgType: OFT_SEND, options: enforced }]],
            }),
          );
        }
      }
    }),
  );
}
