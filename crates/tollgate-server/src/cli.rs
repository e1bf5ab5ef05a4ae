//! The command line: a small hand-written parser (no framework: a dozen flags do not pay for clap's build time).
//!
//! Flags take their value as the next argument or after `=` (`--port 4000`, `--port=4000`). Adding a flag is a
//! field and one match arm.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use tollgate_lambda_host::FunctionConfig;

use crate::edge::EdgeConfig;
use crate::state::StateChoice;

/// A usage error: the message, and the usage text to show with it.
#[derive(Debug)]
pub(crate) struct UsageError {
    pub(crate) message: String,
    pub(crate) usage: &'static str,
}

pub(crate) const SERVE_USAGE: &str = "\
usage: tollgate serve API_FILE [options]

Serves the API defined in API_FILE (OpenAPI 2.0/3.0 with x-amazon-apigateway-* extensions, JSON or YAML) at
http://HOST:PORT/STAGE/..., like API Gateway's invoke URL. The file is watched: a valid change is deployed
without dropping requests, an invalid one is reported and the last good deployment keeps serving. SIGHUP
reloads too; SIGTERM or Ctrl-C stops accepting, drains in-flight requests, and exits 0.

options:
  --stage NAME                   stage name, the first path segment (default: dev)
  --stage-variable KEY=VALUE     a stage variable ($stageVariables.KEY); repeat for more
  --usage-plans FILE             API keys, usage plans, stage throttling and caching (YAML or JSON with
                                 AWS's field names; see docs/usage-plans.md); watched like API_FILE
  --jwks [POOL_ID=]FILE|URL      the JSON Web Key Set of a Cognito user pool, for COGNITO_USER_POOLS
                                 authorizers: a file (re-read on every reload) or a URL such as
                                 https://cognito-idp.REGION.amazonaws.com/POOL_ID/.well-known/jwks.json
                                 (fetched once at start); without POOL_ID=, for every pool; repeat
  --state URL                    where throttles, quotas and the cache live: embedded (default, in
                                 process) or redis://HOST[:PORT][/DB][?timeout=50ms&on-error=open&nodes=N],
                                 shared by every gateway using it (crates/tollgate-state-redis/README.md)
  --host HOST                    address to listen on (default: 127.0.0.1)
  --port N                       port to listen on, 0 for any free port (default: 3000)
  --admin-port N                 serve /healthz on HOST:N (default: no admin listener)
  --access-log-format FORMAT     write an access log line per request to stdout, in API Gateway's
                                 $context format (e.g. '$context.requestId $context.status'), or
                                 one of the console's examples by name: clf, json, xml, csv
  --log-level LEVEL              error, warn, info, debug or trace, or RUST_LOG-style directives
                                 (default: info; overrides RUST_LOG)
  --no-watch                     do not watch API_FILE for changes (SIGHUP still reloads)
  --max-connections N            connections served at once (default: 10000)
  --header-timeout DURATION      time to receive a request head once it starts (default: 10s)
  --idle-timeout DURATION        keep-alive idle time before a connection is closed (default: 60s)
  --body-timeout DURATION        longest pause inside a request body (default: 10s)
  --body-deadline DURATION       longest time to receive a whole request body (default: 60s)
  --grace-period DURATION        how long shutdown waits for in-flight requests (default: 30s)
  --workers N                    tokio worker threads (default: one per CPU; 1 = single-threaded)
  --function NAME=COMMAND        serve the Lambda function NAME locally: COMMAND (run with sh -c) starts
                                 its runtime client, e.g. hello='tollgate runtime python app.handler';
                                 integrations naming NAME invoke it, other functions go to AWS; repeat
  --function-timeout DURATION    the local functions' timeout (default: 3s, as Lambda's)
  --function-concurrency N       processes each local function may run at once (default: 10)
  --function-queue N             invocations that may wait for a busy function beyond those its starting
                                 processes take; more are throttled (default: 100; 0 = Lambda's behaviour)
  -h, --help                     this text

DURATION is a number of seconds or a number with a unit: 250ms, 10s, 2m.
";

pub(crate) const VALIDATE_USAGE: &str = "\
usage: tollgate validate API_FILE [--stage NAME] [--stage-variable KEY=VALUE]... [--usage-plans FILE]
                         [--jwks [POOL_ID=]FILE|URL]... [--state URL]

Checks an API definition the way `serve` would load it and prints every problem at once, each with
file:line:col, the offending key and what was expected. Exits 1 if there is an error, 0 otherwise (warnings
are printed but do not fail).
";

/// Settings of `tollgate serve`.
#[derive(Debug, Clone)]
pub(crate) struct ServeArgs {
    pub(crate) api: ApiArgs,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) admin_port: Option<u16>,
    pub(crate) access_log_format: Option<String>,
    pub(crate) log_level: Option<String>,
    pub(crate) watch: bool,
    pub(crate) edge: EdgeConfig,
    pub(crate) grace_period: Duration,
    pub(crate) workers: Option<usize>,
    pub(crate) functions: FunctionArgs,
    /// `--state`.
    pub(crate) state: StateChoice,
}

