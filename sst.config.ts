/// <reference path="./stacks/sst-globals.d.ts" />
// Only wiring lives here (SST forbids top-level imports in this file): each stack file owns one group of resources.
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
    const { createStorage } = await import("./stacks/storage.ts");
    const storage = createStorage();
    return { jobsTable: storage.jobs.name, cursorsTable: storage.cursors.name };
  },
});
