//! The integration's `credentials` field, and the cache of resolved credentials.
//!
//! API Gateway's three options (API reference, Integration `credentials`): an IAM role ARN to assume,
//! `arn:aws:iam::*:user/*` for the caller's own credentials, or nothing for resource-based permissions. Tollgate
//! has no caller credentials to forward (it does not verify SigV4 on method requests), so the last two both sign
//! with the default credential chain.

use std::borrow::Cow;
use std::fmt;

use crate::template::{Placeholders, Slot, Template};

/// The caller-credentials marker (API reference, Integration `credentials`).
pub const CALLER_CREDENTIALS: &str = "arn:aws:iam::*:user/*";

/// A parsed `credentials` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationCredentials(Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Default,
    Caller,
    Role(Template),
}

impl IntegrationCredentials {
    /// No credentials: sign with the default chain.
    pub const DEFAULT: IntegrationCredentials = IntegrationCredentials(Kind::Default);

    /// Parses the `credentials` field; `${stageVariables.x}` placeholders are allowed in a role ARN.
    pub fn parse(value: Option<&str>) -> Result<IntegrationCredentials, CredentialsSpecError> {
        let Some(value) = value else {
            return Ok(IntegrationCredentials::DEFAULT);
        };
        if value == CALLER_CREDENTIALS {
            return Ok(IntegrationCredentials(Kind::Caller));
        }
        let fail = || CredentialsSpecError(value.to_owned());
        let template = Template::parse(value, Slot::Raw).map_err(|_| fail())?;
        if let Some(arn) = template.as_static() {
            if !is_role_arn(arn) {
                return Err(fail());
            }
        } else if !value.starts_with("arn:") {
            return Err(fail());
        }
        Ok(IntegrationCredentials(Kind::Role(template)))
    }

    /// Whether these are the caller's credentials (`arn:aws:iam::*:user/*`).
    pub fn is_caller(&self) -> bool {
        self.0 == Kind::Caller
    }

    /// The role to assume for one request, if any.
    pub fn role_arn(&self, vars: &dyn Placeholders) -> Option<Cow<'_, str>> {
        match &self.0 {
            Kind::Default | Kind::Caller => None,
            Kind::Role(template) => Some(match template.as_static() {
                Some(arn) => Cow::Borrowed(arn),
                None => Cow::Owned(template.render(vars)),
            }),
        }
    }
}

/// A `credentials` value that is neither a role ARN nor the caller marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsSpecError(String);

impl fmt::Display for CredentialsSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid integration credentials `{}` (expected `arn:aws:iam::ACCOUNT:role/NAME` or `{CALLER_CREDENTIALS}`)",
            self.0
        )
    }
}

impl std::error::Error for CredentialsSpecError {}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
fn is_role_arn(arn: &str) -> bool {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return false;
    };
    partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::PlaceholderValues;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            IntegrationCredentials::parse(None).unwrap(),
            IntegrationCredentials::DEFAULT
        );
        assert!(
            IntegrationCredentials::parse(Some("arn:aws:iam::*:user/*"))
                .unwrap()
                .is_caller()
        );
        let role = IntegrationCredentials::parse(Some("arn:aws:iam::123456789012:role/apigw-sqs")).unwrap();
        assert_eq!(
            role.role_arn(&PlaceholderValues::default()).as_deref(),
            Some("arn:aws:iam::123456789012:role/apigw-sqs")
        );
        let staged =
            IntegrationCredentials::parse(Some("arn:aws:iam::123456789012:role/${stageVariables.role}")).unwrap();
        let vars = PlaceholderValues {
            stage_variables: &[("role", "prod-role")],
            path_parameters: &[],
        };
        assert_eq!(
            staged.role_arn(&vars).as_deref(),
            Some("arn:aws:iam::123456789012:role/prod-role")
        );
    }

    #[test]
    fn rejects_what_is_not_a_role() {
        for bad in [
            "",
            "role",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:s3:::bucket",
            "${stageVariables.role}",
            "arn:aws:iam::123456789012:role/${stage.x}",
        ] {
            assert!(IntegrationCredentials::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