/// Local Lambda functions (`--function`, `--function-timeout`, `--function-concurrency`, `--function-queue`).
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionArgs {
    pub(crate) functions: Vec<FunctionConfig>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) concurrency: Option<usize>,
    pub(crate) queue: Option<usize>,
}

impl FunctionArgs {
    /// The functions with the shared settings applied.
    pub(crate) fn configs(&self) -> Vec<FunctionConfig> {
        let mut functions = self.functions.clone();
        for function in &mut functions {
            if let Some(timeout) = self.timeout {
                function.timeout = timeout;
            }
            if let Some(concurrency) = self.concurrency {
                function.max_concurrency = concurrency;
            }
            if let Some(queue) = self.queue {
                function.queue_capacity = queue;
            }
        }
        functions
    }
}

/// What selects and stages the API: shared by `serve` and `validate`.
#[derive(Debug, Clone)]
pub(crate) struct ApiArgs {
    pub(crate) file: PathBuf,
    pub(crate) stage: String,
    pub(crate) stage_variables: Vec<(String, String)>,
    /// `--usage-plans FILE`.
    pub(crate) usage_plans: Option<PathBuf>,
    /// `--jwks [POOL_ID=]FILE|URL`: user pools' keys.
    pub(crate) jwks: Vec<crate::jwks::JwksArg>,
}

/// The default stage: AWS has none; `dev` is what serverless-offline uses.
pub(crate) const DEFAULT_STAGE: &str = "dev";
/// The default port: the one SAM local and serverless-offline use, so their URLs carry over.
pub(crate) const DEFAULT_PORT: u16 = 3000;

/// Arguments of a command, flag by flag.
struct Args {
    rest: std::vec::IntoIter<OsString>,
    usage: &'static str,
}

enum Arg {
    Flag { name: String, inline: Option<String> },
    Positional(String),
}

impl Args {
    fn next(&mut self) -> Result<Option<Arg>, UsageError> {
        let Some(arg) = self.rest.next() else { return Ok(None) };
        let arg = self.utf8(arg)?;
        if arg.starts_with('-') && arg.len() > 1 {
            return Ok(Some(match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => Arg::Flag {
                    name: name.to_owned(),
                    inline: Some(value.to_owned()),
                },
                _ => Arg::Flag {
                    name: arg,
                    inline: None,
                },
            }));
        }
        Ok(Some(Arg::Positional(arg)))
    }

    fn value(&mut self, name: &str, inline: Option<String>) -> Result<String, UsageError> {
        if let Some(value) = inline {
            return Ok(value);
        }
        match self.rest.next() {
            Some(value) => self.utf8(value),
            None => Err(self.error(format!("{name} needs a value"))),
        }
    }

    fn parsed<T: std::str::FromStr>(
        &mut self,
        name: &str,
        inline: Option<String>,
        what: &str,
    ) -> Result<T, UsageError> {
        let value = self.value(name, inline)?;
        value
            .parse()
            .map_err(|_| self.error(format!("{name} expects {what}, got `{value}`")))
    }

    fn duration(&mut self, name: &str, inline: Option<String>) -> Result<Duration, UsageError> {
        let value = self.value(name, inline)?;
        parse_duration(&value)
            .ok_or_else(|| self.error(format!("{name} expects a duration like 10s or 250ms, got `{value}`")))
    }

    fn state(&mut self, name: &str, inline: Option<String>) -> Result<StateChoice, UsageError> {
        let value = self.value(name, inline)?;
        StateChoice::parse(&value).map_err(|message| self.error(message))
    }

    fn utf8(&self, arg: OsString) -> Result<String, UsageError> {
        arg.into_string()
            .map_err(|arg| self.error(format!("argument `{}` is not UTF-8", arg.to_string_lossy())))
    }

    fn error(&self, message: String) -> UsageError {
        UsageError {
            message,
            usage: self.usage,
        }
    }
}

