//! The IAM policy a Lambda authorizer returns, evaluated against the request's method ARN.
//!
//! Rules (IAM policy evaluation logic and element reference, as API Gateway applies them to authorizer
//! output; spec §9.5):
//! * a matching `Deny` wins over everything; otherwise a matching `Allow` allows; otherwise the request is
//!   denied implicitly;
//! * a statement matches when its action part matches `execute-api:Invoke` and its resource part matches the
//!   method ARN; `NotAction` / `NotResource` match what their list does not;
//! * actions compare case-insensitively (IAM: "action names are not case-sensitive"), with `*` and `?`
//!   wildcards (`*`, `execute-api:*`, `execute-api:Inv*`);
//! * resources compare case-sensitively as ARNs: the pattern `*` matches everything; otherwise pattern and
//!   ARN split into their six colon-separated parts (the last keeps its colons) and each part matches on its
//!   own, `*` and `?` never crossing a `:` of the first five. A path containing `:` therefore cannot make a
//!   pattern for another account or API match.
//!
//! Decisions where AWS is not documented (each pinned by a test in `tests/policy.rs`):
//! * a statement with a `Condition` cannot be evaluated (no condition keys exist here): an `Allow` with a
//!   condition never allows, a `Deny` with one always denies (fail closed);
//! * `Effect` must be exactly `Allow` or `Deny`; anything else, a missing action or resource element, both
//!   `Action` and `NotAction`, a non-string entry, or a `Resource` longer than 512 characters (AWS: "the
//!   Resource ARN … is currently limited to 512 characters", DG/api-gateway-lambda-authorizer-output) makes
//!   the output invalid (500);
//! * a missing or empty `Statement` allows nothing (403 implicit deny); `Version` is not checked.

use serde_json::Value;

/// Longest `Resource` entry AWS accepts.
pub const MAX_RESOURCE_LEN: usize = 512;
/// Most statements, and most entries in one `Action`/`Resource` list, this crate evaluates.
pub const MAX_ENTRIES: usize = 1000;

const INVOKE_ACTION: &str = "execute-api:Invoke";

/// A parsed authorizer policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    allow: bool,
    actions: Patterns,
    resources: Patterns,
    conditional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Patterns {
    negated: bool,
    list: Vec<String>,
}

/// The outcome of evaluating a policy against one method ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyDecision {
    /// An `Allow` matched and no `Deny` did.
    Allow,
    /// A `Deny` matched.
    ExplicitDeny,
    /// Nothing allowed the request.
    ImplicitDeny,
}

/// Why a policy document is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub(crate) String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Parses a policy document (`{"Version":…,"Statement":[…]}`) from JSON bytes.
    ///
    /// # Errors
    /// [`PolicyError`] when the bytes are not JSON or the document breaks a rule of the module documentation.
    pub fn parse(json: &[u8]) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_slice(json).map_err(|error| PolicyError(format!("not JSON: {error}")))?;
        Policy::from_value(&value)
    }

    pub(crate) fn from_value(document: &Value) -> Result<Policy, PolicyError> {
        let Value::Object(document) = document else {
            return Err(PolicyError("policyDocument is not an object".to_owned()));
        };
        let statements = match document.get("Statement") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                if items.len() > MAX_ENTRIES {
                    return Err(PolicyError(format!("more than {MAX_ENTRIES} statements")));
                }
                items.iter().map(Statement::from_value).collect::<Result<_, _>>()?
            }
            Some(single @ Value::Object(_)) => vec![Statement::from_value(single)?],
            Some(_) => return Err(PolicyError("Statement is neither an object nor a list".to_owned())),
        };
        Ok(Policy { statements })
    }

    /// Evaluates the policy for `method_arn` (see the module documentation).
    #[must_use]
    pub fn evaluate(&self, method_arn: &str) -> PolicyDecision {
        let mut allowed = false;
        for statement in &self.statements {
            if !statement.actions.matches(INVOKE_ACTION, action_matches) {
                continue;
            }
            if !statement.resources.matches(method_arn, resource_matches) {
                continue;
            }
            if !statement.allow {
                // Fail closed: a conditional Deny is taken as applying.
                return PolicyDecision::ExplicitDeny;
            }
            if !statement.conditional {
                allowed = true;
            }
        }
        if allowed {
            PolicyDecision::Allow
        } else {
            PolicyDecision::ImplicitDeny
        }
    }
}

