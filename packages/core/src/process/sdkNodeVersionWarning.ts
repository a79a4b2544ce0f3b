// Imported first by the local entry points (`npm start`, `npm run devnet`, `npm run ops`) for its side effect.
//
// The AWS SDK for JavaScript v3 warns once per process, at the first client it builds, that its releases after the
// first week of January 2027 need Node >= 22. Local development stays on Node 20 (package.json engines, CI) while the
// Lambdas run nodejs22.x, and the pinned SDK versions in package-lock.json keep working on 20; printed mid-output,
// the warning only breaks the entry points' live display. `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true` is
// the SDK's own opt-out for exactly that warning (read when a client is built, so it must be set before any is).
// `--disable-warning=NodeVersionSupportWarning` does not work: the SDK emits it as a plain "Warning" whose text starts
// with that name, and Node matches that flag against a warning's type or code only. Child processes inherit it.
// An explicit value set by the caller is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
