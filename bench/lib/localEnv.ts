// Imported first by the bench runner for its side effect, as `npm start` sets it: the relay sections run the Lambda
// handlers in process, whose Powertools logger and metrics read the environment when their modules load (metrics
// would print one JSON line per batch; logs the relay's job by job). The AWS SDK's Node >= 22 notice is turned off
// with the SDK's own opt-out. A value set by the caller is kept.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Loopback only: the SDK never asks the EC2 metadata address for credentials.
process.env.AWS_EC2_METADATA_DISABLED ??= "true";
