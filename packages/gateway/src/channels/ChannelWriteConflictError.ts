import { SlabridgeError } from "@slabridge/core";

/** A channel update that could not be written (too much contention, or an update naming another channel). */
export class ChannelWriteConflictError extends SlabridgeError {
  override readonly name = "ChannelWriteConflictError" as const;
  constructor(channelId: string, details: string) {
    super(`Channel ${channelId} could not be updated.`, { details, retryable: true });
  }
}
