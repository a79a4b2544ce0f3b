import { installRecordingSst, type SstRecording } from "./recordingSst.ts";

/** What `sst.config.ts` declared for one stage, against the recording stand-in. */
export interface RecordedDeployment {
  readonly recording: SstRecording;
  readonly outputs: Record<string, unknown>;
}

/**
 * Runs `sst.config.ts` for a stage against the recording stand-in for SST's globals and returns what it declared.
 *
 * @example
 * const { recording } = await recordDeployment("dev");
 * recording.named("sst.aws.Function", "Relay").args.link;
 */
export async function recordDeployment(stage: string): Promise<RecordedDeployment> {
  const sst = installRecordingSst({ name: "slabridge", stage });
  try {
    const config = (await import("../../sst.config.ts")).default;
    const outputs = await config.run();
    return { recording: sst.recording, outputs };
  } finally {
    sst.uninstall();
  }
}
