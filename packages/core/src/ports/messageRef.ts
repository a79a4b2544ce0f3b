/** A message in flight, as a transport identifies it; stored on the job so a stateless worker can resume. */
export interface MessageRef {
  transport: "layerzero" | "wormhole";
  /** LayerZero GUID, or the Wormhole VAA id `emitterChain/emitterHex/sequence`. */
  messageId: string;
  sourceChainId: number;
  /** The source transaction that emitted it (PacketSent / LogMessagePublished). */
  sourceTransaction: string;
}
