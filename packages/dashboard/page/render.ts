import type uPlot from "uplot";
import { formatAmount, formatBps, formatMs, formatUnixSeconds, shortId } from "../src/view/format.ts";
import type { EpochJson, ModelJson } from "../src/view/json.ts";
import { epochSeries, followHops, moneyRows, pipelineView } from "../src/view/shape.ts";
import type { Snapshot } from "./api.ts";
import { code, el, table } from "./dom.ts";
import { drawPlot, type PlotKind } from "./plots.ts";

/** The status API reports stablecoin base units; slabridge's stablecoins (USDC and the devnet's dUSDC) have 6. */
const DECIMALS = 6;
const amount = (baseUnits: string | undefined) => formatAmount(baseUnits, DECIMALS);

/** What survives a refresh: the plots (updated in place) and the follow form's choice. */
export interface PageState {
  readonly plots: Map<HTMLElement, uPlot>;
  latest: Snapshot | undefined;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Renders every view from one snapshot. */
export function render(snapshot: Snapshot, state: PageState): void {
  state.latest = snapshot;
  const names = new Map(snapshot.health.chains.map((chain) => [chain.chainId, chain.name]));
  const chainName = (chainId: number | undefined) =>
    chainId === undefined ? "—" : `${names.get(chainId) ?? "chain"} (${chainId})`;
  byId("stage").textContent =
    `stage ${snapshot.health.stage} · home chain ${chainName(snapshot.health.homeChainId)} · chains: ${snapshot.health.chains
      .map((chain) => `${chain.name} (${chain.family})`)
      .join(", ")}`;
  byId("updated").textContent = `updated ${snapshot.health.time} (status API clock)`;
  renderModels(snapshot, state, names);
  renderFollow(snapshot, chainName);
  renderPipeline(snapshot, chainName);
}

function renderModels(snapshot: Snapshot, state: PageState, names: ReadonlyMap<number, string>): void {
  const list = byId("model-list");
  const wanted = snapshot.models.map((model) => `model-${model.modelId}`);
  // Keep each model's article (and its plots) across refreshes; drop models no longer listed.
  for (const child of [...list.children]) if (!wanted.includes(child.id)) child.remove();
  for (const model of snapshot.models) {
    const epochs = snapshot.epochs.get(model.modelId) ?? [];
    let article = document.getElementById(`model-${model.modelId}`);
    if (!article) {
      article = el(
        "article",
        { id: `model-${model.modelId}`, class: "model" },
        el("h3", {}),
        el("p", { class: "terms" }),
        el("p", { class: "bond" }),
        el(
          "div",
          { class: "plots" },
          ...(["latency", "uptime", "evidence"] as const).map((kind) =>
            el("div", { class: "plot", "data-plot": kind }),
          ),
        ),
        el("div", { class: "tables" }),
      );
      list.append(article);
    }
    fillModel(article, model, epochs, state, names);
  }
}

function fillModel(
  article: HTMLElement,
  model: ModelJson,
  epochs: readonly EpochJson[],
  state: PageState,
  names: ReadonlyMap<number, string>,
): void {
  const sla = model.sla;
  const query = <T extends Element>(selector: string) => article.querySelector(selector) as T;
  query("h3").textContent = `Model ${model.modelId}: ${model.name}`;
  query(".terms").textContent = `Host ${model.host.endpoint} · epoch ${model.currentEpoch} (ends ${formatUnixSeconds(
    model.currentEpochEndsAt,
  )}, ${model.epochSeconds} s each) · SLA: p95 ≤ ${formatMs(sla.maxP95LatencyMs)}, uptime ≥ ${formatBps(
    sla.minUptimeBps,
  )}, latency breach refunds ${formatBps(sla.latencyBreachRefundBps)}${sla.tiers
    .map((tier) => `, uptime < ${formatBps(tier.uptimeBelowBps)} refunds ${formatBps(tier.refundBps)}`)
    .join("")}`;
  const bonded = [...epochs].reverse().find((epoch) => epoch.bond !== null);
  query(".bond").textContent = bonded?.bond
    ? `Host bond: ${amount(bonded.bond.amount)} left${
        bonded.bond.unlockEpoch === "0" ? "" : ` (unlocks from epoch ${bonded.bond.unlockEpoch})`
      }; slashed: ${
        epochs
          .filter((epoch) => epoch.bond !== null && epoch.bond.slashed !== "0")
          .map((epoch) => `epoch ${epoch.epoch} ${amount(epoch.bond?.slashed)}`)
          .join(", ") || "nothing"
      }`
    : "Host bond: none in this deployment";

  const series = epochSeries(epochs);
  for (const plot of article.querySelectorAll<HTMLElement>(".plot")) {
    drawPlot(plot, plot.dataset.plot as PlotKind, series, state.plots);
  }

  const verdicts = table(
    "Verdicts per epoch",
    [
      "epoch",
      "window (UTC)",
      "p50 / p95 / p99",
      "uptime",
      "probes",
      "receipts",
      "verdict",
      "bond slash",
      "evidence bundle",
    ],
    epochs.map((epoch) => {
      const report = epoch.verdict?.report;
      return [
        epoch.epoch,
        `${formatUnixSeconds(epoch.startsAt)} – ${formatUnixSeconds(epoch.endsAt)}${epoch.ended ? "" : " (running)"}`,
        report ? `${formatMs(report.p50Ms)} / ${formatMs(report.p95Ms)} / ${formatMs(report.p99Ms)}` : "—",
        formatBps(report?.uptimeBps),
        report?.sampleCount ?? "—",
        report?.receiptCount ?? "—",
        epoch.verdict === null
          ? epoch.ended
            ? "awaiting verdict"
            : "—"
          : epoch.verdict.refundBps === 0
            ? "met: no refund"
            : `breached: refund ${formatBps(epoch.verdict.refundBps)}`,
        epoch.bond === null ? "—" : amount(epoch.bond.slashed),
        epoch.evidence
          ? el(
              "a",
              { href: `evidence/${epoch.evidence.bundle}`, title: epoch.evidence.bundle },
              shortId(epoch.evidence.bundle),
            )
          : "—",
      ];
    }),
    "verdicts",
  );
  const money = table(
    "Money per chain and epoch (stablecoin, 6 decimals)",
    ["epoch", "chain", "payments", "paid", "refunded", "released", "paid out", "state"],
    epochs.flatMap((epoch) =>
      moneyRows(epoch, names).map((row) => [
        epoch.epoch,
        `${row.chain} (${row.chainId})`,
        row.payments ?? "—",
        amount(row.paid),
        amount(row.refunded),
        amount(row.released),
        amount(row.paidOut),
        row.state,
      ]),
    ),
    "money",
  );
  query(".tables").replaceChildren(verdicts, money);
}

function renderFollow(snapshot: Snapshot, chainName: (chainId: number | undefined) => string): void {
  const modelSelect = byId<HTMLSelectElement>("follow-model");
  const epochSelect = byId<HTMLSelectElement>("follow-epoch");
  const chosenModel = modelSelect.value;
  const models = snapshot.models.map((model) => model.modelId);
  modelSelect.replaceChildren(
    ...snapshot.models.map((model) => el("option", { value: model.modelId }, `${model.modelId}: ${model.name}`)),
  );
  modelSelect.value = models.includes(chosenModel) ? chosenModel : (models[0] ?? "");
  const epochs = snapshot.epochs.get(modelSelect.value) ?? [];
  const chosenEpoch = epochSelect.dataset.model === modelSelect.value ? epochSelect.value : "";
  epochSelect.replaceChildren(
    ...epochs.map((epoch) =>
      el(
        "option",
        { value: epoch.epoch },
        `${epoch.epoch}${epoch.verdict ? "" : epoch.ended ? " (no verdict yet)" : " (running)"}`,
      ),
    ),
  );
  epochSelect.dataset.model = modelSelect.value;
  // By default the latest epoch with a verdict: the one whose money has moved.
  const fallback = [...epochs].reverse().find((epoch) => epoch.verdict !== null) ?? epochs.at(-1);
  epochSelect.value = epochs.some((epoch) => epoch.epoch === chosenEpoch) ? chosenEpoch : (fallback?.epoch ?? "");

  const epoch = epochs.find((candidate) => candidate.epoch === epochSelect.value);
  const hops = epoch ? followHops(epoch) : [];
  byId("follow-hops").replaceChildren(
    epoch
      ? table(
          `Model ${epoch.modelId}, epoch ${epoch.epoch}: every hop`,
          [
            "step",
            "chain",
            "what",
            "transaction",
            "message (transport: GUID / VAA id)",
            "arrived (destination transaction)",
            "status",
            "amount",
          ],
          hops.map((hop) => [
            hop.step,
            chainName(hop.chainId),
            hop.what,
            code(hop.transaction),
            hop.messageId ? el("span", {}, `${hop.transport ?? ""}: `, code(hop.messageId)) : "—",
            hop.destinationChainId === undefined
              ? "—"
              : el("span", {}, `${chainName(hop.destinationChainId)}: `, code(hop.destinationTransaction)),
            hop.status ?? "—",
            hop.amount === undefined ? "—" : amount(hop.amount),
          ]),
          "hops",
        )
      : el("p", {}, "No epoch to follow yet."),
  );
}

function renderPipeline(snapshot: Snapshot, chainName: (chainId: number | undefined) => string): void {
  const pipeline = pipelineView(snapshot.jobs, snapshot.controls);
  const jobsById = new Map(snapshot.jobs.jobs.map((job) => [job.id, job]));
  byId("pipeline-body").replaceChildren(
    table(
      "Unfinished jobs by state",
      ["state", "jobs"],
      pipeline.counts.map((row) => [row.status, row.count]),
      "job-counts",
    ),
    table(
      "Dead letters",
      ["job", "kind", "route", "reason", "dead-lettered at"],
      pipeline.deadLetters.map((letter) => {
        const job = jobsById.get(letter.id);
        return [
          code(letter.id),
          letter.kind,
          job ? `${chainName(job.source.chainId)} → ${chainName(job.destinationChainId)} over ${job.transport}` : "—",
          letter.reason,
          letter.at,
        ];
      }),
      "dead-letters",
    ),
    table(
      "Pauses in force",
      ["scope", "reason", "since"],
      pipeline.pauses.map((pause) => [pause.scope, pause.reason, pause.pausedAt]),
      "pauses",
    ),
    table(
      "Held by a pause or a rate limit",
      ["job", "reason", "asks again at"],
      pipeline.waits.map((wait) => [code(wait.id), wait.reason, wait.nextAttemptAt]),
      "waits",
    ),
  );
}

/** Re-renders the follow view when the form changes (no refetch: the latest snapshot has every epoch). */
export function onFollowChange(state: PageState): void {
  if (!state.latest) return;
  const names = new Map(state.latest.health.chains.map((chain) => [chain.chainId, chain.name]));
  renderFollow(state.latest, (chainId) =>
    chainId === undefined ? "—" : `${names.get(chainId) ?? "chain"} (${chainId})`,
  );
}
