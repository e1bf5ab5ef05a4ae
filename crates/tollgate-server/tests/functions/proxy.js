// The end-to-end tests' Node function, on the real runtime interface client (aws-lambda-ric, from npm):
// `aws-lambda-ric proxy.handler`. Same contract as examples/lambda_function.rs: behind AWS_PROXY the request body
// says what to answer (`respond`, `error`, `sleep_ms`; else the event is echoed as the body); behind a non-proxy
// integration `{"error": ...}` fails and anything else comes back as it came.
"use strict";

class TestError extends Error {
  constructor(message) {
    super(message);
    this.name = "TestError";
  }
}

exports.handler = async (event) => {
  if (!event || event.httpMethod === undefined) {
    if (event && event.error !== undefined) throw new TestError(event.error);
    return event;
  }
  let instruction = {};
  try {
    const parsed = JSON.parse(event.body || "null");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) instruction = parsed;
  } catch (_) {
    // Not JSON: echo.
  }
  if ("respond" in instruction) return instruction.respond;
  if ("error" in instruction) throw new TestError(instruction.error);
  if ("sleep_ms" in instruction) await new Promise((resolve) => setTimeout(resolve, instruction.sleep_ms));
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(event) };
};
