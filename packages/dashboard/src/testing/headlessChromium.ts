import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium: `.ci/run` installs it when missing. */
const CHROMIUM = "/usr/bin/chromium";
const ON_CI = process.env.CI === "true" || process.env.CI === "1";
const missing = !existsSync(CHROMIUM);

/**
 * Why the browser tests skip, or undefined when they run: they skip without Chromium, except on CI, where a missing
 * Chromium fails them instead.
 */
export function browserTestsSkipReason(): string | undefined {
  return missing && !ON_CI ? `dashboard browser tests skipped: no ${CHROMIUM} (apt-get install chromium)` : undefined;
}

const packageDir = fileURLToPath(new URL("../..", import.meta.url));
/** Where the tests write their screenshots (gitignored). */
const SCREENSHOTS = path.join(packageDir, "screenshots");

/**
 * Bundles this checkout's page as `npm run build` does, into a fresh folder of its own (test files run in parallel;
 * none touches dist/). Serve it with `createStatusHandler(getWorld, { dashboardDir })`.
 *
 * @throws {Error} when the build fails
 */
export function buildDashboard(): string {
  const dashboardDir = mkdtempSync(path.join(tmpdir(), "slabridge-dashboard-dist-"));
  const build = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts", dashboardDir], {
    cwd: packageDir,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`the dashboard build failed: ${build.stderr}`);
  return dashboardDir;
}

/** A page in a fresh headless Chromium, with what it logged as errors and every URL it asked for. */
export interface OpenedPage {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * Opens `url` in headless Chromium with a fresh profile. Requests to anything but 127.0.0.1 (and data: URLs) are
 * recorded and refused.
 *
 * @throws {Error} when Chromium is missing (CI)
 */
export async function openDashboard(url: string): Promise<OpenedPage> {
  if (missing) throw new Error(`chromium is missing at ${CHROMIUM}: .ci/run installs it (apt-get install -y chromium)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const userDataDir = mkdtempSync(path.join(tmpdir(), "slabridge-chromium-"));
  let context: BrowserContext | undefined;
  try {
    // The machine has no network: these flags keep Chromium from reaching for one (and failing noisily).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const requests: string[] = [];
    const consoleErrors: string[] = [];
    await context.route("**/*", async (route) => {
      const requested = new URL(route.request().url());
      requests.push(requested.href);
      if (requested.protocol === "data:" || requested.hostname === "127.0.0.1") await route.continue();
      else await route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(url);
    const opened = context;
    return {
      page,
      consoleErrors,
      requests,
      close: async () => {
        await opened.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Writes a screenshot of the page (whole) or of one element; returns its path. */
export async function screenshot(name: string, target: Page | ReturnType<Page["locator"]>): Promise<string> {
  const file = path.join(SCREENSHOTS, name);
  await target.screenshot({ path: file, ...("goto" in target ? { fullPage: true } : {}) });
  return file;
}
