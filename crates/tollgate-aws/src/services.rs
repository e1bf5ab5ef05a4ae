//! The service table: how to reach, sign and speak to each AWS service an integration URI may name.
//!
//! The rows live in `services.toml` (compiled in) so that adding a service is a data change. A deployment may
//! add or replace rows from its own file with [`ServiceTable::parse`] and [`ServiceTable::extend`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

/// The built-in rows, checked by a unit test.
const BUILTIN: &str = include_str!("../services.toml");

/// How a service expects its requests to be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// AWS Query: `Action=…&Param=…` in a form body or the query string (SQS, SNS, STS, IAM).
    Query,
    /// AWS JSON 1.0 or 1.1: a JSON body selected by `X-Amz-Target` (DynamoDB, Kinesis, Step Functions).
    Json,
    /// REST with JSON bodies, the operation chosen by method and path (Lambda).
    RestJson,
    /// REST with XML bodies, the operation chosen by method and path (S3).
    RestXml,
}

/// Which SigV4 flavour a service needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningFlavor {
    /// The common rules: the path is URI-encoded twice and normalised.
    Standard,
    /// S3's rules: `x-amz-content-sha256` is sent and signed, the path is encoded once and not normalised.
    S3,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    name: Arc<str>,
    signing_name: Arc<str>,
    service_id: Arc<str>,
    protocol: Protocol,
    json_content_type: Option<&'static str>,
    target_prefix: Option<Arc<str>>,
    action_target: bool,
    hostname: Arc<str>,
    default_subdomain: Option<Arc<str>>,
    global_region: Option<Arc<str>>,
    signing: SigningFlavor,
    host_prefixes: Vec<(Arc<str>, Arc<str>)>,
}

impl Service {
    /// The name integration URIs use (`states`, `sqs`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SigV4 credential-scope service name.
    pub fn signing_name(&self) -> &str {
        &self.signing_name
    }

    /// The SDK service id (`SFN`), which names the `AWS_ENDPOINT_URL_<ID>` endpoint override.
    pub fn service_id(&self) -> &str {
        &self.service_id
    }

    /// The wire protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// `application/x-amz-json-1.0` or `-1.1` for JSON-protocol services.
    pub fn json_content_type(&self) -> Option<&'static str> {
        self.json_content_type
    }

    /// The `X-Amz-Target` API Gateway sends for an `action/ACTION` URI, if it sends one for this service.
    pub fn action_target(&self, action: &str) -> Option<String> {
        if !self.action_target {
            return None;
        }
        let prefix = self.target_prefix.as_deref()?;
        Some(format!("{prefix}.{action}"))
    }

    /// The SigV4 variant.
    pub fn signing(&self) -> SigningFlavor {
        self.signing
    }

    /// The signing region for a request whose URI names `region`: a global service signs in its own region.
    pub fn signing_region<'a>(&'a self, region: &'a str) -> &'a str {
        self.global_region.as_deref().unwrap_or(region)
    }

    /// Whether the hostname pattern needs a subdomain that neither the URI nor the row supplies.
    pub(crate) fn requires_subdomain(&self) -> bool {
        self.hostname.contains("{subdomain}") && self.default_subdomain.is_none()
    }

    /// The public endpoint host for this service, e.g. `sqs.us-east-1.amazonaws.com`.
    pub fn hostname(&self, region: &str, dns_suffix: &str, subdomain: Option<&str>, action: Option<&str>) -> String {
        let placed = self.hostname.contains("{subdomain}");
        let sub = subdomain.or(self.default_subdomain.as_deref()).unwrap_or("");
        let mut host = String::with_capacity(self.hostname.len() + region.len() + dns_suffix.len() + sub.len() + 8);
        if let Some(prefix) = action.and_then(|a| self.host_prefix(a)) {
            host.push_str(prefix);
        }
        if !placed && let Some(sub) = subdomain {
            host.push_str(sub);
            host.push('.');
        }
        let mut rest = &*self.hostname;
        while let Some(open) = rest.find('{') {
            host.push_str(&rest[..open]);
            let after = &rest[open..];
            let (value, len) = if after.starts_with("{region}") {
                (region, "{region}".len())
            } else if after.starts_with("{dns_suffix}") {
                (dns_suffix, "{dns_suffix}".len())
            } else if after.starts_with("{subdomain}") {
                (sub, "{subdomain}".len())
            } else if after.starts_with("{name}") {
                (&*self.name, "{name}".len())
            } else {
                ("{", 1)
            };
            host.push_str(value);
            rest = &after[len..];
        }
        host.push_str(rest);
        host
    }

    fn host_prefix(&self, action: &str) -> Option<&str> {
        self.host_prefixes
            .iter()
            .find(|(a, _)| &**a == action)
            .map(|(_, p)| &**p)
    }
}

