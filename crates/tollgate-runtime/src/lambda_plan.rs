//! Compiling Lambda integrations (AWS_PROXY, and type `AWS` with a `lambda:path/2015-03-31/functions/…/invocations`
//! URI): the function, resolved at compile time when the URI has only `${stageVariables.x}` placeholders (a
//! deployment is compiled for one stage), the role, the timeout and whether the integration method is POST.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tollgate_aws::{IntegrationCredentials, IntegrationUri, PlaceholderValues, Placeholders, ServiceTable};
use tollgate_model::{Diagnostic, Integration, SourceFile, Stage};

use crate::cx::RequestCx;
use crate::deployment::RequestMapping;
use crate::error::GatewayError;
use crate::integration::Mapped;
use crate::lambda::FunctionRef;

/// A Lambda integration's invocation settings.
#[derive(Debug)]
pub(crate) struct LambdaPlan {
    pub(crate) function: FunctionTarget,
    /// `timeoutInMillis`: how long the gateway waits for the function (504 after it).
    pub(crate) timeout: Duration,
    /// The role of `credentials`, stage variables substituted; `None` for the default credentials.
    pub(crate) credentials: Option<Arc<str>>,
    /// Whether the integration's `httpMethod` is POST, as Lambda's `Invoke` requires (else a 500 at invoke time,
    /// recorded for AWS_PROXY).
    pub(crate) post: bool,
}

/// The function a Lambda integration invokes.
#[derive(Debug)]
pub(crate) enum FunctionTarget {
    /// Known at compile time (the usual case).
    Fixed(FunctionRef),
    /// The URI has `{param}` placeholders, filled per request from the integration's path parameters.
    PerRequest(Box<IntegrationUri>),
    /// The URI names no valid function for this stage (a stage variable is missing or names nothing): 500 at
    /// invoke time, as AWS answers a function it cannot resolve.
    Invalid(Arc<str>),
}

/// An AWS_PROXY integration.
#[derive(Debug)]
pub(crate) struct LambdaProxyPlan {
    pub(crate) lambda: LambdaPlan,
    /// Evaluated (an unmappable target is a 500; `X-Amz-Invocation-Type` is honoured) but never applied to the
    /// event (recorded: AWS_PROXY ignores request parameters).
    pub(crate) request_parameters: Vec<RequestMapping>,
    /// `requestContext.operationName`: the method's `operationId`, if any.
    pub(crate) operation_name: Option<Box<str>>,
}

/// Whether `integration` (type `AWS`) invokes a Lambda function rather than calling another AWS service.
pub(crate) fn is_lambda_invoke(integration: &Integration) -> bool {
    integration
        .uri
        .as_ref()
        .and_then(|uri| IntegrationUri::parse(&uri.value, ServiceTable::builtin()).ok())
        .is_some_and(|uri| uri.is_lambda_invoke())
}

/// Compiles a Lambda integration. `Err` carries why the method cannot be served (already reported as an error
/// diagnostic); problems AWS only reports when the method is called are warnings and a 500 at invoke time.
pub(crate) fn compile(
    integration: &Integration,
    stage: &Stage,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<LambdaPlan, &'static str> {
    let Some(uri) = &integration.uri else {
        diagnostics.push(Diagnostic::error(
            source,
            integration.span,
            "a Lambda integration needs a `uri` (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations)",
        ));
        return Err("the Lambda integration has no uri");
    };
    let parsed = match IntegrationUri::parse(&uri.value, ServiceTable::builtin()) {
        Ok(parsed) if parsed.is_lambda_invoke() => parsed,
        Ok(_) => {
            diagnostics.push(Diagnostic::error(
                source,
                uri.span,
                "an AWS_PROXY integration invokes a Lambda function: expected \
                 arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations",
            ));
            return Err("the integration URI names no Lambda function");
        }
        Err(err) => {
            diagnostics.push(Diagnostic::error(source, uri.span, err.to_string()));
            return Err("invalid integration URI");
        }
    };
    let function = compile_function(parsed, &stage.variables, |message, has_placeholders| {
        let diagnostic = if has_placeholders {
            Diagnostic::warning(source, uri.span, message)
                .with_note("AWS answers such a request with 500; check the stage variables")
        } else {
            Diagnostic::error(source, uri.span, message)
        };
        diagnostics.push(diagnostic);
    });
    if let FunctionTarget::Invalid(_) = &function
        && !uri.value.contains("${")
    {
        return Err("the integration URI names no valid Lambda function");
    }
    let credentials = match IntegrationCredentials::parse(integration.credentials.as_ref().map(|c| c.value.as_str())) {
        Ok(credentials) => credentials
            .role_arn(&StageOnly::new(&stage.variables))
            .map(|role| Arc::from(role.as_ref())),
        Err(err) => {
            let span = integration.credentials.as_ref().map_or(integration.span, |c| c.span);
            diagnostics.push(Diagnostic::error(source, span, err.to_string()));
            return Err("invalid integration credentials");
        }
    };
    let post = integration
        .http_method
        .as_ref()
        .is_some_and(|m| m.value.eq_ignore_ascii_case("POST"));
    if !post {
        let span = integration.http_method.as_ref().map_or(integration.span, |m| m.span);
        diagnostics.push(
            Diagnostic::warning(source, span, "a Lambda integration's httpMethod must be POST")
                .with_note("AWS deploys it and answers every request with 500; so does Tollgate"),
        );
    }
    Ok(LambdaPlan {
        function,
        timeout: Duration::from_millis(u64::from(integration.timeout_millis.clamp(50, 29_000))),
        credentials,
        post,
    })
}

