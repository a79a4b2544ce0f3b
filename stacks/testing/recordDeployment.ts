import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stageTopology } from "../stages.ts";
import { installRecordingSst, type SstRecording } from "./recordingSst.ts";
import { stageManifestFixture } from "./stageManifest.ts";

/** What `sst.config.ts` declared for one stage, against the recording stand-in. */
export interface RecordedDeployment {
  readonly recording: SstRecording;
  readonly outputs: Record<string, unknown>;
  /** The manifest `sst deploy` read its keys from. */
  readonly manifest: unknown;
  /** The KMS key ARN of each signing role of the default manifest, by where it names it (`keys.probers.0`). */
  readonly kmsArns: Readonly<Record<string, string>>;
}

/**
 * Runs `sst.config.ts` for a stage against the recording stand-in for SST's globals and returns what it declared.
 * Like `sst deploy`, it runs in the app's directory, here a temporary one holding only the stage's manifest
 * (`config/<stage>.manifest.json`): {@link stageManifestFixture}'s unless `options.manifest` replaces it.
 *
 * @example
 * const { recording, kmsArns } = await recordDeployment("dev");
 * recording.named("sst.aws.Function", "Relay").args.permissions;
 */
export async function recordDeployment(
  stage: string,
  options: { manifest?: unknown } = {},
): Promise<RecordedDeployment> {
  const fixture = stageManifestFixture(stage);
  const manifest = options.manifest ?? fixture.manifest;
  const root = mkdtempSync(join(tmpdir(), "slabridge-stacks-"));
  const file = join(root, stageTopology(stage).manifestFile);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(manifest));
  const sst = installRecordingSst({ name: "slabridge", stage });
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const config = (await import("../../sst.config.ts")).default;
    const outputs = await config.run();
    return { recording: sst.recording, outputs, manifest, kmsArns: fixture.kmsArns };
  } finally {
    process.chdir(cwd);
    sst.uninstall();
    rmSync(root, { recursive: true, force: true });
  }
}
