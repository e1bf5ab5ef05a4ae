//! The method ARN an authorizer's policy is evaluated against.

/// `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`, where `path` is the request's
/// path without the stage and without its leading `/`; the root path gives a trailing `/`
/// (`…/prod/GET/`). `http_method` is the client's method (also for `ANY` methods). The path is used as
/// received (not decoded), as the event's `path` is. Spec §9.5; DG/api-gateway-lambda-authorizer-input
/// (`arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/` for the root).
#[must_use]
pub fn method_arn(region: &str, account_id: &str, api_id: &str, stage: &str, http_method: &str, path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut arn = String::with_capacity(40 + region.len() + account_id.len() + api_id.len() + stage.len() + path.len());
    arn.push_str("arn:aws:execute-api:");
    for part in [
        region,
        ":",
        account_id,
        ":",
        api_id,
        "/",
        stage,
        "/",
        http_method,
        "/",
        path,
    ] {
        arn.push_str(part);
    }
    arn
}
