//! The API's `binaryMediaTypes` and how API Gateway matches a request against them.
//!
//! Recorded for Lambda proxy responses (REC/ lambda `test_aws_proxy_binary_response`):
//! * only the **first** media type of `Accept` counts (`image/webp,image/png,*/*;q=0.8` is not `image/png`);
//! * an entry `type/subtype` matches that type exactly: `Accept: image/*` or `*/*` does not match `image/png`;
//! * an entry `type/*` matches every subtype of the type (`application/*` matches `application/whatever` and
//!   `application/*` itself);
//! * an entry with a wildcard type (`*/test`) never matches, not even `Accept: */test`;
//! * no `Accept`, or one without `/` (`application`), matches nothing;
//! * the response's own `Content-Type` plays no part.
//!
//! The documentation adds that `*/*` in the list covers every content type [doc]; Tollgate takes that to
//! include requests without an `Accept` header (unknown on AWS). Parameters (`;q=0.8`) are ignored and the
//! comparison is case-insensitive, as media types are (unknown on AWS; all recorded cases are lower case).

/// One entry of `binaryMediaTypes`, normalized at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `*/*`.
    Any,
    /// `type/*`, lower-cased type.
    AnySubtype(Box<str>),
    /// `type/subtype`, lower-cased.
    Exact(Box<str>),
    /// A form that never matches (`*/subtype`, no slash).
    Never,
}

/// An API's binary media types, parsed once when a deployment is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryMediaTypes {
    entries: Vec<Entry>,
}

impl BinaryMediaTypes {
    /// Parses the list as the API defines it (`["image/png", "application/*"]`; already unescaped from the
    /// `~1` form of patch operations).
    pub fn new<I, S>(types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = types
            .into_iter()
            .map(|media_type| parse_entry(media_type.as_ref()))
            .collect();
        Self { entries }
    }

    /// Whether the list is empty (no binary support: everything is text).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a response should be binary for a request with this `Accept` header value: its first media
    /// type matches an entry, or the list has `*/*`.
    pub fn matches_accept(&self, accept: Option<&str>) -> bool {
        let first = accept.and_then(|accept| accept.split(',').next());
        self.matches(first)
    }

    /// Whether a request body with this `Content-Type` is binary (the event then carries it base64-encoded).
    pub fn matches_content_type(&self, content_type: Option<&str>) -> bool {
        self.matches(content_type)
    }

    fn matches(&self, media_type: Option<&str>) -> bool {
        if self.entries.contains(&Entry::Any) {
            return true;
        }
        let Some((kind, subtype)) = media_type.and_then(split_media_type) else {
            return false;
        };
        self.entries.iter().any(|entry| match entry {
            Entry::Any => true,
            Entry::AnySubtype(entry_kind) => entry_kind.eq_ignore_ascii_case(kind),
            Entry::Exact(entry) => {
                entry.len() == kind.len() + 1 + subtype.len()
                    && entry[..kind.len()].eq_ignore_ascii_case(kind)
                    && entry[kind.len() + 1..].eq_ignore_ascii_case(subtype)
            }
            Entry::Never => false,
        })
    }
}

/// `type/subtype` without parameters and surrounding blanks; `None` without a slash or with an empty part.
fn split_media_type(media_type: &str) -> Option<(&str, &str)> {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    let (kind, subtype) = essence.split_once('/')?;
    let (kind, subtype) = (kind.trim(), subtype.trim());
    (!kind.is_empty() && !subtype.is_empty()).then_some((kind, subtype))
}

fn parse_entry(media_type: &str) -> Entry {
    match split_media_type(media_type) {
        Some(("*", "*")) => Entry::Any,
        Some(("*", _)) | None => Entry::Never,
        Some((kind, "*")) => Entry::AnySubtype(kind.to_ascii_lowercase().into()),
        Some((kind, subtype)) => {
            Entry::Exact(format!("{}/{}", kind.to_ascii_lowercase(), subtype.to_ascii_lowercase()).into())
        }
    }
}
