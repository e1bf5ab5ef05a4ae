"""The Python twin of serverless-offline's bench handler.js (shared/bench/peers/serverless): the same 100-byte JSON
body, for lambda-proxy.sh's tollgate-python-* rows."""

BODY = '{"ok":true,"service":"bench-backend","message":"hello from the backend","pad":"xxxxxxxxxxxxxxxxxxx"}'


def proxy(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": BODY}
