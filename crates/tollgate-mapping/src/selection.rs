//! Which mapping template applies (spec §3): request templates by `Content-Type` under the integration's
//! passthrough behaviour, response templates by `Accept`.

use std::fmt;
use std::str::FromStr;

/// An integration's `passthroughBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassthroughBehavior {
    /// `WHEN_NO_MATCH` (the default, AWS-recorded): pass the body through when no template matches.
    #[default]
    WhenNoMatch,
    /// `WHEN_NO_TEMPLATES`: pass through only when there are no templates at all; otherwise 415.
    WhenNoTemplates,
    /// `NEVER`: never pass through; 415 without a matching template.
    Never,
}

/// A `passthroughBehavior` value that is none of the three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPassthroughBehavior(pub String);

impl fmt::Display for UnknownPassthroughBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown passthroughBehavior `{}` (expected WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPassthroughBehavior {}

impl FromStr for PassthroughBehavior {
    type Err = UnknownPassthroughBehavior;

    /// Reads `WHEN_NO_MATCH`, `WHEN_NO_TEMPLATES` or `NEVER` in any case (OpenAPI files write them lowercase).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "WHEN_NO_MATCH" => Ok(PassthroughBehavior::WhenNoMatch),
            "WHEN_NO_TEMPLATES" => Ok(PassthroughBehavior::WhenNoTemplates),
            "NEVER" => Ok(PassthroughBehavior::Never),
            _ => Err(UnknownPassthroughBehavior(s.to_owned())),
        }
    }
}

/// What to do with an integration request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestTemplateChoice<'t, T> {
    /// Transform the body with this template (its content-type key and the template).
    Transform(&'t str, &'t T),
    /// Send the body through untransformed.
    Passthrough,
    /// Reject with the UNSUPPORTED_MEDIA_TYPE gateway response (415 `Unsupported Media Type`).
    UnsupportedMediaType,
}

/// The media type of a `Content-Type` or one `Accept` entry: parameters (`; charset=UTF-8`) and blanks dropped.
pub fn media_type(header: &str) -> &str {
    header.split(';').next().unwrap_or("").trim()
}

/// The request-template key: the request's media type, `application/json` when it sent no `Content-Type`.
pub fn request_template_key(content_type: Option<&str>) -> &str {
    match content_type.map(media_type) {
        Some(t) if !t.is_empty() => t,
        _ => "application/json",
    }
}

/// Chooses the integration request template (spec §3): the template whose key is the request's media type
/// (case-insensitive), else pass through or 415 as `behavior` says.
///
/// | situation | WHEN_NO_MATCH | WHEN_NO_TEMPLATES | NEVER |
/// | --- | --- | --- | --- |
/// | a template matches | transform | transform | transform |
/// | templates exist, none matches | pass through | 415 | 415 |
/// | no templates | pass through | pass through | 415 |
pub fn select_request_template<'t, T>(
    templates: &'t [(String, T)],
    content_type: Option<&str>,
    behavior: PassthroughBehavior,
) -> RequestTemplateChoice<'t, T> {
    let key = request_template_key(content_type);
    if let Some((k, t)) = templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        return RequestTemplateChoice::Transform(k, t);
    }
    match (behavior, templates.is_empty()) {
        (PassthroughBehavior::WhenNoMatch, _) | (PassthroughBehavior::WhenNoTemplates, true) => {
            RequestTemplateChoice::Passthrough
        }
        _ => RequestTemplateChoice::UnsupportedMediaType,
    }
}

/// Chooses the integration response template (spec §3): the one for the first media type of `Accept`
/// (`application/json` when absent), else the `application/json` one, else the first; `None` when there are no
/// templates (the body goes out unmapped).
pub fn select_response_template<'t, T>(templates: &'t [(String, T)], accept: Option<&str>) -> Option<(&'t str, &'t T)> {
    let wanted = accept
        .and_then(|a| a.split(',').next())
        .map(media_type)
        .filter(|t| !t.is_empty());
    let wanted = wanted.unwrap_or("application/json");
    templates
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(wanted))
        .or_else(|| {
            templates
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("application/json"))
        })
        .or_else(|| templates.first())
        .map(|(k, t)| (k.as_str(), t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates(keys: &[&str]) -> Vec<(String, usize)> {
        keys.iter().enumerate().map(|(i, k)| ((*k).to_owned(), i)).collect()
    }

    #[test]
    fn request_selection_follows_the_passthrough_table() {
        use PassthroughBehavior::*;
        use RequestTemplateChoice::*;
        let json = templates(&["application/json"]);
        let none = templates(&[]);
        let xml = Some("application/xml");
        // DG/integration-passthrough-behaviors.html, spec §3.
        for behavior in [WhenNoMatch, WhenNoTemplates, Never] {
            assert_eq!(
                select_request_template(&json, Some("application/json; charset=UTF-8"), behavior),
                Transform("application/json", &0)
            );
        }
        assert_eq!(
            select_request_template(&json, None, Never),
            Transform("application/json", &0),
            "absent → JSON"
        );
        assert_eq!(select_request_template(&json, xml, WhenNoMatch), Passthrough);
        assert_eq!(
            select_request_template(&json, xml, WhenNoTemplates),
            UnsupportedMediaType
        );
        assert_eq!(select_request_template(&json, xml, Never), UnsupportedMediaType);
        assert_eq!(select_request_template(&none, xml, WhenNoMatch), Passthrough);
        assert_eq!(select_request_template(&none, xml, WhenNoTemplates), Passthrough);
        assert_eq!(select_request_template(&none, xml, Never), UnsupportedMediaType);
        assert_eq!(
            select_request_template(&json, Some("Application/JSON"), Never),
            Transform("application/json", &0)
        );
    }

    #[test]
    fn response_selection_by_accept() {
        let both = templates(&["text/html", "application/json"]);
        assert_eq!(
            select_response_template(&both, Some("text/html, application/json")),
            Some(("text/html", &0))
        );
        assert_eq!(
            select_response_template(&both, Some("application/xml")),
            Some(("application/json", &1))
        );
        assert_eq!(select_response_template(&both, None), Some(("application/json", &1)));
        let html = templates(&["text/html", "text/plain"]);
        assert_eq!(select_response_template(&html, Some("*/*")), Some(("text/html", &0)));
        assert_eq!(select_response_template(&templates(&[]), None), None);
    }

    #[test]
    fn passthrough_names() {
        assert_eq!("when_no_templates".parse(), Ok(PassthroughBehavior::WhenNoTemplates));
        assert_eq!("NEVER".parse(), Ok(PassthroughBehavior::Never));
        assert!("sometimes".parse::<PassthroughBehavior>().is_err());
    }
}
