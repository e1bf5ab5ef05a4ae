//! Gateway-response templates (spec §7). They are **not** VTL: API Gateway substitutes `$context.*` and
//! `$stageVariables.*` references into the text and leaves everything else as written, so
//! `{"message":$context.error.messageString}` becomes `{"message":"Missing Authentication Token"}`.

use std::fmt;

use crate::context::RequestContext;

/// A gateway-response template, split into text and references once, when the deployment is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayResponseTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Context(String),
    StageVariable(String),
}

impl GatewayResponseTemplate {
    /// Splits `source` into literal text and `$context.a.b` / `$stageVariables.a` references (also written
    /// `${context.a.b}`). A reference runs over dot-separated names of letters, digits and `_`.
    pub fn parse(source: &str) -> GatewayResponseTemplate {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(dollar) = rest.find('$') {
            text.push_str(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            let (braced, inner) = match after.strip_prefix('{') {
                Some(inner) => (true, inner),
                None => (false, after),
            };
            let reference = [
                ("context.", Part::Context as fn(String) -> Part),
                ("stageVariables.", Part::StageVariable),
            ]
            .into_iter()
            .find_map(|(prefix, make)| {
                let names = inner.strip_prefix(prefix)?;
                let len = dotted_len(names);
                if len == 0 {
                    return None;
                }
                let consumed = prefix.len() + len;
                if braced {
                    // `${…}` must close right after the name.
                    inner[consumed..]
                        .starts_with('}')
                        .then(|| (make(names[..len].to_owned()), consumed + 2))
                } else {
                    Some((make(names[..len].to_owned()), consumed))
                }
            });
            match reference {
                Some((part, consumed)) => {
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(part);
                    rest = &after[consumed..];
                }
                None => {
                    text.push('$');
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        GatewayResponseTemplate { parts }
    }

    /// Appends the template with every reference replaced by its value; an unknown or null variable becomes
    /// empty text.
    pub fn render_into(&self, context: &RequestContext, stage_variables: &[(String, String)], out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Context(name) => {
                    if let Some(value) = context.lookup(name) {
                        out.push_str(&value);
                    }
                }
                Part::StageVariable(name) => {
                    if let Some((_, value)) = stage_variables.iter().find(|(k, _)| k == name) {
                        out.push_str(value);
                    }
                }
            }
        }
    }

    /// The rendered template as a new string.
    pub fn render(&self, context: &RequestContext, stage_variables: &[(String, String)]) -> String {
        let mut out = String::new();
        self.render_into(context, stage_variables, &mut out);
        out
    }
}

impl fmt::Display for GatewayResponseTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(text) => f.write_str(text)?,
                Part::Context(name) => write!(f, "$context.{name}")?,
                Part::StageVariable(name) => write!(f, "$stageVariables.{name}")?,
            }
        }
        Ok(())
    }
}

/// Length of `a.b.c` at the start of `s`: names of ASCII letters, digits and `_`, joined by single dots; a
/// trailing dot (end of a sentence) is not part of it.
fn dotted_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut end = 0;
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == start {
            return end;
        }
        end = i;
        if bytes.get(i) != Some(&b'.') {
            return end;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ContextError;

    fn render(source: &str) -> String {
        let mut cx = RequestContext::example();
        cx.error = Some(ContextError {
            message: Some("Missing Authentication Token".into()),
            response_type: "MISSING_AUTHENTICATION_TOKEN".into(),
            validation_error_string: None,
        });
        GatewayResponseTemplate::parse(source).render(&cx, &[("env".into(), "dev".into())])
    }

    #[test]
    fn default_template() {
        // The default template of every type (AWS-recorded, spec §7).
        assert_eq!(
            render(r#"{"message":$context.error.messageString}"#),
            r#"{"message":"Missing Authentication Token"}"#
        );
    }

    #[test]
    fn substitution_only() {
        assert_eq!(
            render("$context.error.responseType in $stageVariables.env (${context.requestId}); #if($x) $foo $context."),
            "MISSING_AUTHENTICATION_TOKEN in dev (0547626d-6f57-4e19-b03e-92289aea3627); #if($x) $foo $context."
        );
        assert_eq!(
            render("id $context.requestId."),
            "id 0547626d-6f57-4e19-b03e-92289aea3627."
        );
        assert_eq!(
            render("[$context.nope][$stageVariables.nope][$context.error.validationErrorString]"),
            "[][][]"
        );
        assert_eq!(render("${context.stage"), "${context.stage");
        let template = GatewayResponseTemplate::parse("a $context.stage b");
        assert_eq!(template.to_string(), "a $context.stage b");
    }
}
