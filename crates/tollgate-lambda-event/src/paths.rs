//! The three paths of the event, derived from the raw request path as AWS does (spec §1, slash table).
//!
//! Recorded (REC/ lambda `test_lambda_aws_proxy_integration`, stage `stage`):
//!
//! | request | event `path` | `pathParameters.proxy` | `requestContext.path` |
//! | --- | --- | --- | --- |
//! | `/stage/proxy-value` | `/proxy-value` | `proxy-value` | `/stage/proxy-value` |
//! | `/stage/proxy-value/` | `/proxy-value/` | `proxy-value` | `/stage/proxy-value/` |
//! | `/stage/proxy-value//double-slash` | kept | `proxy-value//double-slash` | kept |
//! | `/stage//proxy-value` | `/proxy-value` | `proxy-value` | `/stage//proxy-value` |
//! | `/stage//hardcoded` | `/hardcoded` | — | `/stage//hardcoded` |
//! | `//stage/proxy-value` | `/proxy-value` | `proxy-value` | `/stage/proxy-value` |
//!
//! Nothing is percent-decoded: `%2B` and `+` stay as sent (recorded, `invocation-payload-with-path-encoded-email`).

/// A raw request path split into its stage and the paths the event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagePaths<'a> {
    /// The stage name, the first path segment.
    pub stage: &'a str,
    /// The event's `path`: the path after the stage, with runs of leading slashes collapsed to one (`/` when
    /// nothing follows the stage).
    pub path: &'a str,
    /// `requestContext.path`: the path as received, stage included, with slashes before the stage collapsed.
    pub context_path: &'a str,
}

impl<'a> StagePaths<'a> {
    /// Splits a raw request path (no query string) such as `/prod/pets/1`; `None` without a stage segment.
    pub fn parse(raw_path: &'a str) -> Option<Self> {
        let after_slashes = raw_path.trim_start_matches('/');
        if after_slashes.len() == raw_path.len() {
            return None;
        }
        // Keep exactly one of the leading slashes.
        let context_path = &raw_path[raw_path.len() - after_slashes.len() - 1..];
        let stage_end = after_slashes.find('/').unwrap_or(after_slashes.len());
        let stage = &after_slashes[..stage_end];
        if stage.is_empty() {
            return None;
        }
        let rest = &after_slashes[stage_end..];
        let rest_after_slashes = rest.trim_start_matches('/');
        let path = if rest_after_slashes.len() == rest.len() {
            "/"
        } else {
            &rest[rest.len() - rest_after_slashes.len() - 1..]
        };
        Some(Self {
            stage,
            path,
            context_path,
        })
    }
}

/// The value of a greedy `{name+}` path parameter from the part of the event path it matched: the event keeps
/// a trailing slash in `path` but drops it from the parameter (recorded: `/proxy-value/` gives `proxy-value`).
/// Inner double slashes are kept. Only one trailing slash is dropped (several: unknown on AWS).
pub fn greedy_parameter_value(matched: &str) -> &str {
    let matched = matched.strip_prefix('/').unwrap_or(matched);
    matched.strip_suffix('/').unwrap_or(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> (&str, &str, &str) {
        let paths = StagePaths::parse(raw).unwrap();
        (paths.stage, paths.path, paths.context_path)
    }

    #[test]
    fn the_recorded_slash_table() {
        assert_eq!(
            parse("/stage/proxy-value"),
            ("stage", "/proxy-value", "/stage/proxy-value")
        );
        assert_eq!(
            parse("/stage/proxy-value/"),
            ("stage", "/proxy-value/", "/stage/proxy-value/")
        );
        assert_eq!(
            parse("/stage/proxy-value//double-slash"),
            (
                "stage",
                "/proxy-value//double-slash",
                "/stage/proxy-value//double-slash"
            )
        );
        assert_eq!(
            parse("/stage//proxy-value"),
            ("stage", "/proxy-value", "/stage//proxy-value")
        );
        assert_eq!(parse("/stage//hardcoded"), ("stage", "/hardcoded", "/stage//hardcoded"));
        assert_eq!(
            parse("//stage/proxy-value"),
            ("stage", "/proxy-value", "/stage/proxy-value")
        );
        assert_eq!(
            parse("/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"),
            (
                "stage",
                "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
                "/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"
            )
        );
    }

    #[test]
    fn stage_root_and_malformed_paths() {
        assert_eq!(parse("/stage"), ("stage", "/", "/stage"));
        assert_eq!(parse("/stage/"), ("stage", "/", "/stage/"));
        assert_eq!(StagePaths::parse("stage/x"), None);
        assert_eq!(StagePaths::parse("/"), None);
        assert_eq!(StagePaths::parse("//"), None);
    }

    #[test]
    fn greedy_parameter_values() {
        assert_eq!(greedy_parameter_value("/proxy-value"), "proxy-value");
        assert_eq!(greedy_parameter_value("/proxy-value/"), "proxy-value");
        assert_eq!(
            greedy_parameter_value("/proxy-value//double-slash"),
            "proxy-value//double-slash"
        );
        assert_eq!(greedy_parameter_value("proxy-value/api"), "proxy-value/api");
    }
}
