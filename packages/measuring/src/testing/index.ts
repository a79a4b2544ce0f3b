/**
 * @slabridge/measuring/testing: stand-ins for tests of the measuring workflow and of the functions that run it: an
 * in-memory home chain with the SlaOracle's rules, a devnet-shaped manifest and stage config, and a throwaway HTTP
 * server for hosts the demo host cannot play.
 */
export { FakeHomeChain } from "./FakeHomeChain.ts";
export { type InProcessProbers, inProcessProbers } from "./inProcessProbers.ts";
export { demoTerms, measureConfig, measureManifest } from "./measureFixtures.ts";
export { startTestServer, type TestServer } from "./startTestServer.ts";
export { TEST_ORACLE, TEST_PROBER_PRIVATE_KEYS, testProberKeys, testRegistry } from "./testProbers.ts";
