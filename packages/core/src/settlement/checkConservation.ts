import { InvalidNettingInputError } from "./errors.ts";

/** One holder's balance of the stablecoin on one chain. */
export interface HolderBalance {
  /** What the holder is (payee, escrow, vault, buyer, ...), for the report only. */
  role: string;
  account: string;
  amount: bigint;
}

/** The stablecoin on one chain: its total supply and every balance that makes it up. */
export interface ChainSupply {
  chain: number;
  /** ERC-20 `totalSupply` on an EVM chain; the SPL mint's `supply` on Solana. */
  totalSupply: bigint;
  balances: readonly HolderBalance[];
}

/** Value burnt on a source chain and not (yet) minted on its destination: an OFT send whose GUID is not delivered. */
export interface InFlightTransfer {
  id: string;
  from: number;
  to: number;
  amount: bigint;
}

/** Input of {@link checkConservation}. */
export interface ConservationInput {
  chains: readonly ChainSupply[];
  inFlight?: readonly InFlightTransfer[];
  /** Everything ever minted by the issuer across chains; when given, Σ supplies + in flight must equal it. */
  issued?: bigint;
}

/** What {@link checkConservation} found. */
export interface ConservationReport {
  /** True when every chain's supply equals its balances and (with `issued`) supplies + in flight equal `issued`. */
  holds: boolean;
  totalSupply: bigint;
  totalBalances: bigint;
  inFlight: bigint;
  /** Per chain: totalSupply − Σ balances (0 when the listed holders hold all the supply). */
  unaccounted: ReadonlyMap<number, bigint>;
  /** issued − (Σ supplies + in flight), when `issued` is given. */
  missing?: bigint;
  /** One line per violated rule. */
  violations: string[];
}

/**
 * Checks that no stablecoin was created or lost: on every chain the supply equals the balances of the listed holders
 * (payees, escrows, vaults, buyers), and across chains the supplies plus what is in flight between them (OFT sends
 * burnt on the source, not yet minted on the destination) equal what was issued. Pure: the caller reads balances.
 *
 * Throws {@link InvalidNettingInputError} for negative amounts or a chain listed twice.
 *
 * @example
 * ```ts
 * const report = checkConservation({
 *   chains: [{ chain: 31337, totalSupply: 10n, balances: [{ role: "vault", account: "0xv", amount: 10n }] }],
 *   inFlight: [{ id: "0xguid", from: 31337, to: 31338, amount: 5n }],
 *   issued: 15n,
 * });
 * report.holds; // true
 * ```
 */
export function checkConservation(input: ConservationInput): ConservationReport {
  const unaccounted = new Map<number, bigint>();
  const violations: string[] = [];
  let totalSupply = 0n;
  let totalBalances = 0n;
  input.chains.forEach((chain, c) => {
    if (unaccounted.has(chain.chain)) throw new InvalidNettingInputError(`chains[${c}]`, `chain ${chain.chain} twice`);
    nonNegative(chain.totalSupply, `chains[${c}].totalSupply`);
    const seen = new Set<string>();
    let sum = 0n;
    chain.balances.forEach((balance, b) => {
      nonNegative(balance.amount, `chains[${c}].balances[${b}].amount`);
      // The same holder listed twice under two roles would be counted twice.
      if (seen.has(balance.account)) {
        throw new InvalidNettingInputError(`chains[${c}].balances[${b}]`, `holder ${balance.account} listed twice`);
      }
      seen.add(balance.account);
      sum += balance.amount;
    });
    const gap = chain.totalSupply - sum;
    unaccounted.set(chain.chain, gap);
    if (gap !== 0n) {
      violations.push(`chain ${chain.chain}: supply ${chain.totalSupply} but listed balances ${sum} (gap ${gap})`);
    }
    totalSupply += chain.totalSupply;
    totalBalances += sum;
  });
  let inFlight = 0n;
  (input.inFlight ?? []).forEach((transfer, t) => {
    nonNegative(transfer.amount, `inFlight[${t}].amount`);
    inFlight += transfer.amount;
  });
  const report: ConservationReport = { holds: false, totalSupply, totalBalances, inFlight, unaccounted, violations };
  if (input.issued !== undefined) {
    const missing = input.issued - (totalSupply + inFlight);
    report.missing = missing;
    if (missing !== 0n) {
      violations.push(
        `issued ${input.issued} but supplies ${totalSupply} + in flight ${inFlight} (missing ${missing})`,
      );
    }
  }
  report.holds = violations.length === 0;
  return report;
}

function nonNegative(amount: bigint, field: string): void {
  if (amount < 0n) throw new InvalidNettingInputError(field, `${amount} is negative`);
}
