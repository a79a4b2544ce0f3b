import type { SlaReport } from "@slabridge/core";
import { type Address, getAddress, type Hex, recoverTypedDataAddress } from "viem";
import { SlaSigningError } from "./errors.ts";
import { type SlaDomainTarget, type SlaReportTypedData, slaReportTypedData } from "./slaReportTypedData.ts";

/**
 * Anything that signs EIP-712 typed data for one address: a viem `LocalAccount` fits as is; a KMS signer or an
 * unlocked node account fits through a small adapter ({@link walletClientSigner}).
 */
export interface SlaReportSigner {
  readonly address: Address;
  signTypedData(typedData: SlaReportTypedData): Promise<Hex>;
}

/** The minimal slice of a viem WalletClient {@link walletClientSigner} uses. */
export interface TypedDataWallet {
  signTypedData(args: SlaReportTypedData & { account: Address }): Promise<Hex>;
}

/**
 * A signer backed by a wallet client for an account the node holds (anvil's unlocked dev accounts:
 * `eth_signTypedData_v4` on the node).
 *
 * @example const signer = walletClientSigner(devnetClients.wallet(prober), prober);
 */
export function walletClientSigner(wallet: TypedDataWallet, address: Address): SlaReportSigner {
  return {
    address: getAddress(address),
    signTypedData: (typedData) => wallet.signTypedData({ ...typedData, account: address }),
  };
}

/** A report with the signatures the SlaOracle takes, in the order it takes them. */
export interface SignedSlaReport {
  report: SlaReport;
  /** Signatures sorted by signer address ascending (the oracle requires strictly ascending signers). */
  signatures: Hex[];
  /** The signer of each signature, same order. */
  signers: Address[];
  /** The EIP-712 digest signed (= `SlaOracle.hashReport(report)` = the verdict's `reportHash`). */
  typedData: SlaReportTypedData;
}

/**
 * Signs `report` with every signer (in parallel), checks each signature recovers to its signer, and returns the
 * signatures sorted by signer address ascending, as `SlaOracle.submitReport` requires. Whether there are enough
 * of them (the oracle's threshold) is the oracle's call: this only guarantees well-formed, distinct, ordered ones.
 *
 * @throws {SlaSigningError} with no signers, a duplicate signer, or a signature that recovers to someone else.
 * @example
 * ```ts
 * const { signatures } = await signSlaReport(report, { chainId: 31338, oracle }, [proberA, proberB]);
 * await sender.send(buildSubmitReportTx({ oracle, report, signatures }));
 * ```
 */
export async function signSlaReport(
  report: SlaReport,
  target: SlaDomainTarget,
  signers: readonly SlaReportSigner[],
): Promise<SignedSlaReport> {
  if (signers.length === 0) throw new SlaSigningError("No signers for the SLA report.");
  const typedData = slaReportTypedData(report, target);
  // Compare as numbers: the oracle orders signers as uint160, and checksummed hex does not sort that way.
  const sorted = signers
    .map((signer) => ({ signer, address: getAddress(signer.address), key: BigInt(signer.address) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const current = sorted[i];
    if (current !== undefined && current.key === sorted[i - 1]?.key) {
      throw new SlaSigningError("The same signer appears twice.", { signer: current.address });
    }
  }
  const signatures = await Promise.all(
    sorted.map(async ({ signer, address }) => {
      let signature: Hex;
      try {
        signature = await signer.signTypedData(typedData);
      } catch (cause) {
        throw new SlaSigningError("A signer failed to sign the SLA report.", { signer: address, cause });
      }
      const recovered = await recoverTypedDataAddress({ ...typedData, signature });
      if (recovered !== address) {
        throw new SlaSigningError(`The signature recovers to ${recovered}, not to its signer.`, { signer: address });
      }
      return signature;
    }),
  );
  return { report, signatures, signers: sorted.map((s) => s.address), typedData };
}
