// The dashboard page: reads the status API of its own origin every 5 s and renders models, plots, the money trail of
// an epoch and the relay pipeline. A failed refresh keeps the last data on screen under a visible banner.
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { loadSnapshot } from "./api.ts";
import { onFollowChange, type PageState, render } from "./render.ts";

const REFRESH_MS = 5_000;
const state: PageState = { plots: new Map(), latest: undefined };

function showBanner(message: string | undefined): void {
  const banner = document.getElementById("banner");
  if (!banner) return;
  banner.hidden = message === undefined;
  banner.textContent =
    message === undefined
      ? ""
      : `Could not refresh from the status API: ${message}. Retrying every ${REFRESH_MS / 1_000} s.`;
}

async function refresh(): Promise<void> {
  try {
    render(await loadSnapshot(), state);
    showBanner(undefined);
  } catch (error) {
    showBanner(error instanceof Error ? error.message : String(error));
  } finally {
    setTimeout(() => void refresh(), REFRESH_MS);
  }
}

document.getElementById("follow-form")?.addEventListener("change", () => onFollowChange(state));
void refresh();
