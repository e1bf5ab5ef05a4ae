//! Fuzzes the Lambda authorizer's output parser and the IAM policy evaluator.
//!
//! Byte 0 chooses the mode:
//! * even: the rest is a function's answer (byte 0 bit 1: with a function error). Beyond "no panic": an
//!   accepted output evaluates against several method ARNs, exposes its context, and agrees with
//!   `Policy::parse` of its own `policyDocument` outcome.
//! * odd: the rest is `pattern 0xFF arn`; a one-statement Allow policy with that Resource must allow the ARN
//!   exactly when a regex built from IAM's per-part wildcard rules matches (an independent oracle).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_auth::{AuthError, AuthorizerOutput, Policy, PolicyDecision, method_arn};

const ARNS: [&str; 4] = [
    "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/",
    "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/pets/1",
    "arn:aws:execute-api:eu-west-1:999999999999:zzz/test/DELETE/a:b/c",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        output(rest, mode & 2 != 0);
    } else {
        resource_oracle(rest);
    }
});

fn output(payload: &[u8], function_error: bool) {
    let result = AuthorizerOutput::from_invocation(payload, function_error.then_some("Unhandled"));
    let _ = Policy::parse(payload);
    match result {
        Ok(output) => {
            assert!(!function_error, "a function error never yields an output");
            for arn in ARNS {
                let _ = output.authorize(arn);
            }
            let _ = output.authorize(&method_arn("us-east-1", "1", "a", "s", "GET", "/x"));
            for (key, value) in output.context() {
                assert_eq!(output.context_variable(key).is_some(), true);
                let _ = value.to_context_string();
            }
        }
        Err(AuthError::AccessDenied(_)) => panic!("parsing never denies"),
        Err(_) => {}
    }
}

fn resource_oracle(rest: &[u8]) {
    let Some(split) = rest.iter().position(|&b| b == 0xFF) else {
        return;
    };
    let (Ok(pattern), Ok(arn)) = (std::str::from_utf8(&rest[..split]), std::str::from_utf8(&rest[split + 1..])) else {
        return;
    };
    if pattern.chars().count() > 512 || arn.len() > 2048 {
        return;
    }
    let mut document = String::from(r#"{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"#);
    push_json_string(&mut document, pattern);
    document.push_str("}}");
    let policy = Policy::parse(document.as_bytes()).expect("a well-formed one-statement policy parses");
    let allowed = policy.evaluate(arn) == PolicyDecision::Allow;
    assert_eq!(allowed, oracle(pattern, arn), "pattern {pattern:?} arn {arn:?}");
}

/// IAM resource matching written independently: `*` alone matches all; otherwise six `:`-separated parts
/// (the last keeps its colons), each a whole-string wildcard match (`*` any run, `?` one character).
fn oracle(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pattern_parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    if pattern_parts.len() != 6 || arn_parts.len() != 6 {
        return false;
    }
    pattern_parts.iter().zip(&arn_parts).all(|(p, a)| {
        let mut expression = String::from("(?s)^");
        for c in p.chars() {
            match c {
                '*' => expression.push_str(".*"),
                '?' => expression.push('.'),
                other => expression.push_str(&regex::escape(&other.to_string())),
            }
        }
        expression.push('$');
        regex::Regex::new(&expression).map(|r| r.is_match(a)).unwrap_or(false)
    })
}

fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