/// What a command line asked for: run, or print help.
#[derive(Debug)]
pub(crate) enum Parsed<T> {
    Run(T),
    Help,
}

/// Parses the arguments after `tollgate serve`.
pub(crate) fn parse_serve(args: Vec<OsString>) -> Result<Parsed<ServeArgs>, UsageError> {
    let mut args = Args {
        rest: args.into_iter(),
        usage: SERVE_USAGE,
    };
    let mut api = ApiBuilder::default();
    let mut serve = ServeArgs {
        api: ApiArgs {
            file: PathBuf::new(),
            stage: String::new(),
            stage_variables: Vec::new(),
            usage_plans: None,
            jwks: Vec::new(),
        },
        host: "127.0.0.1".to_owned(),
        port: DEFAULT_PORT,
        admin_port: None,
        access_log_format: None,
        log_level: None,
        watch: true,
        edge: EdgeConfig::default(),
        grace_period: Duration::from_secs(30),
        workers: None,
        functions: FunctionArgs::default(),
        state: StateChoice::Embedded,
    };
    while let Some(arg) = args.next()? {
        let (name, inline) = match arg {
            Arg::Positional(value) => {
                api.positional(&args, value)?;
                continue;
            }
            Arg::Flag { name, inline } => (name, inline),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--stage" | "--stage-variable" | "--usage-plans" | "--jwks" => api.flag(&mut args, &name, inline)?,
            "--host" => serve.host = args.value(&name, inline)?,
            "--port" => serve.port = args.parsed(&name, inline, "a port number")?,
            "--admin-port" => serve.admin_port = Some(args.parsed(&name, inline, "a port number")?),
            "--access-log-format" => serve.access_log_format = Some(args.value(&name, inline)?),
            "--log-level" => serve.log_level = Some(args.value(&name, inline)?),
            "--no-watch" => serve.watch = false,
            "--max-connections" => serve.edge.max_connections = args.parsed(&name, inline, "a number")?,
            "--header-timeout" => serve.edge.header_timeout = args.duration(&name, inline)?,
            "--idle-timeout" => serve.edge.idle_timeout = args.duration(&name, inline)?,
            "--body-timeout" => serve.edge.body_timeout = args.duration(&name, inline)?,
            "--body-deadline" => serve.edge.body_deadline = args.duration(&name, inline)?,
            "--grace-period" => serve.grace_period = args.duration(&name, inline)?,
            "--workers" => serve.workers = Some(args.parsed(&name, inline, "a number")?),
            "--function" => {
                let spec = args.value(&name, inline)?;
                let function = FunctionConfig::parse(&spec).map_err(|err| args.error(format!("--function: {err}")))?;
                serve.functions.functions.push(function);
            }
            "--function-timeout" => serve.functions.timeout = Some(args.duration(&name, inline)?),
            "--state" => serve.state = args.state(&name, inline)?,
            "--function-concurrency" => {
                serve.functions.concurrency = Some(args.parsed(&name, inline, "a number")?);
            }
            "--function-queue" => serve.functions.queue = Some(args.parsed(&name, inline, "a number")?),
            _ => return Err(args.error(format!("unknown option `{name}`"))),
        }
    }
    serve.api = api.finish(&args)?;
    Ok(Parsed::Run(serve))
}

