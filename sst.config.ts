/// <reference path="./stacks/sst-globals.d.ts" />
// Only wiring lives here (SST forbids top-level imports in this file): each stack file owns one group of resources,
// and each stack's return value is what the next one links.
export default $config({
  app(input) {
    return {
      name: "slabridge",
      home: "aws",
      removal: input.stage === "production" ? "retain" : "remove",
      protect: input.stage === "production",
    };
  },
  async run() {
    const { stageTopology } = await import("./stacks/stages.ts");
    const { createEvidenceBucket, createStorage } = await import("./stacks/storage.ts");
    const { createSigners, readStageManifest } = await import("./stacks/signers.ts");
    const { createRelay } = await import("./stacks/relay.ts");
    const { createProbes } = await import("./stacks/probes.ts");
    const { createSettlement } = await import("./stacks/settlement.ts");
    const { createApi } = await import("./stacks/api.ts");
    const { createOperations } = await import("./stacks/operations.ts");

    const topology = stageTopology($app.stage);
    const storage = createStorage();
    const evidence = createEvidenceBucket();
    // The stage's KMS keys are the operator's, named by the manifest `npm run deploy` wrote: granted, never created.
    const signers = createSigners(topology, readStageManifest(topology));
    const relay = createRelay({ topology, storage, signers });
    const { scheduleDeadLetterQueue } = relay;
    const probes = createProbes({ topology, storage, signers, evidence, scheduleDeadLetterQueue });
    const settlement = createSettlement({
      topology,
      storage,
      signers,
      relayQueue: relay.queue,
      scheduleDeadLetterQueue,
    });
    const api = createApi({ topology, storage, signers, evidence });
    const operations = createOperations({ topology, relay, probes, settlement, api });

    return {
      // The operator commands' tables (`npm run ops -- ... --table jobs=<jobsTable> ...`).
      jobsTable: storage.jobs.name,
      cursorsTable: storage.cursors.name,
      paymentsTable: storage.payments.name,
      noncesTable: storage.nonces.name,
      evidenceBucket: evidence.name,
      relayQueueUrl: relay.queue.url,
      relayDeadLetterQueueUrl: relay.deadLetterQueue.url,
      scheduleDeadLetterQueueUrl: relay.scheduleDeadLetterQueue.url,
      watchEvmFunction: relay.functions.watchEvm.name,
      watchSolanaFunction: relay.functions.watchSolana.name,
      relayFunction: relay.functions.relay.name,
      retryFunction: relay.functions.retry.name,
      proberFunctions: probes.probers.map((prober) => prober.fn.name),
      probeCoordinatorFunction: probes.coordinator.name,
      evaluateFunction: probes.evaluator.name,
      refundFunction: settlement.refund.name,
      settleFunction: settlement.settle.name,
      netFunction: settlement.net.name,
      statusFunction: api.status.name,
      statusUrl: api.status.url,
      gatewayFunction: api.gateway.name,
      gatewayUrl: api.gateway.url,
      alarmTopic: operations.alarmTopic.arn,
    };
  },
});
