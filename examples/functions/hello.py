"""The function behind examples/lambda-proxy.yaml, as it would be deployed to AWS Lambda (Python runtime).

Locally it runs on the real runtime interface client, awslambdaric (`pip install awslambdaric`):

    tollgate serve examples/lambda-proxy.yaml \
        --function hello='python3 -m awslambdaric examples/functions/hello.handler'

One handler serves both integrations of the example: a Lambda proxy event (AWS_PROXY) carries `httpMethod` and
gets a proxy response; the non-proxy integration (type AWS) sends what its request template rendered and gets
the result back as the integration response body.
"""
import base64
import json


def handler(event, context):
    if "httpMethod" not in event:
        # Non-proxy: the request template's output is the event; errors are matched by selection patterns.
        name = event.get("name") or ""
        if not name:
            raise ValueError("Bad request: a name is required")
        return {"greeting": f"Hello, {name}!", "requestId": context.aws_request_id}

    query = event.get("queryStringParameters") or {}
    path = event["path"]
    if path.endswith("/pixel.png"):
        # A binary answer: base64 in the proxy response, bytes for a client that accepts image/png.
        pixel = base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
        )
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(pixel).decode(),
            "isBase64Encoded": True,
        }
    if path.endswith("/fail"):
        raise RuntimeError("a function error becomes a 502")
    body = {
        "message": f"Hello, {query.get('name', 'world')}!",
        "method": event["httpMethod"],
        "path": path,
        "resource": event["resource"],
        "pathParameters": event["pathParameters"],
        "sourceIp": event["requestContext"]["identity"]["sourceIp"],
        "requestId": event["requestContext"]["requestId"],
        "functionRequestId": context.aws_request_id,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["visited=1; Path=/", "theme=dark; Path=/"]},
        "body": json.dumps(body),
    }
