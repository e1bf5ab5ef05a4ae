// A Lambda function on the real Node runtime interface client (aws-lambda-ric from npm), for
// tollgate-lambda-host's tests. Run as `aws-lambda-ric handler.fn`. The event's "action" says what to do (as
// examples/rust_echo.rs): echo (default), error, sleep, exit, info.
"use strict";

class EchoError extends Error {
  constructor(message) {
    super(message);
    this.name = "EchoError";
  }
}

exports.fn = async (event, context) => {
  const action = (event && event.action) || "echo";
  if (action === "error") throw new EchoError(event.message || "failed");
  if (action === "sleep") {
    await new Promise((resolve) => setTimeout(resolve, event.ms || 0));
    return event;
  }
  if (action === "exit") process.exit(event.code || 1);
  if (action === "info") {
    return {
      pid: process.pid,
      request_id: context.awsRequestId,
      arn: context.invokedFunctionArn,
      function: context.functionName,
      remaining_ms: context.getRemainingTimeInMillis(),
    };
  }
  return event;
};
