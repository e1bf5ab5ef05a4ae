//! A Lambda authorizer on the real Rust runtime client (`lambda_runtime`), for examples/authorizers.yaml and the
//! end-to-end tests: run it with `tollgate serve API --function authorizer=target/…/examples/authorizer_function`.
//!
//! TOKEN events (`authorizationToken`, a leading `Bearer ` removed):
//! * `allow-USER`: Allow `execute-api:Invoke` on every method of the API's stage (`…/STAGE/*`), principal USER;
//! * `only-USER`: Allow on the event's own `methodArn` only (a cached result must not open other paths);
//! * `deny-USER`: an explicit Deny on every method;
//! * `key-USER-KEY`: Allow, with `usageIdentifierKey` KEY (API key source `AUTHORIZER`);
//! * `unauthorized`: the function error `Unauthorized` (API Gateway answers 401);
//! * anything else: the function error `boom` (API Gateway answers 500).
//!
//! REQUEST events: the header `X-User` and the query parameter `tenant` make the principal; a missing one is the
//! error `Unauthorized`; the tenant `blocked` is denied.
//!
//! Every Allow carries `context`: `user`, `tier` (`"gold"`), `level` (7), `admin` (false) and `calls`, the
//! number of events this process has answered, which shows whether API Gateway used a cached result.

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};

static CALLS: AtomicU64 = AtomicU64::new(0);

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (event, _) = event.into_parts();
    let calls = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
    let arn = event.get("methodArn").and_then(Value::as_str).unwrap_or_default();
    // `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH` → `…/STAGE/*`.
    let stage_wide = match arn.splitn(3, '/').collect::<Vec<_>>().as_slice() {
        [api, stage, _] => format!("{api}/{stage}/*"),
        _ => arn.to_owned(),
    };
    if event.get("type").and_then(Value::as_str) == Some("REQUEST") {
        let user = event
            .pointer("/headers/X-User")
            .or_else(|| event.pointer("/headers/x-user"));
        let tenant = event.pointer("/queryStringParameters/tenant");
        let (Some(user), Some(tenant)) = (user.and_then(Value::as_str), tenant.and_then(Value::as_str)) else {
            return Err(failure("Unauthorized"));
        };
        let effect = if tenant == "blocked" { "Deny" } else { "Allow" };
        let mut answer = policy(&format!("{user}@{tenant}"), effect, &stage_wide, calls, user);
        answer["context"]["tenant"] = json!(tenant);
        return Ok(answer);
    }
    let token = event
        .get("authorizationToken")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    if let Some(user) = token.strip_prefix("allow-") {
        return Ok(policy(user, "Allow", &stage_wide, calls, user));
    }
    if let Some(user) = token.strip_prefix("only-") {
        return Ok(policy(user, "Allow", arn, calls, user));
    }
    if let Some(user) = token.strip_prefix("deny-") {
        return Ok(policy(user, "Deny", &stage_wide, calls, user));
    }
    if let Some((user, key)) = token.strip_prefix("key-").and_then(|rest| rest.split_once('-')) {
        let mut answer = policy(user, "Allow", &stage_wide, calls, user);
        answer["usageIdentifierKey"] = json!(key);
        return Ok(answer);
    }
    if token == "unauthorized" {
        return Err(failure("Unauthorized"));
    }
    Err(failure("boom"))
}

fn policy(principal: &str, effect: &str, resource: &str, calls: u64, user: &str) -> Value {
    json!({
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]
        },
        "context": {"user": user, "tier": "gold", "level": 7, "admin": false, "calls": calls}
    })
}

fn failure(message: &str) -> Diagnostic {
    Diagnostic {
        error_type: "Error".to_owned(),
        error_message: message.to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(handle)).await
}