/// Parses the arguments after `tollgate validate`.
pub(crate) fn parse_validate(args: Vec<OsString>) -> Result<Parsed<ApiArgs>, UsageError> {
    let mut args = Args {
        rest: args.into_iter(),
        usage: VALIDATE_USAGE,
    };
    let mut api = ApiBuilder::default();
    while let Some(arg) = args.next()? {
        match arg {
            Arg::Positional(value) => api.positional(&args, value)?,
            Arg::Flag { name, .. } if name == "-h" || name == "--help" => return Ok(Parsed::Help),
            Arg::Flag { name, inline }
                if matches!(
                    name.as_str(),
                    "--stage" | "--stage-variable" | "--usage-plans" | "--jwks"
                ) =>
            {
                api.flag(&mut args, &name, inline)?;
            }
            // Checked as `serve` would, so a bad URL fails here too.
            Arg::Flag { name, inline } if name == "--state" => {
                args.state(&name, inline)?;
            }
            Arg::Flag { name, .. } => return Err(args.error(format!("unknown option `{name}`"))),
        }
    }
    Ok(Parsed::Run(api.finish(&args)?))
}

#[derive(Default)]
struct ApiBuilder {
    file: Option<PathBuf>,
    stage: Option<String>,
    stage_variables: Vec<(String, String)>,
    usage_plans: Option<PathBuf>,
    jwks: Vec<crate::jwks::JwksArg>,
}

impl ApiBuilder {
    fn positional(&mut self, args: &Args, value: String) -> Result<(), UsageError> {
        if self.file.is_some() {
            return Err(args.error(format!("unexpected argument `{value}`: one API_FILE only")));
        }
        self.file = Some(PathBuf::from(value));
        Ok(())
    }

    fn flag(&mut self, args: &mut Args, name: &str, inline: Option<String>) -> Result<(), UsageError> {
        let value = args.value(name, inline)?;
        if name == "--stage" {
            self.stage = Some(value);
            return Ok(());
        }
        if name == "--usage-plans" {
            self.usage_plans = Some(PathBuf::from(value));
            return Ok(());
        }
        if name == "--jwks" {
            self.jwks.push(crate::jwks::JwksArg::parse(&value));
            return Ok(());
        }
        let Some((key, variable)) = value.split_once('=') else {
            return Err(args.error(format!("--stage-variable expects KEY=VALUE, got `{value}`")));
        };
        self.stage_variables.push((key.to_owned(), variable.to_owned()));
        Ok(())
    }

    fn finish(self, args: &Args) -> Result<ApiArgs, UsageError> {
        let Some(file) = self.file else {
            return Err(args.error("missing API_FILE".to_owned()));
        };
        Ok(ApiArgs {
            file,
            stage: self.stage.unwrap_or_else(|| DEFAULT_STAGE.to_owned()),
            stage_variables: self.stage_variables,
            usage_plans: self.usage_plans,
            jwks: self.jwks,
        })
    }
}

