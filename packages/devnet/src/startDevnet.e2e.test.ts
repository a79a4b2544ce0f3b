import { readFileSync } from "node:fs";
import net from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetPublicKeyCommand } from "@aws-sdk/client-kms";
import {
  escrowAbi,
  modelRegistryAbi,
  revenueLedgerAbi,
  slaOracleAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import {
  encodeMessage,
  type KeyReference,
  manifestRpcUrlOf,
  manifestWsUrlOf,
  parseDeploymentManifest,
} from "@slabridge/core";
import { secp256k1PointOfSpki } from "@slabridge/evm";
import { createTransferInstruction, MULTISIG_SIZE, MultisigLayout } from "@solana/spl-token";
import { Connection, Keypair, PublicKey, sendAndConfirmTransaction, Transaction } from "@solana/web3.js";
import { type Address, bytesToHex, erc20Abi, getAddress, type Hex, pad, parseEventLogs, toHex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetChainsOf } from "./devnetChainsOf.ts";
import { devnetStablecoinAbi } from "./evm/abis.ts";
import { readWormholeMessages } from "./evm/readWormholeMessages.ts";
import { submitTransaction } from "./evm/submitTransaction.ts";
import { localKmsClient } from "./kms/createDevnetKmsKeys.ts";
import { createMemoInstruction } from "./solana/memo.ts";
import { type Devnet, startDevnet } from "./startDevnet.ts";

// Every outbound TCP connection this process makes during the suite, to prove the devnet stays on loopback.
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordConnect(this: net.Socket, ...args: unknown[]) {
  const [first] = args;
  const options = typeof first === "object" && first !== null ? (first as { host?: string; path?: string }) : {};
  if (!options.path)
    connections.push(typeof first === "number" ? String(args[1] ?? "localhost") : (options.host ?? "localhost"));
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const EPOCH_SECONDS = 3;
let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, payPerCall: true });
}, 60_000);

afterAll(async () => {
  await devnet?.stop();
  net.Socket.prototype.connect = originalConnect;
});

const chain = (name: string) => {
  const found = devnetChainsOf(devnet.manifest).evm.find((c) => c.name === name);
  if (!found) throw new Error(`no chain ${name}`);
  return found;
};

