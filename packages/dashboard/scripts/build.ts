// Bundles the dashboard page for the browser (esbuild; uPlot's script and styles included, so the page loads
// nothing from the network) into dist/ (or the folder given as the first argument, as the browser tests do):
// index.html and assets/<name>-<hash>.{js,css}. `npm run build` runs it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.resolve(process.argv[2] ?? path.join(root, "dist"));
rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, "assets"), { recursive: true });

const result = await build({
  entryPoints: [path.join(root, "page/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  // Content-hashed names: the status function lets browsers keep them for a year.
  entryNames: "[name]-[hash]",
  outdir: path.join(dist, "assets"),
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((output) => path.basename(output));
const script = outputs.find((name) => name.endsWith(".js"));
const styles = outputs.find((name) => name.endsWith(".css"));
if (!script || !styles) throw new Error(`the dashboard bundle is missing its script or styles: ${outputs.join(", ")}`);
const template = readFileSync(path.join(root, "page/index.html"), "utf8");
writeFileSync(
  path.join(dist, "index.html"),
  template.replace("%STYLES%", `assets/${styles}`).replace("%SCRIPT%", `assets/${script}`),
);
