"""A handler inside a package (`lean.pkg.module.handler`)."""


def handler(event, context):
    return {"statusCode": 200, "body": "package " + event["path"]}
