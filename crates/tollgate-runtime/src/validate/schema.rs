//! Request models as compiled JSON Schema (draft 4) validators.
//!
//! API Gateway stores every model of an API under `https://apigateway.amazonaws.com/restapis/{apiId}/models/{Name}`
//! and its OpenAPI importer rewrites `#/definitions/Name` (OAS2) and `#/components/schemas/Name` (OAS3) to that
//! form (spec §9.1). Tollgate does the same: each model becomes a resource at its AWS URI in one registry, so a
//! model may refer to another by either form (an AWS-form reference with any API id names this API's model).
//! Validators are compiled when the deployment is built; the request path only evaluates them.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;
use tollgate_model::{Diagnostic, RestApi, SourceFile};

/// Where AWS keeps the models of an API.
const AWS_MODELS: &str = "https://apigateway.amazonaws.com/restapis/";

/// Formats the draft-4 validator API Gateway uses (java-json-schema-validator) checks; any other `format` is
/// an annotation there, so it is switched off here too.
const CHECKED_FORMATS: &[&str] = &["date-time", "email", "hostname", "ipv4", "ipv6", "uri", "regex"];

/// Formats `jsonschema` knows for some draft that API Gateway's validator does not check.
const UNCHECKED_FORMATS: &[&str] = &[
    "date",
    "time",
    "duration",
    "idn-email",
    "idn-hostname",
    "iri",
    "iri-reference",
    "uri-reference",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "uuid",
];

/// One compiled model, with the schema documents the error report reads (keyword arguments).
#[derive(Debug)]
pub(crate) struct CompiledModel {
    pub(crate) name: Box<str>,
    pub(crate) validator: Validator,
    /// Every model's rewritten schema by name, to walk evaluation paths through `$ref`s.
    pub(crate) documents: Arc<HashMap<String, Value>>,
}

/// Compiles the models of one API on demand, each once.
#[derive(Debug)]
pub(crate) struct ModelCompiler {
    base: String,
    documents: Arc<HashMap<String, Value>>,
    compiled: HashMap<String, Option<Arc<CompiledModel>>>,
}

impl ModelCompiler {
    /// Prepares every model of `api` for the API id `api_id` (the AWS URIs are built from it).
    pub(crate) fn new(api: &RestApi, api_id: &str) -> ModelCompiler {
        let base = format!("{AWS_MODELS}{api_id}/models/");
        let names: Vec<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
        let mut documents = HashMap::new();
        for model in &api.models {
            let mut schema: Value = serde_json::from_str(&model.schema.to_json()).unwrap_or(Value::Null);
            rewrite_refs(&mut schema, &base, &names);
            documents.insert(model.name.clone(), schema);
        }
        ModelCompiler {
            base,
            documents: Arc::new(documents),
            compiled: HashMap::new(),
        }
    }

