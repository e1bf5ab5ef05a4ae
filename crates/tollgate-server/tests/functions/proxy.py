"""The end-to-end tests' Python function, on the real runtime interface client (awslambdaric, from PyPI):
`python -m awslambdaric proxy.handler`. Same contract as examples/lambda_function.rs: behind AWS_PROXY the request
body says what to answer (`respond`, `error`, `sleep_ms`; else the event is echoed as the body); behind a
non-proxy integration `{"error": ...}` fails and anything else comes back as it came.
"""
import json
import time


class TestError(Exception):
    pass


def handler(event, context):
    if not isinstance(event, dict) or "httpMethod" not in event:
        if isinstance(event, dict) and "error" in event:
            raise TestError(event["error"])
        return event
    try:
        instruction = json.loads(event.get("body") or "null")
    except ValueError:
        instruction = None
    if not isinstance(instruction, dict):
        instruction = {}
    if "respond" in instruction:
        return instruction["respond"]
    if "error" in instruction:
        raise TestError(instruction["error"])
    if "sleep_ms" in instruction:
        time.sleep(instruction["sleep_ms"] / 1000.0)
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
