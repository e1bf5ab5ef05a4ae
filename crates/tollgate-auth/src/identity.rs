//! Identity sources: where an authorizer reads the caller's identity, and the values a request carries.

use std::borrow::Cow;

use crate::error::{AuthError, ConfigError, UnauthorizedReason};

/// One `identitySource` entry (spec §9.5; AWS API reference `Authorizer.identitySource`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdentitySource {
    /// `method.request.header.NAME` (matched case-insensitively, as HTTP header names are).
    Header(String),
    /// `method.request.querystring.NAME`.
    QueryString(String),
    /// `stageVariables.NAME`.
    StageVariable(String),
    /// `context.NAME`, a `$context` variable such as `identity.sourceIp`.
    Context(String),
}

const REQUEST_EXPECTED: &str =
    "method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME";

impl IdentitySource {
    /// Parses one entry. Path parameters cannot be identity sources (AWS: "they can't be used as identity
    /// sources", DG/api-gateway-lambda-authorizer-input).
    ///
    /// # Errors
    /// [`ConfigError::InvalidIdentitySource`] for any other form or an empty name.
    pub fn parse(expression: &str) -> Result<IdentitySource, ConfigError> {
        let expression = expression.trim();
        type Make = fn(String) -> IdentitySource;
        let kinds: [(&str, Make); 4] = [
            ("method.request.header.", IdentitySource::Header),
            ("method.request.querystring.", IdentitySource::QueryString),
            ("stageVariables.", IdentitySource::StageVariable),
            ("context.", IdentitySource::Context),
        ];
        for (prefix, make) in kinds {
            if let Some(name) = expression.strip_prefix(prefix) {
                if name.is_empty() {
                    break;
                }
                return Ok(make(name.to_owned()));
            }
        }
        Err(ConfigError::InvalidIdentitySource {
            source: expression.to_owned(),
            expected: REQUEST_EXPECTED,
        })
    }

    /// Parses AWS's comma-separated list (`method.request.header.Auth, method.request.querystring.Name`).
    ///
    /// # Errors
    /// The first entry [`IdentitySource::parse`] rejects.
    pub fn parse_list(list: &str) -> Result<Vec<IdentitySource>, ConfigError> {
        list.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(IdentitySource::parse)
            .collect()
    }

    /// The expression as AWS writes it.
    #[must_use]
    pub fn expression(&self) -> String {
        match self {
            IdentitySource::Header(name) => format!("method.request.header.{name}"),
            IdentitySource::QueryString(name) => format!("method.request.querystring.{name}"),
            IdentitySource::StageVariable(name) => format!("stageVariables.{name}"),
            IdentitySource::Context(name) => format!("context.{name}"),
        }
    }

    /// This source's value in `request`.
    pub fn lookup<'r>(&self, request: &'r dyn RequestParams) -> Option<Cow<'r, str>> {
        match self {
            IdentitySource::Header(name) => request.header(name),
            IdentitySource::QueryString(name) => request.query_string(name),
            IdentitySource::StageVariable(name) => request.stage_variable(name),
            IdentitySource::Context(name) => request.context(name),
        }
    }
}

/// What an authorizer may read from a request. The runtime implements it over the routed request.
pub trait RequestParams {
    /// The value of header `name` (case-insensitive); for a repeated header, the last value, as the proxy
    /// event's `headers` map has it.
    fn header(&self, name: &str) -> Option<Cow<'_, str>>;
    /// The decoded value of query parameter `name`; for a repeated parameter, the last value.
    fn query_string(&self, name: &str) -> Option<Cow<'_, str>>;
    /// Stage variable `name`.
    fn stage_variable(&self, name: &str) -> Option<Cow<'_, str>>;
    /// `$context` variable `name` (`identity.sourceIp`, `requestId`, …), as a template would render it.
    fn context(&self, name: &str) -> Option<Cow<'_, str>>;
}

/// The identity values of one request, one per configured source, in configuration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityValues {
    values: Vec<Option<String>>,
}

impl IdentityValues {
    /// Reads every source. With `required`, a missing or empty value is a 401 without invoking anything
    /// (AWS API reference `Authorizer.identitySource`: "present, not null and non-empty").
    ///
    /// # Errors
    /// [`AuthError::Unauthorized`] naming the first missing source.
    pub fn collect(
        sources: &[IdentitySource],
        request: &dyn RequestParams,
        required: bool,
    ) -> Result<IdentityValues, AuthError> {
        let mut values = Vec::with_capacity(sources.len());
        for source in sources {
            let value = source.lookup(request).filter(|value| !value.is_empty());
            if value.is_none() && required {
                return Err(AuthError::Unauthorized(UnauthorizedReason::MissingIdentitySource(
                    source.expression(),
                )));
            }
            values.push(value.map(Cow::into_owned));
        }
        Ok(IdentityValues { values })
    }

    /// The values, `None` where a source was absent (possible only when not required).
    #[must_use]
    pub fn values(&self) -> &[Option<String>] {
        &self.values
    }

    /// The first value: a TOKEN authorizer's token.
    #[must_use]
    pub fn first(&self) -> Option<&str> {
        self.values.first().and_then(Option::as_deref)
    }

    /// Whether every source had a value.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.values.iter().all(Option::is_some)
    }
}
