//! Verified claims as API Gateway hands them on: every value a string (spec §6 \[obs\]).
//!
//! * strings as they are; integers in decimal (`auth_time` → `"1748471941"`, re:Post
//!   QUFJRBaEJRSmmqarNrvCWoQA); other numbers in Java `Double.toString` form; booleans `"true"`/`"false"`;
//! * `exp`, `iat` and `nbf` as `java.util.Date.toString()` in UTC (`"Wed Jul 22 04:44:04 UTC 2026"`), the
//!   form API Gateway's JWT library gives its date claims;
//! * lists joined with `,` (`cognito:groups` `["a","b"]` → `"a,b"`: a single group arrives as `"admin"`
//!   \[obs, re:Post\]; the comma join is reported in public write-ups, \[obs, weak\]);
//! * objects as compact JSON text, `null` claims left out (\[unk\]).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::context::java_double;
use crate::time::java_date;

/// Claims names API Gateway renders as dates.
const DATE_CLAIMS: [&str; 3] = ["exp", "iat", "nbf"];

/// The claims of a verified token, stringified, in token order (shared: a token verified before hands out
/// the same list).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CognitoClaims {
    entries: Arc<[(String, String)]>,
}

impl CognitoClaims {
    pub(crate) fn from_claims(claims: &Map<String, Value>) -> CognitoClaims {
        let entries = claims
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| {
                let text = match value {
                    Value::Number(number) if DATE_CLAIMS.contains(&name.as_str()) => match number.as_f64() {
                        #[allow(clippy::cast_possible_truncation)]
                        Some(seconds) if seconds.is_finite() && seconds.abs() < 1e15 => {
                            java_date(seconds.floor() as i64)
                        }
                        _ => number.to_string(),
                    },
                    other => stringify(other),
                };
                (name.clone(), text)
            })
            .collect();
        CognitoClaims { entries }
    }

    /// `$context.authorizer.claims.NAME` (or `claims['cognito:groups']`).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(claim, _)| claim == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every claim, in token order: the proxy event's `requestContext.authorizer.claims`.
    #[must_use]
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

fn stringify(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.to_string(),
            None if number.is_u64() => number.to_string(),
            None => java_double(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Bool(flag) => flag.to_string(),
        Value::Null => String::new(),
        Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(stringify)
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => value.to_string(),
    }
}
