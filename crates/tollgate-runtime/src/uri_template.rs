//! Integration URIs of HTTP and HTTP_PROXY integrations, prepared at compile time.
//!
//! `${stageVariables.x}` is substituted when the deployment is compiled (the stage is known then). `{name}`
//! placeholders are filled per request from `integration.request.path.name` and may appear only in the
//! path and query, so no request value can change the scheme, host or port (reliability spec §2.4); values
//! are percent-encoded so they cannot add path segments' delimiters of their own (`?`, `#`) either.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// A compiled integration URI.
#[derive(Clone, Debug)]
pub(crate) struct UriTemplate {
    /// `scheme://authority`, fixed.
    origin: Box<str>,
    /// The path-and-query, in pieces.
    pieces: Vec<Piece>,
    /// The whole URI when it has no placeholder: rendered once, cloned per request (shared bytes, no copy).
    fixed: Option<http::Uri>,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(Box<str>),
    Param(Box<str>),
}

/// Characters encoded in a value taken from the request path (already percent-encoded by the client, so `%`
/// and `/` stay).
const RAW_PATH_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');
/// Characters encoded in a decoded value (query, header, body, literal): everything but unreserved.
const DECODED_VALUE: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parameter value and whether it is still percent-encoded (taken raw from the request path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParamValue<'v> {
    pub(crate) value: &'v str,
    pub(crate) raw_path: bool,
}

impl UriTemplate {
    /// Prepares `uri` with `stage_variable` resolving `${stageVariables.x}`.
    pub(crate) fn compile(uri: &str, stage_variable: impl Fn(&str) -> Option<String>) -> Result<UriTemplate, String> {
        let substituted = substitute_stage_variables(uri, stage_variable)?;
        let (scheme, rest) = substituted
            .split_once("://")
            .ok_or_else(|| format!("`{uri}` is not an absolute http:// or https:// URL"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(format!("`{uri}`: the scheme must be http or https"));
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        if authority.is_empty() || authority.contains(['{', '}', '@']) {
            return Err(format!(
                "`{uri}`: the host must be a fixed name (no placeholders, no user info)"
            ));
        }
        let origin = format!("{}://{authority}", scheme.to_ascii_lowercase());
        origin
            .parse::<http::Uri>()
            .map_err(|err| format!("`{uri}`: invalid host: {err}"))?;
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = if path.is_empty() { "/" } else { path };
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .ok_or_else(|| format!("`{uri}`: unclosed `{{`"))?;
            text.push_str(&rest[..open]);
            let name = rest[open + 1..close].trim_end_matches('+');
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._$-".contains(&b)) {
                return Err(format!("`{uri}`: invalid placeholder `{}`", &rest[open..=close]));
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text).into()));
            }
            pieces.push(Piece::Param(name.into()));
            rest = &rest[close + 1..];
        }
        text.push_str(rest);
        if text.contains('}') {
            return Err(format!("`{uri}`: unmatched `}}`"));
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.into()));
        }
        let mut template = UriTemplate {
            origin: origin.into(),
            pieces,
            fixed: None,
        };
        let checked = template
            .render(
                |_| {
                    Some(ParamValue {
                        value: "x",
                        raw_path: false,
                    })
                },
                &[],
            )
            .map_err(|err| format!("`{uri}`: {err}"))?;
        if !template.pieces.iter().any(|p| matches!(p, Piece::Param(_))) {
            template.fixed = Some(checked);
        }
        Ok(template)
    }

    /// Builds the URI: placeholders from `param` (a missing one becomes empty), then `extra_query` pairs
    /// (already decoded values) appended form-encoded.
    pub(crate) fn render<'v>(
        &self,
        param: impl Fn(&str) -> Option<ParamValue<'v>>,
        extra_query: &[(&str, &str)],
    ) -> Result<http::Uri, String> {
        if let (Some(fixed), []) = (&self.fixed, extra_query) {
            return Ok(fixed.clone());
        }
        // Handing the buffer over (`parse` would copy it) shares it with the URI's parts.
        http::Uri::try_from(self.text(&param, extra_query).into_bytes())
            .map_err(|err| format!("invalid integration URI `{}`: {err}", self.text(&param, extra_query)))
    }

    fn text<'v>(&self, param: &impl Fn(&str) -> Option<ParamValue<'v>>, extra_query: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(128);
        out.push_str(&self.origin);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Param(name) => {
                    if let Some(value) = param(name) {
                        push_param(&mut out, value);
                    }
                }
            }
        }
        let mut has_query = out.contains('?');
        for (key, value) in extra_query {
            out.push(if has_query { '&' } else { '?' });
            has_query = true;
            out.extend(form_urlencoded(key));
            out.push('=');
            out.extend(form_urlencoded(value));
        }
        out
    }
}

