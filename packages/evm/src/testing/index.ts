// @slabridge/evm/testing: fixtures for tests of packages that build on the EVM adapter (never imported by runtime code).
export { type ProxyAction, type RpcProxy, startRpcProxy } from "./startRpcProxy.ts";