    /// The validator of the model `name`, compiled once; a schema that does not compile is reported at the
    /// model's location and yields `None` (the deployment then fails).
    pub(crate) fn model(
        &mut self,
        api: &RestApi,
        name: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Arc<CompiledModel>> {
        if let Some(done) = self.compiled.get(name) {
            return done.clone();
        }
        let result = self.compile(api, name, &api.source, diagnostics);
        self.compiled.insert(name.to_owned(), result.clone());
        result
    }

    fn compile(
        &self,
        api: &RestApi,
        name: &str,
        source: &SourceFile,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<Arc<CompiledModel>> {
        let model = api.model(name)?;
        let schema = self.documents.get(name)?;
        let built = Registry::new()
            .draft(Draft::Draft4)
            .extend(self.documents.iter().map(|(n, doc)| (format!("{}{n}", self.base), doc)))
            .and_then(|builder| builder.prepare())
            .map_err(|err| err.to_string())
            .and_then(|registry| {
                let mut options = jsonschema::options()
                    .with_draft(Draft::Draft4)
                    .with_registry(&registry)
                    .with_base_uri(format!("{}{name}", self.base))
                    .should_validate_formats(true);
                for format in UNCHECKED_FORMATS {
                    options = options.with_format(*format, |_: &str| true);
                }
                options.build(schema).map_err(|err| err.to_string())
            });
        match built {
            Ok(validator) => Some(Arc::new(CompiledModel {
                name: name.into(),
                validator,
                documents: Arc::clone(&self.documents),
            })),
            Err(message) => {
                diagnostics.push(Diagnostic::error(
                    source,
                    model.span,
                    format!("model `{name}` is not a valid JSON Schema (draft 4): {message}"),
                ));
                None
            }
        }
    }
}

/// Whether API Gateway's validator checks this `format` (others never fail).
pub(crate) fn is_checked_format(format: &str) -> bool {
    CHECKED_FORMATS.contains(&format)
}

/// Rewrites `$ref`s to the AWS model URIs, as API Gateway's importer does. `names` are the API's models.
fn rewrite_refs(value: &mut Value, base: &str, names: &[&str]) {
    // Schemas come from the located tree, whose readers bound nesting; an explicit stack keeps this loop flat.
    let mut pending: Vec<&mut Value> = vec![value];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(members) => {
                for (key, child) in members.iter_mut() {
                    if key == "$ref" {
                        if let Value::String(target) = child
                            && let Some(rewritten) = aws_ref(target, base, names)
                        {
                            *target = rewritten;
                        }
                    } else {
                        pending.push(child);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// The AWS form of a reference to a model (`{base}{Name}` plus any pointer below it), or `None` to keep it.
fn aws_ref(target: &str, base: &str, names: &[&str]) -> Option<String> {
    let (name, rest) = if let Some(pointer) = target
        .strip_prefix("#/definitions/")
        .or_else(|| target.strip_prefix("#/components/schemas/"))
    {
        let (token, rest) = pointer.split_once('/').map_or((pointer, ""), |(t, r)| (t, r));
        (unescape_token(token), rest.to_owned())
    } else if let Some(path) = target.strip_prefix(AWS_MODELS) {
        // `{anyApiId}/models/{Name}[#pointer]`: the model of this API.
        let (_, after) = path.split_once("/models/")?;
        let (name, fragment) = after.split_once('#').map_or((after, ""), |(n, f)| (n, f));
        let rest = fragment.strip_prefix('/').unwrap_or(fragment).to_owned();
        (name.to_owned(), rest)
    } else {
        return None;
    };
    if !names.contains(&name.as_str()) {
        return None;
    }
    Some(if rest.is_empty() {
        format!("{base}{name}")
    } else {
        format!("{base}{name}#/{rest}")
    })
}

/// A JSON pointer token: `~1` is `/`, `~0` is `~`, and `%xx` escapes (URI fragments) decoded.
fn unescape_token(token: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(token).decode_utf8_lossy();
    decoded.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompileOptions, Deployment};

    #[test]
    fn a_schema_that_does_not_compile_is_reported_at_the_model() {
        let yaml = r#"openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
components:
  schemas:
    Broken:
      type: object
      minProperties: -1
paths:
  /x:
    post:
      x-amazon-apigateway-request-validator: all
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Broken'}}}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"#;
        let loaded = tollgate_model::load("models.yaml", yaml.as_bytes(), &Default::default());
        let api = loaded
            .api
            .clone()
            .unwrap_or_else(|| panic!("{}", loaded.render_diagnostics()));
        let stage = tollgate_model::Stage::new("dev");
        let diagnostics = Deployment::compile(&api, &stage, &CompileOptions::default()).unwrap_err();
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let diagnostic = &diagnostics[0];
        assert_eq!(
            format!("{}:{}", diagnostic.file, diagnostic.position),
            "models.yaml:8:7"
        );
        assert!(
            diagnostic
                .message
                .starts_with("model `Broken` is not a valid JSON Schema (draft 4): "),
            "{}",
            diagnostic.message
        );
    }

    #[test]
    fn importer_forms_become_aws_uris() {
        let base = "https://apigateway.amazonaws.com/restapis/abc/models/";
        let names = ["Pet", "Owner"];
        assert_eq!(
            aws_ref("#/definitions/Pet", base, &names).as_deref(),
            Some("https://apigateway.amazonaws.com/restapis/abc/models/Pet")
        );
        assert_eq!(
            aws_ref("#/components/schemas/Owner/properties/name", base, &names).as_deref(),
            Some("https://apigateway.amazonaws.com/restapis/abc/models/Owner#/properties/name")
        );
        assert_eq!(
            aws_ref(
                "https://apigateway.amazonaws.com/restapis/zzz999/models/Pet",
                base,
                &names
            )
            .as_deref(),
            Some("https://apigateway.amazonaws.com/restapis/abc/models/Pet")
        );
        assert_eq!(aws_ref("#/definitions/Unknown", base, &names), None);
        assert_eq!(aws_ref("#/properties/a", base, &names), None);
    }
}
