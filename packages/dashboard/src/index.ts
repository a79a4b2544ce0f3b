// @slabridge/dashboard: the web dashboard over the status API. `dashboardAsset` serves the page the build bundled
// into dist/ (the status handler asks it first); the page itself is page/*.ts, bundled by scripts/build.ts.

export { type DashboardAsset, dashboardAsset, dashboardDistDir } from "./dashboardAsset.ts";
