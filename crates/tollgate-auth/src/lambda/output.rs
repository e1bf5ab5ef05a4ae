//! The Lambda authorizer's answer: a function error, or the output object API Gateway evaluates.
//!
//! Shape (DG/api-gateway-lambda-authorizer-output): `principalId`, `policyDocument`, optional `context`
//! (string, number and boolean values) and `usageIdentifierKey`. What AWS does with other shapes, and the
//! decisions where it is unknown:
//! * a function error whose `errorMessage` is exactly `Unauthorized` → 401; any other function error → 500
//!   (DG/apigateway-use-lambda-authorizer example: `callback("Unauthorized")` gives 401, other errors 500);
//! * output that is not a JSON object, or lacks `policyDocument` → 500 `AuthorizerConfigurationException`
//!   (spec §9.5 \[obs\]: "at least a policyDocument (other fields are optional)");
//! * `principalId` is optional; a number or boolean becomes its text (API Gateway reads it as a Java string
//!   with Jackson, which coerces scalars); an object or array → 500;
//! * a `context` value that is an object or array → 500 (AWS: "cannot set a JSON object or array"; observed
//!   as a configuration error before the integration); a `null` value is dropped (\[unk\]);
//! * keys of the output other than the four are ignored.

use serde_json::Value;

use crate::context::ContextValue;
use crate::error::{AuthError, ConfigurationFault, Denial, UnauthorizedReason};
use crate::policy::{Policy, PolicyDecision};

/// Largest function answer read (Lambda's own synchronous response limit is 6 MB).
pub const MAX_OUTPUT_BYTES: usize = 6 * 1024 * 1024;

/// A Lambda authorizer's valid output. Cache it as is: the policy is evaluated again for each method ARN.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizerOutput {
    principal_id: Option<String>,
    policy: Policy,
    context: Vec<(String, ContextValue)>,
    usage_identifier_key: Option<String>,
}

impl AuthorizerOutput {
    /// Reads an invocation's result. `function_error` is Lambda's `X-Amz-Function-Error` (`Unhandled`,
    /// `Handled`), `None` for a normal return; `payload` is the response payload.
    ///
    /// # Errors
    /// [`AuthError::Unauthorized`] for the `Unauthorized` error, [`AuthError::Configuration`] for any other
    /// error or an invalid output.
    pub fn from_invocation(payload: &[u8], function_error: Option<&str>) -> Result<AuthorizerOutput, AuthError> {
        if function_error.is_some() {
            let message = error_message(payload);
            if message.as_deref() == Some("Unauthorized") {
                return Err(AuthError::Unauthorized(UnauthorizedReason::FunctionUnauthorized));
            }
            return Err(AuthError::Configuration(ConfigurationFault::FunctionError(message)));
        }
        AuthorizerOutput::parse(payload).map_err(|why| AuthError::Configuration(ConfigurationFault::InvalidOutput(why)))
    }

    /// Parses a function's (successful) output.
    ///
    /// # Errors
    /// A description of what makes the output invalid.
    pub fn parse(payload: &[u8]) -> Result<AuthorizerOutput, String> {
        if payload.len() > MAX_OUTPUT_BYTES {
            return Err(format!("output larger than {MAX_OUTPUT_BYTES} bytes"));
        }
        let value: Value = serde_json::from_slice(payload).map_err(|error| format!("not JSON: {error}"))?;
        let Value::Object(fields) = value else {
            return Err("output is not a JSON object".to_owned());
        };
        let principal_id = scalar_text(fields.get("principalId"), "principalId")?;
        let policy = match fields.get("policyDocument") {
            None | Some(Value::Null) => return Err("no policyDocument".to_owned()),
            Some(document) => Policy::from_value(document).map_err(|error| format!("policyDocument: {error}"))?,
        };
        let context = match fields.get("context") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(entries)) => {
                let mut context = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let value = match value {
                        Value::Null => continue,
                        Value::String(text) => ContextValue::String(text.clone()),
                        Value::Bool(flag) => ContextValue::Bool(*flag),
                        Value::Number(number) => match number.as_i64() {
                            Some(integer) => ContextValue::Integer(integer),
                            None => ContextValue::Float(number.as_f64().unwrap_or(f64::NAN)),
                        },
                        Value::Array(_) | Value::Object(_) => {
                            return Err(format!("context value `{key}` is an object or array"));
                        }
                    };
                    context.push((key.clone(), value));
                }
                context
            }
            Some(_) => return Err("context is not an object".to_owned()),
        };
        let usage_identifier_key = scalar_text(fields.get("usageIdentifierKey"), "usageIdentifierKey")?;
        Ok(AuthorizerOutput {
            principal_id,
            policy,
            context,
            usage_identifier_key,
        })
    }

    /// Evaluates the policy against `method_arn`: `Ok` to proceed, or the 403 to answer.
    ///
    /// # Errors
    /// [`AuthError::AccessDenied`] with the explicit or implicit denial.
    pub fn authorize(&self, method_arn: &str) -> Result<(), AuthError> {
        match self.policy.evaluate(method_arn) {
            PolicyDecision::Allow => Ok(()),
            PolicyDecision::ExplicitDeny => Err(AuthError::AccessDenied(Denial::Explicit)),
            PolicyDecision::ImplicitDeny => Err(AuthError::AccessDenied(Denial::Implicit)),
        }
    }

    /// `principalId` (`$context.authorizer.principalId`); `None` when the function returned none.
    #[must_use]
    pub fn principal_id(&self) -> Option<&str> {
        self.principal_id.as_deref()
    }

    /// The policy document.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The `context` entries in the function's order, with their JSON types (for the proxy event's
    /// `requestContext.authorizer`).
    #[must_use]
    pub fn context(&self) -> &[(String, ContextValue)] {
        &self.context
    }

    /// `$context.authorizer.NAME`: `principalId` or a context value, stringified. A context entry named
    /// `principalId` does not replace the function's `principalId` (the proxy event drops such an entry too).
    #[must_use]
    pub fn context_variable(&self, name: &str) -> Option<String> {
        if name == "principalId" {
            return self.principal_id.clone();
        }
        self.context
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.to_context_string())
    }

    /// `usageIdentifierKey`: the API key when the API's key source is `AUTHORIZER` (spec §9.2).
    #[must_use]
    pub fn usage_identifier_key(&self) -> Option<&str> {
        self.usage_identifier_key.as_deref()
    }
}

/// A string, or a number/boolean as text; `null`/absent is `None`.
fn scalar_text(value: Option<&Value>, name: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(Value::Bool(flag)) => Ok(Some(flag.to_string())),
        Some(_) => Err(format!("{name} is an object or array")),
    }
}

/// The `errorMessage` of a Lambda error document, if the payload is one.
fn error_message(payload: &[u8]) -> Option<String> {
    if payload.len() > MAX_OUTPUT_BYTES {
        return None;
    }
    match serde_json::from_slice::<Value>(payload).ok()? {
        Value::Object(fields) => match fields.get("errorMessage") {
            Some(Value::String(message)) => Some(message.clone()),
            _ => None,
        },
        // `callback("Unauthorized")` in some runtimes yields a bare string document.
        Value::String(message) => Some(message),
        _ => None,
    }
}