fn compile_function(
    uri: IntegrationUri,
    variables: &BTreeMap<String, String>,
    mut report: impl FnMut(String, bool),
) -> FunctionTarget {
    let stage_only = StageOnly::new(variables);
    let resolved = uri
        .resolve(&stage_only)
        .ok()
        .and_then(|target| target.lambda_function().map(Cow::into_owned));
    if stage_only.asked_for_path_parameter.get() {
        return FunctionTarget::PerRequest(Box::new(uri));
    }
    let has_placeholders = !uri.is_static();
    match resolved.map(|function| FunctionRef::parse(&function, uri.region())) {
        Some(Ok(function)) => FunctionTarget::Fixed(function),
        Some(Err(message)) => {
            report(message.clone(), has_placeholders);
            FunctionTarget::Invalid(Arc::from(message))
        }
        None => {
            let message = "the integration URI names no Lambda function".to_owned();
            report(message.clone(), has_placeholders);
            FunctionTarget::Invalid(Arc::from(message))
        }
    }
}

impl FunctionTarget {
    /// The function of one request.
    pub(crate) fn resolve<'p>(
        &'p self,
        cx: &RequestCx<'_>,
        mapped: &Mapped,
    ) -> Result<Cow<'p, FunctionRef>, GatewayError> {
        match self {
            FunctionTarget::Fixed(function) => Ok(Cow::Borrowed(function)),
            FunctionTarget::Invalid(why) => Err(GatewayError::config(why.to_string())),
            FunctionTarget::PerRequest(uri) => {
                let stage_variables = cx.stage_variable_pairs();
                // A mapped `integration.request.path.x` wins over the method request's `{x}`.
                let mut path_parameters: Vec<(&str, &str)> =
                    mapped.path.iter().map(|(k, v)| (&**k, v.as_str())).collect();
                path_parameters.extend(cx.path_params.iter().map(|(k, v)| (&**k, v.as_str())));
                let values = PlaceholderValues {
                    stage_variables: &stage_variables,
                    path_parameters: &path_parameters,
                };
                let target = uri
                    .resolve(&values)
                    .map_err(|err| GatewayError::config(err.to_string()))?;
                let function = target
                    .lambda_function()
                    .ok_or_else(|| GatewayError::config("the integration URI names no Lambda function"))?;
                FunctionRef::parse(&function, uri.region())
                    .map(Cow::Owned)
                    .map_err(GatewayError::config)
            }
        }
    }
}

/// Stage variables known at compile time; notes whether the URI also needs path parameters.
struct StageOnly<'a> {
    variables: &'a BTreeMap<String, String>,
    asked_for_path_parameter: Cell<bool>,
}

impl<'a> StageOnly<'a> {
    fn new(variables: &'a BTreeMap<String, String>) -> StageOnly<'a> {
        StageOnly {
            variables,
            asked_for_path_parameter: Cell::new(false),
        }
    }
}

impl Placeholders for StageOnly<'_> {
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }

    fn path_parameter(&self, _: &str) -> Option<&str> {
        self.asked_for_path_parameter.set(true);
        None
    }
}
