import { SlabridgeError } from "@slabridge/core";

/** Why a deployment stopped; callers branch on it, never on the message. */
export type DeployErrorCode =
  /** The stage config, the deploy parameters or the CLI arguments are invalid (nothing was sent). */
  | "invalid-config"
  /** A protocol address (LayerZero endpoint, Wormhole core, stablecoin) is in no installed address book. */
  | "unknown-protocol-address"
  /** A chain's RPC does not answer, or answers for another chain id. */
  | "rpc-unreachable"
  /** The state file records an address with no code on chain: it belongs to other chains (or they were reset). */
  | "state-out-of-date"
  /** The state file is unreadable or was written for another stage or deployer. */
  | "invalid-state"
  /** A transaction reverted (at estimation or mined). */
  | "transaction-reverted"
  /** A Solana vault account exists at its address but is not the one planned (other signers, threshold or mint). */
  | "solana-account-mismatch"
  /**
   * A setting on chain holds another value than the plan's (an SLA receiver's authorizer set to another key, a
   * messenger delivering elsewhere): refused, not overwritten, unless the run is told to replace such settings; a
   * receiver's fixed settings (owner, token, channels, chains, epoch clock) cannot be replaced at all.
   */
  | "wiring-conflict";

/**
 * The one error the deploy package throws. Messages go through core's secret scrubbing (RPC URLs with API keys,
 * private keys); a step's id and the revert reason are in the message.
 *
 * @example throw new DeployError("state-out-of-date", "evm-a:deploy:Escrow: 0x12… has no code");
 */
export class DeployError extends SlabridgeError {
  override readonly name = "DeployError" as const;
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options: { cause?: unknown; details?: string } = {}) {
    // The cause's one-line reason, not its full text (viem's dumps the request, URL and body included).
    const details = options.details ?? (options.cause === undefined ? undefined : reasonOf(options.cause));
    // An unreachable RPC may come back; nothing else changes by retrying the same run.
    super(message, {
      cause: options.cause,
      ...(details === undefined ? {} : { details }),
      retryable: code === "rpc-unreachable",
    });
    this.code = code;
  }
}

/**
 * The one-line reason of a thrown value: a revert's reason string or custom error (viem decodes them with the ABI,
 * somewhere down the cause chain), else viem's `shortMessage` (its full text dumps the request).
 *
 * @example reasonOf(error) // "OwnableUnauthorizedAccount(0x70…)"
 */
export function reasonOf(error: unknown): string {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 16; depth++) {
    const { reason, data } = current as { reason?: unknown; data?: { errorName?: unknown; args?: unknown } };
    if (typeof reason === "string") return reason;
    if (data && typeof data.errorName === "string") {
      const args = Array.isArray(data.args) ? data.args.map(String).join(", ") : "";
      return `${data.errorName}(${args})`;
    }
    current = current.cause;
  }
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : (error.message.split("\n")[0] ?? error.name);
  }
  return String(error);
}
