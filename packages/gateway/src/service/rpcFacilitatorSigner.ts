import { type FacilitatorEvmSigner, toFacilitatorEvmSigner } from "@x402/evm";
import {
  type Account,
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  type Hash,
  type Hex,
  hashTypedData,
  http,
  isAddress,
  isHex,
  type TypedDataDomain,
} from "viem";
import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";

/** Options of {@link rpcFacilitatorSigner}. */
export interface RpcFacilitatorSignerOptions {
  readonly chainId: number;
  /** The chain's RPC URL (loopback unless `allowNonLoopback`: a deployed chain's URL comes from a secret). */
  readonly rpcUrl: string;
  /**
   * Who sends the facilitator's transactions: a local or KMS-backed viem account, or the address of an account the
   * node holds unlocked (anvil's dev accounts, the devnet).
   */
  readonly account: Account | Address;
  readonly allowNonLoopback?: boolean;
  /**
   * Sends one of the facilitator's transactions as `account` and resolves with its hash once mined: a nonce-safe
   * sender shared by everything that sends as that key (every gateway of the process, every instance through the
   * nonce store). Absent: viem's wallet assigns each transaction the node's pending nonce, right only for a key the
   * node holds (it assigns nonces itself) or one sender at a time; concurrent deposits as a KMS key would collide.
   */
  readonly send?: (transaction: { to: Address; data: Hex; gas?: bigint }) => Promise<Hash>;
}

const DEPOSIT_RECEIPT_POLLING_MS = 250;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The SDK facilitator's EVM signer over a chain's RPC URL: reads, EIP-712 checks (ECDSA and EIP-1271 alike, via
 * `verifyHash`) and the deposit transactions, sent as `account`. The chain is defined from the URL alone, so no
 * public default RPC of a viem chain definition is ever used.
 *
 * @example
 * const scheme = new BatchSettlementEvmScheme(rpcFacilitatorSigner({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", account: relayer }));
 */
export function rpcFacilitatorSigner(options: RpcFacilitatorSignerOptions): FacilitatorEvmSigner {
  let host: string;
  try {
    host = new URL(options.rpcUrl).hostname;
  } catch {
    throw new InvalidGatewayConfigError(`the RPC URL of chain ${options.chainId} is not a URL`);
  }
  if (!options.allowNonLoopback && !LOOPBACK.has(host)) {
    throw new InvalidGatewayConfigError(`the RPC URL of chain ${options.chainId} is not on loopback`);
  }
  const chain = defineChain({
    id: options.chainId,
    name: `chain-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const transport = http(options.rpcUrl, { retryCount: 1 });
  // A deposit's first call waits for its transaction's receipt: viem's default 4 s polling would hold that buyer's
  // first call for seconds after the block that included it (L2 blocks come every 0.25-2 s).
  const reader = createPublicClient({ chain, transport, pollingInterval: DEPOSIT_RECEIPT_POLLING_MS });
  const wallet = createWalletClient({ chain, transport, account: options.account });
  return toFacilitatorEvmSigner({
    address: wallet.account.address,
    readContract: (args) => reader.readContract({ ...args, args: args.args ?? [] }),
    verifyTypedData: ({ address, domain, types, primaryType, message, signature }) =>
      reader.verifyHash({
        address,
        hash: hashTypedData({ domain: typedDataDomain(domain), types, primaryType, message }),
        signature,
      }),
    writeContract: (args) => {
      const { send } = options;
      if (send === undefined) return wallet.writeContract({ ...args });
      const call = encodeFunctionData({ abi: args.abi, functionName: args.functionName, args: args.args ?? [] });
      const data: Hex = args.dataSuffix === undefined ? call : `${call}${args.dataSuffix.slice(2)}`;
      return send({ to: args.address, data, ...(args.gas === undefined ? {} : { gas: args.gas }) });
    },
    sendTransaction: (args) =>
      options.send === undefined ? wallet.sendTransaction(args) : options.send({ to: args.to, data: args.data }),
    waitForTransactionReceipt: (args) => reader.waitForTransactionReceipt(args),
    getCode: (args) => reader.getCode(args),
  });
}

// The SDK types the EIP-712 domain loosely (a record of unknown); viem wants it typed, so it is checked field by field.
function typedDataDomain(domain: Record<string, unknown>): TypedDataDomain {
  const { name, version, chainId, verifyingContract, salt } = domain;
  return {
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof version === "string" ? { version } : {}),
    ...(typeof chainId === "number" || typeof chainId === "bigint" ? { chainId } : {}),
    ...(typeof verifyingContract === "string" && isAddress(verifyingContract) ? { verifyingContract } : {}),
    ...(typeof salt === "string" && isHex(salt) ? { salt } : {}),
  };
}
