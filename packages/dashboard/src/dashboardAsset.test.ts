import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardAsset, dashboardDistDir } from "./dashboardAsset.ts";

let dist: string;
const get = (route: string) => dashboardAsset({ method: "GET", path: route }, dist);

beforeAll(() => {
  dist = mkdtempSync(path.join(tmpdir(), "slabridge-dashboard-asset-"));
  mkdirSync(path.join(dist, "assets"));
  writeFileSync(path.join(dist, "index.html"), "<!doctype html><p>page</p>");
  writeFileSync(path.join(dist, "assets", "main-X1.js"), "export {};");
  writeFileSync(path.join(dist, "assets", "main-X1.css"), "body{}");
  writeFileSync(path.join(dist, "assets", "notes.txt"), "not a bundle output");
  writeFileSync(path.join(dist, "secret.js"), "outside assets/");
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe("dashboardAsset", () => {
  it("serves the page at / and /index.html, revalidated on every load", () => {
    for (const route of ["/", "/index.html"]) {
      expect(get(route)).toEqual({
        statusCode: 200,
        headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" },
        body: "<!doctype html><p>page</p>",
      });
    }
  });

  it("serves bundled scripts and styles with their content type, cached for a year (hashed names)", () => {
    expect(get("/assets/main-X1.js")).toEqual({
      statusCode: 200,
      headers: {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=31536000, immutable",
      },
      body: "export {};",
    });
    expect(get("/assets/main-X1.css")?.headers["Content-Type"]).toBe("text/css; charset=utf-8");
    expect(dashboardAsset({ method: "HEAD", path: "/assets/main-X1.css" }, dist)?.statusCode).toBe(200);
  });

  it("answers 404 for an asset that is not there or not a script or stylesheet", () => {
    expect(get("/assets/main-NOPE.js")?.statusCode).toBe(404);
    expect(get("/assets/notes.txt")?.statusCode).toBe(404);
  });

  it("leaves every other path to the status API, including any attempt to name a file outside assets/", () => {
    for (const route of ["/health", "/models", "/models/1/epochs/2", "/jobs", "/assets", "/assets/", "/secret.js"]) {
      expect(get(route), route).toBeUndefined();
    }
    for (const route of ["/assets/../secret.js", "/assets/..%2Fsecret.js", "/assets/.hidden.js", "/assets/a/b.js"]) {
      expect(get(route), route).toBeUndefined();
    }
  });

  it("answers 405 to other methods on its own paths", () => {
    const answer = dashboardAsset({ method: "POST", path: "/" }, dist);
    expect(answer?.statusCode).toBe(405);
    expect(answer?.headers.Allow).toBe("GET, HEAD");
  });

  it("answers 503 saying to run npm run build when dist/ was never built", () => {
    for (const route of ["/", "/assets/main-X1.js"]) {
      const answer = dashboardAsset({ method: "GET", path: route }, path.join(dist, "missing"));
      expect(answer?.statusCode).toBe(503);
      expect(answer?.body).toContain("run `npm run build`");
    }
  });
});

describe("dashboardDistDir", () => {
  it("is SLABRIDGE_DASHBOARD_DIR from the working directory (the Lambda bundle's copy), else the package's dist/", () => {
    expect(dashboardDistDir({ SLABRIDGE_DASHBOARD_DIR: "packages/dashboard/dist" })).toBe(
      path.resolve("packages/dashboard/dist"),
    );
    expect(dashboardDistDir({})).toBe(fileURLToPath(new URL("../dist/", import.meta.url)));
  });
});