describe("startDevnet", () => {
  it("writes a manifest that the shared schema accepts, with key references and no key material", () => {
    const text = readFileSync(devnet.manifestPath, "utf8");
    const manifest = parseDeploymentManifest(JSON.parse(text));
    expect(devnetChainsOf(manifest).evm.map((c) => c.chainId)).toEqual([31_337, 31_338]);
    expect(manifest.models).toHaveLength(3);
    expect(text).not.toMatch(/"(privateKey|secretKey|mnemonic)"/i);
  });

  it("names the Solana vault's operators as Ed25519 keys in the loopback KMS, the multisig's own signers", async () => {
    const solana = devnetChainsOf(devnet.manifest).solana;
    if (!solana) throw new Error("no solana");
    const endpoint = devnet.kms?.endpoint;
    if (endpoint === undefined) throw new Error("the devnet started no KMS");
    const kms = localKmsClient(endpoint);
    const keys: string[] = [];
    for (const ref of solana.operators) {
      if (ref.kind !== "kms") throw new Error(`expected a kms key, not ${ref.kind}`);
      const got = await kms.send(new GetPublicKeyCommand({ KeyId: ref.keyId }));
      expect(got.KeySpec).toBe("ECC_NIST_EDWARDS25519");
      // The SPKI's last 32 bytes are the key: the manifest's base58 public key.
      expect(new PublicKey((got.PublicKey ?? new Uint8Array()).subarray(12)).toBase58()).toBe(ref.publicKey);
      keys.push(ref.publicKey);
    }
    // The vault's authority is the SPL multisig of exactly those keys, 2 of 3.
    const info = await new Connection(manifestRpcUrlOf(solana), "confirmed").getAccountInfo(
      new PublicKey(solana.multisig),
    );
    const multisig = MultisigLayout.decode(info?.data ?? Buffer.alloc(MULTISIG_SIZE));
    expect(multisig.m).toBe(solana.threshold);
    const signers = [multisig.signer1, multisig.signer2, multisig.signer3].map((key) => key.toBase58());
    expect(signers).toEqual(keys);
  });

  it("names every operator role's key in the loopback KMS: a key of its own, funded, the one that deployed", async () => {
    const { keys } = devnet.manifest;
    const vaults = (keys.nettingVaults ?? []).flatMap((vault) => (vault.key ? [vault.key] : []));
    const roles: KeyReference[] = [
      keys.deployer,
      keys.layerZeroDvn,
      keys.layerZeroExecutor,
      ...keys.probers,
      ...vaults,
      ...(keys.x402Facilitator ? [keys.x402Facilitator] : []),
      ...(keys.proberPayers ?? []),
    ];
    expect(roles).toHaveLength(3 + 3 + 2 + 1 + 3);
    const endpoint = devnet.kms?.endpoint;
    if (endpoint === undefined) throw new Error("the devnet started no KMS");
    const kms = localKmsClient(endpoint);
    const addresses: Address[] = [];
    for (const ref of roles) {
      if (ref.kind !== "kms") throw new Error(`expected a kms key, not ${ref.kind}`);
      // The KMS holds the key the manifest names (by alias), and the manifest's public key is that key's.
      const got = await kms.send(new GetPublicKeyCommand({ KeyId: ref.keyId }));
      expect(bytesToHex(secp256k1PointOfSpki(got.PublicKey ?? new Uint8Array()))).toBe(ref.publicKey);
      addresses.push(publicKeyToAddress(ref.publicKey as Hex));
    }
    expect(new Set(addresses).size).toBe(roles.length);
    const deployer = addresses[0] as Address;
    const home = chain("evm-b");
    const { publicClient } = devnet.evm.clients(home.chainId);
    const owner = (address: Address, abi: typeof modelRegistryAbi | typeof slaOracleAbi) =>
      publicClient.readContract({ address, abi, functionName: "owner" });
    // The deploy plan signed with the KMS deployer: it owns what it deployed.
    expect(await owner(home.contracts.modelRegistry as Address, modelRegistryAbi)).toBe(deployer);
    expect(await owner(home.contracts.slaOracle as Address, slaOracleAbi)).toBe(deployer);
    const probers = addresses.slice(3, 6);
    for (const prober of probers) {
      expect(
        await publicClient.readContract({
          address: home.contracts.slaOracle as Address,
          abi: slaOracleAbi,
          functionName: "isSigner",
          args: [prober],
        }),
      ).toBe(true);
    }
    // Every key has gas on every chain; the vaults and the probers' payers hold the stablecoin, as buyers do.
    const holders = new Set([...addresses.slice(6, 8), ...addresses.slice(9)]);
    for (const c of devnetChainsOf(devnet.manifest).evm) {
      const client = devnet.evm.clients(c.chainId).publicClient;
      for (const address of addresses) {
        expect(await client.getBalance({ address })).toBeGreaterThan(0n);
        const held = await client.readContract({
          address: c.stablecoin.address,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [address],
        });
        expect(held > 0n).toBe(holders.has(address));
      }
    }
    expect(keys.nettingVaults?.map((vault) => vault.account.slice(-40).toLowerCase())).toEqual([
      ...addresses.slice(6, 8).map((address) => getAddress(address).slice(2).toLowerCase()),
      expect.any(String), // Solana: the vault token account itself
    ]);
  });

  it("boots every part, and each answers", async () => {
    for (const c of devnetChainsOf(devnet.manifest).evm) {
      const id = await devnet.evm.clients(c.chainId).publicClient.getChainId();
      expect(id).toBe(c.chainId);
    }
    const solana = new Connection(devnet.solana.url, "confirmed");
    expect(await solana.getSlot()).toBeGreaterThan(0);
    const vault = await solana.getTokenAccountBalance(
      new PublicKey(devnetChainsOf(devnet.manifest).solana?.vault ?? ""),
    );
    expect(vault.value.decimals).toBe(6);

    const missing = await fetch(`${devnet.manifest.guardian.apiUrl}/v1/signed_vaa/1/${"00".repeat(32)}/9`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 5 });

    const dynamo = new DynamoDBClient({
      endpoint: devnet.manifest.dynamo.endpoint ?? "",
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const { TableNames } = await dynamo.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(Object.values(devnet.manifest.dynamo.tables)));
    dynamo.destroy();

    for (const host of devnet.manifest.hosts) {
      const answer = await fetch(`${host.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: devnet.hosts.find((h) => h.name === host.name)?.model, prompt: "ping" }),
      });
      // poorUptime fails a fifth of requests with 503 on purpose; the others answer.
      expect([200, 503]).toContain(answer.status);
    }
  });

  it("listed every demo model on the payment chain's escrow over LayerZero (EndpointV2 + ULN302)", async () => {
    const a = chain("evm-a");
    for (const model of devnet.manifest.models) {
      const listing = await devnet.evm.clients(a.chainId).publicClient.readContract({
        address: a.contracts.escrow as Address,
        abi: escrowAbi,
        functionName: "listing",
        args: [BigInt(model.modelId)],
      });
      expect(listing.epochSeconds).toBe(BigInt(EPOCH_SECONDS));
      expect(listing.currentPrice).toBe(BigInt(model.pricePerRequest));
      expect(listing.currentActive).toBe(true);
    }
  });

  it("carries a receipt batch from evm-a to the home chain as a Wormhole VAA signed by the devnet guardian", async () => {
    const a = chain("evm-a");
    const b = chain("evm-b");
    const clientsA = devnet.evm.clients(a.chainId);
    const clientsB = devnet.evm.clients(b.chainId);
    const escrow = a.contracts.escrow as Address;
    const [buyerRef] = devnet.manifest.keys.demoBuyers;
    if (buyerRef?.kind !== "anvil-dev-account") throw new Error("expected an anvil buyer");
    const buyer = clientsA.wallet(buyerRef.address);
    const model = devnet.manifest.models[0];
    if (!model) throw new Error("no model");
    const modelId = BigInt(model.modelId);
    const amount = BigInt(model.pricePerRequest) * 5n;

    await submitTransaction(clientsA.publicClient, "approve", () =>
      buyer.writeContract({
        address: a.stablecoin.address as Address,
        abi: devnetStablecoinAbi,
        functionName: "approve",
        args: [escrow, amount],
      }),
    );
    const paid = await submitTransaction(clientsA.publicClient, "pay", () =>
      buyer.writeContract({ address: escrow, abi: escrowAbi, functionName: "pay", args: [modelId, amount] }),
    );
    // The epoch the payment landed in, from its own event: with 3 s epochs, a currentEpoch read before the send can
    // name the epoch before it on a loaded machine.
    const [paidEvent] = parseEventLogs({ abi: escrowAbi, eventName: "Paid", logs: paid.logs });
    if (!paidEvent) throw new Error("pay emitted no Paid event");
    const epoch = paidEvent.args.epoch;
    // End the epoch on evm-a (its own clock decides), then relay the epoch's receipts over Wormhole.
    await clientsA.publicClient.request({ method: "evm_increaseTime" as never, params: [EPOCH_SECONDS] as never });
    await clientsA.publicClient.request({ method: "evm_mine" as never });
    const messenger = a.contracts.wormholeMessenger as Address;
    const message = encodeMessage({
      kind: "ReceiptBatch",
      modelId,
      epoch,
      paymentChain: a.chainId,
      batchIndex: 0,
      count: 1,
      total: amount,
      paymentsRoot: `0x${"00".repeat(32)}`,
      finalBatch: true,
    });
    const fee = await clientsA.publicClient.readContract({
      address: messenger,
      abi: wormholeMessengerAbi,
      functionName: "quote",
      args: [b.chainId, message],
    });
    const receipt = await submitTransaction(clientsA.publicClient, "relayReceipts", () =>
      buyer.writeContract({
        address: escrow,
        abi: escrowAbi,
        functionName: "relayReceipts",
        args: [modelId, epoch, 100, messenger],
        value: fee,
      }),
    );
    const [published] = await readWormholeMessages(clientsA, a.wormhole.core as Address, a.wormhole.chainId, receipt);
    if (!published) throw new Error("nothing published on the Wormhole core");

    // The bot's path: fetch the signed VAA from the guardian API (polling until the observer has signed it).
    const emitter = pad(messenger).slice(2);
    const url = `${devnet.manifest.guardian.apiUrl}/v1/signed_vaa/${a.wormhole.chainId}/${emitter}/${published.sequence}`;
    let vaa: `0x${string}` | undefined;
    for (let attempt = 0; attempt < 100 && !vaa; attempt++) {
      const response = await fetch(url);
      if (response.status === 200) {
        const body = (await response.json()) as { vaaBytes: string };
        vaa = toHex(Buffer.from(body.vaaBytes, "base64"));
      } else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!vaa) throw new Error("the devnet guardian never served the VAA");

    const relayer = clientsB.wallet(buyerRef.address);
    const homeMessenger = b.contracts.wormholeMessenger as Address;
    await submitTransaction(clientsB.publicClient, "receiveVaa", () =>
      relayer.writeContract({
        address: homeMessenger,
        abi: wormholeMessengerAbi,
        functionName: "receiveVaa",
        args: [vaa],
      }),
    );
    const revenue = await clientsB.publicClient.readContract({
      address: b.contracts.revenueLedger as Address,
      abi: revenueLedgerAbi,
      functionName: "revenue",
      args: [modelId, epoch, a.chainId],
    });
    expect(revenue.total).toBe(amount);
    expect(revenue.payments).toBe(1n);

    // A replay of the same VAA is refused by the messenger, and the ledger does not move.
    await expect(
      clientsB.publicClient.simulateContract({
        account: buyerRef.address,
        address: homeMessenger,
        abi: wormholeMessengerAbi,
        functionName: "receiveVaa",
        args: [vaa],
      }),
    ).rejects.toThrow(/AlreadyDelivered/);
  });

  it("shows a Solana stablecoin payment with its memo through Connection", async () => {
    const solana = devnetChainsOf(devnet.manifest).solana;
    if (!solana) throw new Error("no solana");
    const buyerRef = devnet.manifest.keys.demoBuyers.find((ref) => ref.kind === "devnet-key-file");
    if (buyerRef?.kind !== "devnet-key-file") throw new Error("no solana buyer");
    const buyer = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(buyerRef.path, "utf8"))));
    const connection = new Connection(manifestRpcUrlOf(solana), {
      commitment: "confirmed",
      wsEndpoint: manifestWsUrlOf(solana),
    });
    const { value: accounts } = await connection.getTokenAccountsByOwner(buyer.publicKey, {
      mint: new PublicKey(solana.mint),
    });
    const source = accounts[0]?.pubkey;
    if (!source) throw new Error("buyer has no token account");
    const memo = `slabridge:v1:model=1:payment=${Date.now()}`;
    const tx = new Transaction().add(
      createTransferInstruction(source, new PublicKey(solana.vault), buyer.publicKey, 50_000n),
      createMemoInstruction(memo, [buyer.publicKey]),
    );
    const signature = await sendAndConfirmTransaction(connection, tx, [buyer]);

    const listed = await connection.getSignaturesForAddress(new PublicKey(solana.vault), { limit: 5 });
    expect(listed[0]?.signature).toBe(signature);
    expect(listed[0]?.memo).toContain(memo);
    const fetched = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    const vaultAfter = fetched?.meta?.postTokenBalances?.find((b) => b.owner === solana.multisig);
    const vaultBefore = fetched?.meta?.preTokenBalances?.find((b) => b.owner === solana.multisig);
    expect(BigInt(vaultAfter?.uiTokenAmount.amount ?? "0") - BigInt(vaultBefore?.uiTokenAmount.amount ?? "0")).toBe(
      50_000n,
    );
    expect(fetched?.meta?.logMessages?.some((line) => line.includes(memo))).toBe(true);
  });

  it("runs a second devnet beside the first, on other ports, and stops it without touching the first", async () => {
    const second = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"] });
    try {
      const firstUrls = new Set(devnetChainsOf(devnet.manifest).evm.map((c) => c.rpcUrl));
      for (const c of devnetChainsOf(second.manifest).evm) expect(firstUrls.has(c.rpcUrl)).toBe(false);
      expect(second.solana.url).not.toBe(devnet.solana.url);
      expect(await second.evm.clients(31_337).publicClient.getChainId()).toBe(31_337);
    } finally {
      await second.stop();
    }
    for (const pid of second.evm.pids) expect(isAlive(pid)).toBe(false);
    expect(await devnet.evm.clients(31_337).publicClient.getChainId()).toBe(31_337);
  });

  it("connected only to loopback addresses", () => {
    expect(connections.length).toBeGreaterThan(10);
    const offLoopback = connections.filter((host) => !["127.0.0.1", "localhost", "::1"].includes(host));
    expect(offLoopback).toEqual([]);
  });
});

describe("stopping the devnet", () => {
  it("leaves no process and no open port behind", async () => {
    const throwaway = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"] });
    const ports = [
      ...devnetChainsOf(throwaway.manifest).evm.map((c) => new URL(manifestRpcUrlOf(c)).port),
      new URL(throwaway.solana.url).port,
      new URL(throwaway.manifest.guardian.apiUrl).port,
      new URL(throwaway.manifest.dynamo.endpoint ?? "").port,
      new URL(throwaway.kms?.endpoint ?? "").port,
      ...throwaway.manifest.hosts.map((h) => new URL(h.url).port),
    ].map(Number);
    await throwaway.stop();
    await throwaway.stop(); // idempotent
    for (const pid of throwaway.evm.pids) expect(isAlive(pid)).toBe(false);
    for (const port of ports) expect(await accepts(port)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