impl Statement {
    fn from_value(value: &Value) -> Result<Statement, PolicyError> {
        let Value::Object(fields) = value else {
            return Err(PolicyError("a statement is not an object".to_owned()));
        };
        let allow = match fields.get("Effect") {
            Some(Value::String(effect)) if effect == "Allow" => true,
            Some(Value::String(effect)) if effect == "Deny" => false,
            Some(other) => return Err(PolicyError(format!("Effect {other} is neither \"Allow\" nor \"Deny\""))),
            None => return Err(PolicyError("a statement has no Effect".to_owned())),
        };
        let actions = Patterns::pick(fields, "Action", "NotAction", None)?;
        let resources = Patterns::pick(fields, "Resource", "NotResource", Some(MAX_RESOURCE_LEN))?;
        let conditional = fields.get("Condition").is_some_and(|condition| !condition.is_null());
        Ok(Statement {
            allow,
            actions,
            resources,
            conditional,
        })
    }
}

impl Patterns {
    fn pick(
        fields: &serde_json::Map<String, Value>,
        positive: &str,
        negative: &str,
        max_len: Option<usize>,
    ) -> Result<Patterns, PolicyError> {
        let (negated, value) = match (fields.get(positive), fields.get(negative)) {
            (Some(value), None) => (false, value),
            (None, Some(value)) => (true, value),
            (Some(_), Some(_)) => return Err(PolicyError(format!("a statement has both {positive} and {negative}"))),
            (None, None) => {
                return Err(PolicyError(format!(
                    "a statement has neither {positive} nor {negative}"
                )));
            }
        };
        let list = match value {
            Value::String(single) => vec![single.clone()],
            Value::Array(items) => {
                if items.len() > MAX_ENTRIES {
                    return Err(PolicyError(format!("more than {MAX_ENTRIES} entries in {positive}")));
                }
                items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => Ok(text.clone()),
                        other => Err(PolicyError(format!("{positive} entry {other} is not a string"))),
                    })
                    .collect::<Result<_, _>>()?
            }
            other => {
                return Err(PolicyError(format!(
                    "{positive} {other} is neither a string nor a list"
                )));
            }
        };
        if let Some(max) = max_len
            && let Some(long) = list.iter().find(|entry| entry.chars().count() > max)
        {
            return Err(PolicyError(format!(
                "{positive} longer than {max} characters: {} chars",
                long.chars().count()
            )));
        }
        Ok(Patterns { negated, list })
    }

    fn matches(&self, subject: &str, matcher: fn(&str, &str) -> bool) -> bool {
        let any = self.list.iter().any(|pattern| matcher(pattern, subject));
        any != self.negated
    }
}

/// Action comparison: case-insensitive glob.
fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern.as_bytes(), action.as_bytes(), true)
}

/// Resource comparison: `*`, or part-by-part ARN glob (see the module documentation).
pub(crate) fn resource_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut pattern_parts = pattern.splitn(6, ':');
    let mut arn_parts = arn.splitn(6, ':');
    for _ in 0..6 {
        match (pattern_parts.next(), arn_parts.next()) {
            (Some(p), Some(a)) if glob(p.as_bytes(), a.as_bytes(), false) => {}
            _ => return false,
        }
    }
    true
}

/// Wildcard match of a whole `text` against `pattern` (`*` any run, `?` one character), in O(len²) at worst
/// without recursion: on a mismatch, retry from the last `*` one character further.
fn glob(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    let same = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            // `?` is one character: a whole UTF-8 sequence.
            Some(b'?') if t + utf8_len(text.get(t).copied().unwrap_or(0)) <= text.len() => {
                t += utf8_len(text.get(t).copied().unwrap_or(0));
                p += 1;
            }
            Some(&c) if text.get(t).is_some_and(|&x| same(c, x)) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern.get(p..).is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_basics() {
        assert!(glob(b"a*c", b"abbbc", false));
        assert!(glob(b"a?c", b"abc", false));
        assert!(!glob(b"a?c", b"ac", false));
        assert!(glob(b"*", b"", false));
        assert!(!glob(b"", b"x", false));
        assert!(glob(b"EXECUTE-API:*", b"execute-api:Invoke", true));
        assert!(!glob(b"EXECUTE-API:*", b"execute-api:Invoke", false));
        assert!(glob("a?c".as_bytes(), "aéc".as_bytes(), false));
        assert!(glob(b"*/GET/*", b"x/GET/a/b", false));
    }
}
