import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** An HTTP answer in the function URL's (payload 2.0) result shape. */
export interface DashboardAsset {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Content types of what the build writes; anything else under /assets/ is not ours to serve. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Bundled file names: no directories, no dot files (nothing outside dist/ can be named). */
const ASSET = /^\/assets\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/**
 * Where the built page is: `SLABRIDGE_DASHBOARD_DIR` (relative to the working directory, as in the Lambda bundle,
 * where `copyFiles` puts it) or the package's own dist/.
 *
 * @example dashboardDistDir({ SLABRIDGE_DASHBOARD_DIR: "packages/dashboard/dist" })
 */
export function dashboardDistDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.SLABRIDGE_DASHBOARD_DIR;
  if (configured) return path.resolve(configured);
  return fileURLToPath(new URL("../dist/", import.meta.url));
}

/**
 * The dashboard's answer to a request, or undefined when the path is not the dashboard's (the status API's JSON
 * routes answer it): `/` and `/index.html` are the page (revalidated on every load), `/assets/<file>` the bundled
 * scripts and styles (their names carry a content hash, so browsers keep them for a year). A dist/ that was never
 * built answers 503 saying how to build it.
 *
 * @example const asset = dashboardAsset({ method: "GET", path: "/" }, dashboardDistDir()); // 200 text/html
 */
export function dashboardAsset(
  request: { readonly method: string; readonly path: string },
  distDir: string,
): DashboardAsset | undefined {
  const page = request.path === "/" || request.path === "/index.html";
  const asset = ASSET.exec(request.path)?.[1];
  if (!page && asset === undefined) return undefined;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return text(405, `Method ${request.method} is not allowed: the dashboard only answers GET.`, {
      Allow: "GET, HEAD",
    });
  }
  const index = readText(path.join(distDir, "index.html"));
  if (index === undefined) {
    return text(503, "The dashboard is not built: run `npm run build` (it bundles packages/dashboard into dist/).");
  }
  if (page)
    return {
      statusCode: 200,
      headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" },
      body: index,
    };
  const name = asset ?? "";
  const contentType = CONTENT_TYPES[path.extname(name)];
  const body = contentType === undefined ? undefined : readText(path.join(distDir, "assets", name));
  if (contentType === undefined || body === undefined) return text(404, `No dashboard asset ${name}.`);
  return {
    statusCode: 200,
    headers: { "Content-Type": contentType, "Cache-Control": "public, max-age=31536000, immutable" },
    body,
  };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function text(statusCode: number, body: string, headers: Readonly<Record<string, string>> = {}): DashboardAsset {
  return {
    statusCode,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers },
    body,
  };
}
