//! The header tables of spec §4 and §8: what may be mapped, what is remapped, what a proxy drops.

use http::{HeaderName, HeaderValue};

/// `application/json`, validated at compile time (AWS's default `Content-Type` and `Accept`).
pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
/// The `x-amzn-ErrorType` header name.
pub(crate) static X_AMZN_ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// Request headers an integration request parameter may never target, for HTTP / HTTP_PROXY / MOCK
/// (spec §4.1: mapping one is a 500). AWS / AWS_PROXY add Authorization, Connection, Expect,
/// Proxy-Authenticate and TE (issue 6).
pub(crate) fn is_unmappable_request_header(name: &str) -> bool {
    ["content-length", "transfer-encoding"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
        || name.len() >= 7 && name.as_bytes()[..7].eq_ignore_ascii_case(b"x-amzn-")
}

/// Mapped request headers AWS accepts but does not send to an HTTP backend (spec §4.1).
pub(crate) fn is_dropped_request_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "expect" | "proxy-authenticate" | "te" | "via"
    )
}

/// Which integration produced a response, for the remapping rules of spec §4.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Remap {
    /// MOCK: only mapped headers exist.
    Mock,
    /// HTTP and AWS (non-proxy): mapped headers.
    NonProxy,
    /// HTTP_PROXY: everything the backend returned.
    Proxy,
    /// AWS_PROXY: the headers of the function's answer; only the common four are remapped (LocalStack's
    /// AWS-validated `method_response.py`).
    LambdaProxy,
}

/// Response headers that reach the client renamed to `x-amzn-Remapped-<name>` (spec §4.2; the per-type lists
/// follow LocalStack's AWS-validated `method_response.py`: Connection, Content-Length, Date and Server always;
/// the non-proxy types add Authorization, Content-MD5, Expect, Host, Max-Forwards, Proxy-Authenticate, Trailer,
/// Upgrade, User-Agent, WWW-Authenticate; HTTP_PROXY adds the backend's own x-amzn-RequestId).
pub(crate) fn is_remapped_response_header(name: &HeaderName, remap: Remap) -> bool {
    let common = matches!(name.as_str(), "connection" | "content-length" | "date" | "server");
    common
        || match remap {
            Remap::Mock | Remap::LambdaProxy => false,
            Remap::NonProxy => matches!(
                name.as_str(),
                "authorization"
                    | "content-md5"
                    | "expect"
                    | "host"
                    | "max-forwards"
                    | "proxy-authenticate"
                    | "trailer"
                    | "upgrade"
                    | "user-agent"
                    | "www-authenticate"
            ),
            Remap::Proxy => name.as_str() == "x-amzn-requestid",
        }
}

/// Response headers a gateway never passes on: the hop-by-hop framing of the backend connection, and for
/// HTTP_PROXY the backend's `Via` (AWS drops it). AWS also drops an HTTP_PROXY backend's `Content-Encoding`;
/// Tollgate keeps it because it streams the encoded bytes unchanged (named divergence `proxy-content-encoding`).
pub(crate) fn is_dropped_response_header(name: &HeaderName, remap: Remap) -> bool {
    matches!(name.as_str(), "transfer-encoding" | "keep-alive" | "proxy-connection")
        || (remap == Remap::Proxy && name.as_str() == "via")
}

/// Client request headers an HTTP_PROXY integration does not forward (spec §5 HTTP_PROXY row: hop-by-hop,
/// `Content-Encoding`, `Via`; reliability spec §2.9: the client's framing never reaches the backend).
pub(crate) fn is_unforwarded_proxy_request_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
            | "content-encoding"
            | "via"
            | "expect"
            | "host"
    )
}

/// Request headers templates and parameter mappings cannot see (spec §4.3): they read as absent.
pub(crate) fn is_invisible_request_header(name: &str) -> bool {
    [
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "www-authenticate",
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

/// `x-amzn-Remapped-<name>` for a remapped header. The names of [`is_remapped_response_header`] are static
/// (a backend's `Content-Length` and `Date` are remapped on every HTTP_PROXY response).
pub(crate) fn remapped_name(name: &HeaderName) -> Option<HeaderName> {
    let known = match name.as_str() {
        "connection" => "x-amzn-remapped-connection",
        "content-length" => "x-amzn-remapped-content-length",
        "date" => "x-amzn-remapped-date",
        "server" => "x-amzn-remapped-server",
        "authorization" => "x-amzn-remapped-authorization",
        "content-md5" => "x-amzn-remapped-content-md5",
        "expect" => "x-amzn-remapped-expect",
        "host" => "x-amzn-remapped-host",
        "max-forwards" => "x-amzn-remapped-max-forwards",
        "proxy-authenticate" => "x-amzn-remapped-proxy-authenticate",
        "trailer" => "x-amzn-remapped-trailer",
        "upgrade" => "x-amzn-remapped-upgrade",
        "user-agent" => "x-amzn-remapped-user-agent",
        "www-authenticate" => "x-amzn-remapped-www-authenticate",
        "x-amzn-requestid" => "x-amzn-remapped-x-amzn-requestid",
        other => return HeaderName::from_bytes(format!("x-amzn-remapped-{other}").as_bytes()).ok(),
    };
    Some(HeaderName::from_static(known))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The static names are the ones the general rule would make, for every remapped name of every type.
    #[test]
    fn static_remapped_names_follow_the_rule() {
        let names = [
            "connection",
            "content-length",
            "date",
            "server",
            "authorization",
            "content-md5",
            "expect",
            "host",
            "max-forwards",
            "proxy-authenticate",
            "trailer",
            "upgrade",
            "user-agent",
            "www-authenticate",
            "x-amzn-requestid",
            "x-custom",
        ];
        for name in names {
            let name = HeaderName::from_static(name);
            let expected = format!("x-amzn-remapped-{}", name.as_str());
            assert_eq!(remapped_name(&name).map(|n| n.as_str().to_owned()), Some(expected));
        }
    }
}