/// `250ms`, `10s`, `1.5s`, `2m`, or a bare number of seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix('m') {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<ServeArgs, String> {
        match parse_serve(args.iter().map(OsString::from).collect()) {
            Ok(Parsed::Run(args)) => Ok(args),
            Ok(Parsed::Help) => Err("help".to_owned()),
            Err(err) => Err(err.message),
        }
    }

    #[test]
    fn serve_defaults() {
        let args = serve(&["api.yaml"]).unwrap();
        assert_eq!(args.api.file, PathBuf::from("api.yaml"));
        assert_eq!(args.api.stage, "dev");
        assert_eq!(
            (args.host.as_str(), args.port, args.admin_port),
            ("127.0.0.1", 3000, None)
        );
        assert!(args.watch);
    }

    #[test]
    fn serve_flags_both_spellings() {
        let args = serve(&[
            "--stage=prod",
            "api.json",
            "--stage-variable",
            "host=example.com",
            "--stage-variable=a=b=c",
            "--port",
            "0",
            "--admin-port=9901",
            "--header-timeout",
            "250ms",
            "--body-timeout=2",
            "--no-watch",
        ])
        .unwrap();
        assert_eq!(args.api.stage, "prod");
        assert_eq!(
            args.api.stage_variables,
            [("host".into(), "example.com".into()), ("a".into(), "b=c".into())]
        );
        assert_eq!((args.port, args.admin_port), (0, Some(9901)));
        assert_eq!(args.edge.header_timeout, Duration::from_millis(250));
        assert_eq!(args.edge.body_timeout, Duration::from_secs(2));
        assert!(!args.watch);
    }

    #[test]
    fn serve_functions() {
        let args = serve(&[
            "api.yaml",
            "--function",
            "hello=python3 -m awslambdaric app.handler",
            "--function=rust=./target/release/fn --flag=x",
            "--function-timeout",
            "10s",
            "--function-concurrency=2",
            "--function-queue",
            "0",
        ])
        .unwrap();
        let configs = args.functions.configs();
        let names: Vec<(&str, &str)> = configs.iter().map(|f| (f.name.as_str(), f.command.as_str())).collect();
        assert_eq!(
            names,
            [
                ("hello", "python3 -m awslambdaric app.handler"),
                ("rust", "./target/release/fn --flag=x")
            ]
        );
        assert!(
            configs
                .iter()
                .all(|f| f.timeout == Duration::from_secs(10) && f.max_concurrency == 2 && f.queue_capacity == 0)
        );
        assert_eq!(
            serve(&["a", "--function", "no command"]).unwrap_err(),
            "--function: `no command` is not NAME=COMMAND"
        );
        assert_eq!(
            serve(&["a", "--function", "bad name=x"]).unwrap_err(),
            "--function: function name `bad name` must be 1 to 64 letters, digits, hyphens or underscores"
        );
    }

    #[test]
    fn serve_usage_errors() {
        assert_eq!(serve(&[]).unwrap_err(), "missing API_FILE");
        assert_eq!(
            serve(&["a", "b"]).unwrap_err(),
            "unexpected argument `b`: one API_FILE only"
        );
        assert_eq!(
            serve(&["a", "--port", "x"]).unwrap_err(),
            "--port expects a port number, got `x`"
        );
        assert_eq!(serve(&["a", "--port"]).unwrap_err(), "--port needs a value");
        assert_eq!(serve(&["a", "--bogus"]).unwrap_err(), "unknown option `--bogus`");
        assert_eq!(
            serve(&["a", "--stage-variable", "x"]).unwrap_err(),
            "--stage-variable expects KEY=VALUE, got `x`"
        );
        assert_eq!(serve(&["a", "--help"]).unwrap_err(), "help");
        assert_eq!(
            serve(&["a", "--state", "redis://h?nodes=0"]).unwrap_err(),
            "--state: nodes expects a number from 1 to 10000, got `0`"
        );
    }

    #[test]
    fn state() {
        assert_eq!(serve(&["a"]).unwrap().state, StateChoice::Embedded);
        let args = serve(&[
            "a",
            "--state=redis://10.0.0.5:6379/0?timeout=20ms&on-error=closed&nodes=3",
        ])
        .unwrap();
        let StateChoice::Redis(config) = args.state else {
            panic!("a Redis store");
        };
        assert_eq!((config.timeout, config.nodes), (Duration::from_millis(20), 3));
        let validate = |args: &[&str]| parse_validate(args.iter().map(OsString::from).collect()).map(|_| ());
        assert!(validate(&["a", "--state", "redis://h:6379"]).is_ok());
        assert_eq!(
            validate(&["a", "--state", "redis://h?on-error=maybe"])
                .unwrap_err()
                .message,
            "--state: on-error expects open or closed, got `maybe`"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}
