/**
 * The longest probe timeout (ms) a host's SLA may ask for. The registry refuses larger `probeTimeoutMs` terms, and
 * the probe coordinator clamps to it whatever the chain returns, so one host can hold a prober for at most this long,
 * well inside the prober function's time budget (50 s): a hanging host can never eat another host's round.
 *
 * @example const timeoutMs = Math.min(terms.probeTimeoutMs, MAX_PROBE_TIMEOUT_MS);
 */
export const MAX_PROBE_TIMEOUT_MS = 30_000;