/// The set of services integration URIs may name.
#[derive(Debug, Clone)]
pub struct ServiceTable {
    services: BTreeMap<Arc<str>, Arc<Service>>,
}

impl ServiceTable {
    /// The built-in table from `services.toml`, parsed once per process.
    pub fn builtin() -> &'static ServiceTable {
        static TABLE: OnceLock<ServiceTable> = OnceLock::new();
        TABLE.get_or_init(|| match ServiceTable::parse(BUILTIN) {
            Ok(table) => table,
            // A unit test parses the same text, so this is unreachable in a tested build; an empty table keeps
            // the library panic-free and makes every URI fail with "unknown service".
            Err(_) => ServiceTable {
                services: BTreeMap::new(),
            },
        })
    }

    /// Parses rows in the `services.toml` format.
    pub fn parse(source: &str) -> Result<ServiceTable, TableError> {
        let file: File = toml::from_str(source).map_err(|err| TableError {
            message: err.message().to_owned(),
            span: err.span(),
        })?;
        let mut services = BTreeMap::new();
        for row in file.service {
            let service = Arc::new(row.validate()?);
            if services.insert(service.name.clone(), service.clone()).is_some() {
                return Err(TableError {
                    message: format!("service `{}` is listed twice", service.name),
                    span: None,
                });
            }
        }
        Ok(ServiceTable { services })
    }

    /// Adds the rows of `other`, replacing rows of the same name.
    pub fn extend(&mut self, other: ServiceTable) {
        self.services.extend(other.services);
    }

    /// The row for a service name as written in URIs.
    pub fn get(&self, name: &str) -> Option<&Arc<Service>> {
        self.services.get(name)
    }

    /// All rows, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Service>> {
        self.services.values()
    }
}

/// A problem in a service table file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    message: String,
    span: Option<std::ops::Range<usize>>,
}

impl TableError {
    /// The byte range of the offending text, when known.
    pub fn span(&self) -> Option<std::ops::Range<usize>> {
        self.span.clone()
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid service table: ")?;
        f.write_str(&self.message)
    }
}

impl std::error::Error for TableError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    service: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    signing_name: String,
    service_id: String,
    protocol: String,
    json_version: Option<String>,
    target_prefix: Option<String>,
    action_target: Option<bool>,
    hostname: Option<String>,
    default_subdomain: Option<String>,
    global_region: Option<String>,
    signing: Option<String>,
    #[serde(default)]
    host_prefixes: BTreeMap<String, String>,
}