/// Appends a parameter value. Dot segments (`.`, `..`) are percent-encoded so a request value can never climb
/// out of the integration's path on the backend (reliability spec §2.8); everything else keeps its bytes.
fn push_param(out: &mut String, value: ParamValue<'_>) {
    if !value.raw_path {
        // A decoded value is one segment: its `/` are encoded, so only the whole value can be a dot segment.
        match value.value {
            "." => out.push_str("%2E"),
            ".." => out.push_str("%2E%2E"),
            text => out.extend(utf8_percent_encode(text, DECODED_VALUE)),
        }
        return;
    }
    for (index, segment) in value.value.split('/').enumerate() {
        if index > 0 {
            out.push('/');
        }
        match segment {
            "." => out.push_str("%2E"),
            ".." => out.push_str("%2E%2E"),
            _ => out.extend(utf8_percent_encode(segment, RAW_PATH_VALUE)),
        }
    }
}

fn form_urlencoded(text: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(text, DECODED_VALUE)
}

/// Replaces every `${stageVariables.x}`; an unknown variable is an error (AWS would call an invalid URL).
fn substitute_stage_variables(uri: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    const OPEN: &str = "${stageVariables.";
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`{uri}`: unclosed `${{stageVariables.`"))?;
        let name = &after[..end];
        let value =
            lookup(name).ok_or_else(|| format!("`{uri}`: stage variable `{name}` is not defined on this stage"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        (name == "host").then(|| "backend.example:8080".to_owned())
    }

    #[test]
    fn substitutes_and_encodes() {
        let t = UriTemplate::compile("http://${stageVariables.host}/pets/{id}/{proxy}?a=1", vars).unwrap();
        let uri = t
            .render(
                |name| match name {
                    "id" => Some(ParamValue {
                        value: "a b/../?#",
                        raw_path: false,
                    }),
                    "proxy" => Some(ParamValue {
                        value: "x/y%2F?z",
                        raw_path: true,
                    }),
                    _ => None,
                },
                &[("q", "1 2&3")],
            )
            .unwrap();
        assert_eq!(
            uri.to_string(),
            "http://backend.example:8080/pets/a%20b%2F..%2F%3F%23/x/y%2F%3Fz?a=1&q=1%202%263"
        );
        assert_eq!(uri.authority().unwrap().as_str(), "backend.example:8080");
    }

    // Source: reliability spec §2.4/§2.8 (no request value may escape the integration path).
    #[test]
    fn dot_segments_cannot_climb() {
        let t = UriTemplate::compile("http://h/base/{p}", vars).unwrap();
        let raw = |v: &'static str| {
            move |_: &str| {
                Some(ParamValue {
                    value: v,
                    raw_path: true,
                })
            }
        };
        assert_eq!(
            t.render(raw("../admin"), &[]).unwrap().to_string(),
            "http://h/base/%2E%2E/admin"
        );
        assert_eq!(
            t.render(raw("a/./b/..x"), &[]).unwrap().to_string(),
            "http://h/base/a/%2E/b/..x"
        );
        let decoded = |_: &str| {
            Some(ParamValue {
                value: "..",
                raw_path: false,
            })
        };
        assert_eq!(t.render(decoded, &[]).unwrap().to_string(), "http://h/base/%2E%2E");
    }

    #[test]
    fn rejects_placeholders_in_the_host_and_bad_schemes() {
        assert!(UriTemplate::compile("http://{host}/x", vars).is_err());
        assert!(UriTemplate::compile("ftp://h/x", vars).is_err());
        assert!(UriTemplate::compile("http://${stageVariables.nope}/x", vars).is_err());
        assert!(UriTemplate::compile("http://user@h/x", vars).is_err());
        assert!(UriTemplate::compile("http://h/{a", vars).is_err());
        assert_eq!(
            UriTemplate::compile("https://h", vars)
                .unwrap()
                .render(|_| None, &[])
                .unwrap()
                .to_string(),
            "https://h/"
        );
    }
}
