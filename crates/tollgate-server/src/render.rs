//! `tollgate render`: renders one mapping template for a recorded request, exactly as API Gateway would.
//!
//! The request comes from a Lambda proxy event (payload 1.0, what `sam local generate-event apigateway
//! aws-proxy` prints); `tollgate_mapping::event` turns it into the method request, `$context` and stage
//! variables. stdout receives the rendered bytes and nothing else; overrides the template set go to stderr.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use tollgate_mapping::event::{EventError, parse_proxy_event};
use tollgate_mapping::tool::{describe_overrides, render_for_event};
use tollgate_mapping::{ContextState, MappingEngine};

pub(crate) const RENDER_USAGE: &str = "\
usage: tollgate render TEMPLATE --event EVENT.json [--stage-variable KEY=VALUE]... [--integration-response BODY_FILE]

Renders the mapping template TEMPLATE for the method request EVENT.json describes (a Lambda proxy event,
payload 1.0, as `sam local generate-event apigateway aws-proxy` prints it; missing fields get defaults).
Without --integration-response it renders as an integration request template; with it, as an integration
response template whose $input reads BODY_FILE ($input.params() still reads the method request).

stdout receives exactly the rendered bytes. Overrides the template set ($context.requestOverride.*,
$context.responseOverride.*) are reported on stderr.

options:
  --event EVENT.json           the method request (required)
  --stage-variable KEY=VALUE   a stage variable (repeatable; wins over the event's stageVariables)
  --integration-response FILE  render as an integration response template with this response body
  -h, --help                   this text

exit status: 0 rendered, 1 the template, event or a file failed (file:line:col on stderr), 64 usage error
";

const EX_USAGE: u8 = 64;

struct Args {
    template: PathBuf,
    event: PathBuf,
    stage_variables: Vec<(String, String)>,
    integration_response: Option<PathBuf>,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse(args: Vec<OsString>) -> Result<Parsed, String> {
    let mut template = None;
    let mut event = None;
    let mut stage_variables = Vec::new();
    let mut integration_response = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match text.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--event" => event = Some(PathBuf::from(value("--event")?)),
            "--integration-response" => integration_response = Some(PathBuf::from(value("--integration-response")?)),
            "--stage-variable" => {
                let pair = value("--stage-variable")?.to_string_lossy().into_owned();
                let Some((key, val)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                    return Err(format!("`--stage-variable` takes KEY=VALUE, got `{pair}`"));
                };
                stage_variables.push((key.to_owned(), val.to_owned()));
            }
            flag if flag.starts_with('-') && flag.len() > 1 => return Err(format!("unknown option `{flag}`")),
            _ if template.is_none() => template = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{text}`")),
        }
    }
    let template = template.ok_or("missing TEMPLATE")?;
    let event = event.ok_or("missing `--event EVENT.json`")?;
    Ok(Parsed::Run(Args {
        template,
        event,
        stage_variables,
        integration_response,
    }))
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args = match parse(args) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Help) => {
            print!("{RENDER_USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprint!("tollgate render: {message}\n\n{RENDER_USAGE}");
            return ExitCode::from(EX_USAGE);
        }
    };
    match render(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("tollgate render: cannot read {}", path.display()))
}

fn render(args: &Args) -> anyhow::Result<()> {
    let source = read(&args.template)?;
    let event_text = read(&args.event)?;
    let mut event = parse_proxy_event(&event_text).map_err(|e| event_error(&args.event, &event_text, &e))?;
    for (key, value) in &args.stage_variables {
        event.stage_variables.retain(|(k, _)| k != key);
        event.stage_variables.push((key.clone(), value.clone()));
    }
    let integration = args.integration_response.as_ref().map(read).transpose()?;
    let name = args.template.display().to_string();
    let mut state = ContextState::default();
    let engine = MappingEngine::new();
    // The error's Display is the rustc-style report: `--> file:line:col`, the line, a caret.
    let output = render_for_event(&engine, &name, &source, &event, integration.as_deref(), &mut state)
        .map_err(|e| anyhow::format_err!("{}", e.to_string().trim_end()))?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(output.as_bytes())
        .context("tollgate render: writing stdout")?;
    stdout.flush().context("tollgate render: writing stdout")?;
    if state.has_overrides() {
        eprint!(
            "tollgate render: overrides set by the template:\n{}",
            describe_overrides(&state)
        );
    }
    Ok(())
}

/// An event error as `file:line:col: message` (JSON errors carry a byte offset).
fn event_error(path: &Path, text: &str, err: &EventError) -> anyhow::Error {
    match err {
        EventError::Json(json) => {
            let before = &text[..json.offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            anyhow::format_err!(
                "{}:{line}:{col}: the event is not JSON: {}",
                path.display(),
                json.message
            )
        }
        other => anyhow::format_err!("{}: {other}", path.display()),
    }
}
