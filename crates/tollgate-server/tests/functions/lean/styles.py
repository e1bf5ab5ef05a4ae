"""Handlers for `tollgate runtime python` (tests/e2e/lean_runtime.rs). Behind AWS_PROXY the action is the path
(`/context`) and the value is answered as a 200 with the value as JSON body; behind the non-proxy route the event
is `{"action": ...}` and the value comes back as it is."""
import os
import sys


class TestError(Exception):
    pass


def handler(event, context):
    proxy = "httpMethod" in event
    action = event["path"][1:] if proxy else event.get("action")

    def answer(value):
        import json

        return {"statusCode": 200, "body": json.dumps(value)} if proxy else value

    if action == "context":
        return answer(
            {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "identity_id": context.identity.cognito_identity_id,
                "client_context": context.client_context,
                "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
            }
        )
    if action == "trace-variable":
        # The trace as Python and a child process see it; then the handler sets the variable itself, which the
        # next invocation's trace replaces.
        import subprocess

        child = subprocess.run(["/bin/sh", "-c", 'printf %s "$_X_AMZN_TRACE_ID"'], capture_output=True, check=True)
        seen = {
            "read": os.environ.get("_X_AMZN_TRACE_ID"),
            "getenv": os.getenv("_X_AMZN_TRACE_ID"),
            "child": child.stdout.decode(),
        }
        os.environ["_X_AMZN_TRACE_ID"] = "set-by-handler"
        return answer(seen)
    if action == "raise":
        raise TestError("raised")
    if action == "unserialisable":
        return {"tags": {"a", "b"}}
    if action == "log":
        print("stdout " + event["body"])
        print("stderr " + event["body"], file=sys.stderr)
        return answer({"logged": True})
    return answer({"unknown": action})
