//! The method request as mapping templates and parameter mappings see it.

/// Request headers API Gateway hides from templates and parameter mappings (spec §4.3, AWS-recorded in
/// LocalStack's `TestApiGatewayHeaderRemapping`): `$input.params('Connection')` is empty even when the client
/// sent one.
pub const INVISIBLE_HEADERS: &[&str] = &[
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
];

/// Whether templates and parameter mappings can see a request header of this name.
pub fn is_visible_header(name: &str) -> bool {
    !INVISIBLE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// The parameters of a method request: path parameters, query string and headers, in arrival order, with the
/// names as the client wrote them. Headers of [`INVISIBLE_HEADERS`] are dropped on construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MethodRequest {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl MethodRequest {
    /// A method request from its parts (path parameters, query parameters in order with repeats, headers in
    /// order with repeats).
    pub fn new(path: Vec<(String, String)>, query: Vec<(String, String)>, headers: Vec<(String, String)>) -> Self {
        let headers = headers
            .into_iter()
            .filter(|(name, _)| is_visible_header(name))
            .collect();
        MethodRequest { path, query, headers }
    }

    /// Path parameters (`{id}` → value) in template order.
    pub fn path(&self) -> &[(String, String)] {
        &self.path
    }

    /// Query parameters in order, repeats included.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// Visible headers in order, repeats included.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The path parameter `name`.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The query parameter `name`; the last one when repeated (spec §2.1, unrecorded on AWS: last value).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the query parameter `name`, in order.
    pub fn query_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The header `name` (case-insensitive, as HTTP header names are); the last one when repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the header `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `$input.params(name)`: the path parameter, else the query parameter, else the header; `None` if absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.path_param(name)
            .or_else(|| self.query_param(name))
            .or_else(|| self.header(name))
    }

    /// The request `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The request `Accept` header.
    pub fn accept(&self) -> Option<&str> {
        self.header("accept")
    }
}