impl Row {
    fn validate(self) -> Result<Service, TableError> {
        let fail = |message: String| TableError { message, span: None };
        let name = self.name;
        if !is_dns_label(&name) {
            return Err(fail(format!(
                "service name `{name}` must be lower-case letters, digits and `-`"
            )));
        }
        let protocol = match self.protocol.as_str() {
            "query" => Protocol::Query,
            "json" => Protocol::Json,
            "rest-json" => Protocol::RestJson,
            "rest-xml" => Protocol::RestXml,
            other => return Err(fail(format!("service `{name}`: unknown protocol `{other}`"))),
        };
        let json_content_type = match (protocol, self.json_version.as_deref()) {
            (Protocol::Json, Some("1.0")) => Some("application/x-amz-json-1.0"),
            (Protocol::Json, Some("1.1")) => Some("application/x-amz-json-1.1"),
            (Protocol::Json, Some(other)) => {
                return Err(fail(format!(
                    "service `{name}`: json_version must be \"1.0\" or \"1.1\", not `{other}`"
                )));
            }
            (Protocol::Json, None) => return Err(fail(format!("service `{name}`: json needs json_version"))),
            (_, Some(_)) => return Err(fail(format!("service `{name}`: json_version is for the json protocol"))),
            (_, None) => None,
        };
        if protocol == Protocol::Json && self.target_prefix.is_none() {
            return Err(fail(format!("service `{name}`: json needs target_prefix")));
        }
        let signing = match self.signing.as_deref() {
            None => SigningFlavor::Standard,
            Some("s3") => SigningFlavor::S3,
            Some(other) => return Err(fail(format!("service `{name}`: unknown signing `{other}`"))),
        };
        let hostname = self
            .hostname
            .unwrap_or_else(|| "{name}.{region}.{dns_suffix}".to_owned());
        let mut rest = hostname.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open..];
            let Some(close) = after.find('}') else {
                return Err(fail(format!("service `{name}`: unclosed `{{` in hostname")));
            };
            if !matches!(&after[..=close], "{region}" | "{dns_suffix}" | "{subdomain}" | "{name}") {
                return Err(fail(format!(
                    "service `{name}`: unknown hostname placeholder `{}`",
                    &after[..=close]
                )));
            }
            rest = &after[close + 1..];
        }
        let host_prefixes = self
            .host_prefixes
            .into_iter()
            .map(|(action, prefix)| (Arc::from(action), Arc::from(prefix)))
            .collect();
        Ok(Service {
            signing_name: self.signing_name.into(),
            service_id: self.service_id.into(),
            protocol,
            json_content_type,
            target_prefix: self.target_prefix.map(Arc::from),
            action_target: self.action_target.unwrap_or(true),
            hostname: hostname.into(),
            default_subdomain: self.default_subdomain.map(Arc::from),
            global_region: self.global_region.map(Arc::from),
            signing,
            host_prefixes,
            name: name.into(),
        })
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_has_the_required_services() {
        let table = ServiceTable::parse(BUILTIN).unwrap();
        for name in [
            "sqs", "dynamodb", "kinesis", "states", "lambda", "sns", "events", "s3", "firehose", "sts",
        ] {
            assert!(table.get(name).is_some(), "{name} missing");
        }
        assert_eq!(ServiceTable::builtin().iter().count(), table.iter().count());
    }

    #[test]
    fn hostnames() {
        let table = ServiceTable::builtin();
        let host = |name: &str, sub: Option<&str>, action: Option<&str>| {
            table
                .get(name)
                .unwrap()
                .hostname("us-west-2", "amazonaws.com", sub, action)
        };
        assert_eq!(host("sqs", None, None), "sqs.us-west-2.amazonaws.com");
        assert_eq!(
            host("states", None, Some("StartSyncExecution")),
            "sync-states.us-west-2.amazonaws.com"
        );
        assert_eq!(
            host("states", None, Some("StartExecution")),
            "states.us-west-2.amazonaws.com"
        );
        assert_eq!(host("s3", None, None), "s3.us-west-2.amazonaws.com");
        assert_eq!(host("iam", None, None), "iam.amazonaws.com");
        assert_eq!(host("iotdata", None, None), "data-ats.iot.us-west-2.amazonaws.com");
        assert_eq!(
            host("iotdata", Some("abc123-ats"), None),
            "abc123-ats.iot.us-west-2.amazonaws.com"
        );
        assert_eq!(host("sqs", Some("fips"), None), "fips.sqs.us-west-2.amazonaws.com");
    }

    #[test]
    fn targets_follow_the_table() {
        let table = ServiceTable::builtin();
        let target = |name: &str, action: &str| table.get(name).unwrap().action_target(action);
        assert_eq!(
            target("dynamodb", "PutItem").as_deref(),
            Some("DynamoDB_20120810.PutItem")
        );
        assert_eq!(
            target("kinesis", "PutRecord").as_deref(),
            Some("Kinesis_20131202.PutRecord")
        );
        assert_eq!(
            target("states", "StartExecution").as_deref(),
            Some("AWSStepFunctions.StartExecution")
        );
        assert_eq!(
            target("firehose", "PutRecord").as_deref(),
            Some("Firehose_20150804.PutRecord")
        );
        assert_eq!(target("events", "PutEvents"), None);
        assert_eq!(target("sqs", "SendMessage"), None);
    }

    #[test]
    fn bad_rows_are_rejected_with_a_reason() {
        let cases = [
            ("[[service]]\nname = \"x\"\n", "missing field"),
            (
                "[[service]]\nname=\"x\"\nsigning_name=\"x\"\nservice_id=\"X\"\nprotocol=\"soap\"\n",
                "unknown protocol `soap`",
            ),
            (
                "[[service]]\nname=\"x\"\nsigning_name=\"x\"\nservice_id=\"X\"\nprotocol=\"json\"\n",
                "json_version",
            ),
            (
                "[[service]]\nname=\"x\"\nsigning_name=\"x\"\nservice_id=\"X\"\nprotocol=\"query\"\nhostname=\"{zone}.x\"\n",
                "unknown hostname placeholder `{zone}`",
            ),
            (
                "[[service]]\nname=\"X\"\nsigning_name=\"x\"\nservice_id=\"X\"\nprotocol=\"query\"\n",
                "must be lower-case",
            ),
            ("[[service]]\nname=\"x\"\nbogus=1\n", "unknown field"),
        ];
        for (source, expected) in cases {
            let err = ServiceTable::parse(source).unwrap_err().to_string();
            assert!(err.contains(expected), "{source:?}: {err}");
        }
    }

    #[test]
    fn extend_replaces_rows_by_name() {
        let mut table = ServiceTable::builtin().clone();
        let extra = ServiceTable::parse(
            "[[service]]\nname=\"sqs\"\nsigning_name=\"sqs\"\nservice_id=\"SQS\"\nprotocol=\"json\"\n\
             json_version=\"1.0\"\ntarget_prefix=\"AmazonSQS\"\n",
        )
        .unwrap();
        table.extend(extra);
        assert_eq!(
            table.get("sqs").unwrap().action_target("SendMessage").as_deref(),
            Some("AmazonSQS.SendMessage")
        );
    }
}
