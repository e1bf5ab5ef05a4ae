"""A Lambda function on the real Python runtime client (awslambdaric), for tollgate-lambda-host's tests.

Run as `python -m awslambdaric handler.fn`. The event's "action" says what to do (as examples/rust_echo.rs):
echo (default), error, sleep, exit, info, log.
"""
import os
import sys
import time


class EchoError(Exception):
    pass


def fn(event, context):
    action = event.get("action", "echo") if isinstance(event, dict) else "echo"
    if action == "error":
        raise EchoError(event.get("message", "failed"))
    if action == "sleep":
        time.sleep(event.get("ms", 0) / 1000.0)
        return event
    if action == "exit":
        sys.stdout.flush()
        os._exit(event.get("code", 1))
    if action == "info":
        return {
            "pid": os.getpid(),
            "request_id": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "function": context.function_name,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    if action == "log":
        for line in event.get("lines", []):
            print(line, flush=True)
        return event
    return event
