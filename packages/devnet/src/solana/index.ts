/** Local Solana runtime of the devnet: LiteSVM behind a loopback JSON-RPC. */
export { base58 } from "./base58.ts";
export {
  createStablecoinFixture,
  createStablecoinMint,
  mintStablecoin,
  type StablecoinFixture,
  type StablecoinFixtureOptions,
  type StablecoinMint,
  type StablecoinMintOptions,
} from "./createStablecoinFixture.ts";
export { createMemoInstruction, MEMO_PROGRAM_ID, MEMO_V1_PROGRAM_ID } from "./memo.ts";
export { RpcError, RpcErrorCode } from "./RpcError.ts";
export { BLOCKHASH_VALID_SLOTS, SolanaLedger } from "./SolanaLedger.ts";
export { SolanaLocalRpc, type SolanaLocalRpcOptions } from "./SolanaLocalRpc.ts";
export type { TransactionRecord } from "./TransactionHistory.ts";
