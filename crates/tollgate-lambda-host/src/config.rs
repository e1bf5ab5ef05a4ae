//! What a local function is: `NAME=COMMAND` plus the settings Lambda gives every function, with AWS's defaults.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Lambda's default function timeout (3 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Lambda's largest function timeout (900 s).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(900);
/// Lambda's default memory size (128 MB).
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Processes one function may run at once unless configured otherwise.
pub const DEFAULT_MAX_CONCURRENCY: usize = 10;
/// Invocations that may wait for a busy function before it answers `TooManyRequestsException`.
pub const DEFAULT_QUEUE_CAPACITY: usize = 100;
/// How long a new process has to ask for its first event: Lambda's init phase limit (10 s).
pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle process is kept warm before it is stopped.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Variables Lambda sets itself and refuses in a function's configuration (Lambda developer guide,
/// "Defined runtime environment variables"). The credential variables are reserved on AWS too, but a local
/// function inherits the host's environment (and so its credentials), so they are not refused here.
pub const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
];

/// One local function. Build it with [`FunctionConfig::new`] or parse `NAME=COMMAND`; every other field has
/// Lambda's default and may be changed before [`crate::FunctionHost::start`] checks the whole set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionConfig {
    /// The function name: 1–64 of `A-Z a-z 0-9 - _`, as Lambda allows.
    pub name: String,
    /// Started as `sh -c COMMAND`; it must run a Lambda runtime client against `AWS_LAMBDA_RUNTIME_API`.
    pub command: String,
    /// The function timeout (Lambda: 1–900 s, default 3 s). Past it the process is killed and the invocation
    /// answers `Sandbox.Timedout`.
    pub timeout: Duration,
    /// Reported as `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (128–10240 MB); not enforced (`tollgate runtime node` sizes
    /// V8's heap from it, as AWS's Node.js bootstrap does).
    pub memory_mb: u32,
    /// Processes (execution environments) this function may run at once.
    pub max_concurrency: usize,
    /// Invocations that may wait while every process is busy; one more answers [`crate::InvokeError::Throttled`].
    pub queue_capacity: usize,
    /// How long a new process has to ask for its first event before it is killed as an init failure.
    pub init_timeout: Duration,
    /// How long an idle process is kept before it is stopped.
    pub idle_timeout: Duration,
    /// The function's own environment variables, on top of the host's environment.
    pub environment: Vec<(String, String)>,
    /// `_HANDLER` (for example `handler.fn`), when the runtime client reads it.
    pub handler: Option<String>,
    /// `AWS_EXECUTION_ENV` (for example `AWS_Lambda_python3.12`); unset, as for Lambda's OS-only runtimes.
    pub execution_env: Option<String>,
    /// Working directory of the process and `LAMBDA_TASK_ROOT`; the host's current directory when unset.
    pub working_dir: Option<PathBuf>,
}

impl FunctionConfig {
    /// A function with Lambda's defaults.
    pub fn new(name: impl Into<String>, command: impl Into<String>) -> FunctionConfig {
        FunctionConfig {
            name: name.into(),
            command: command.into(),
            timeout: DEFAULT_TIMEOUT,
            memory_mb: DEFAULT_MEMORY_MB,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            init_timeout: DEFAULT_INIT_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            environment: Vec::new(),
            handler: None,
            execution_env: None,
            working_dir: None,
        }
    }

    /// Parses `NAME=COMMAND` (the server's `--function NAME=COMMAND`): the name up to the first `=`, the command
    /// after it, both checked.
    pub fn parse(spec: &str) -> Result<FunctionConfig, ConfigError> {
        let Some((name, command)) = spec.split_once('=') else {
            return Err(ConfigError::Syntax(spec.to_owned()));
        };
        let config = FunctionConfig::new(name.trim(), command.trim());
        check_name(&config.name)?;
        if config.command.is_empty() {
            return Err(ConfigError::EmptyCommand(config.name));
        }
        Ok(config)
    }

    /// Checks every field against Lambda's limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_name(&self.name)?;
        let name = || self.name.clone();
        if self.command.trim().is_empty() {
            return Err(ConfigError::EmptyCommand(name()));
        }
        if self.command.contains('\0') {
            return Err(ConfigError::Nul(name()));
        }
        if self.timeout < Duration::from_millis(1) || self.timeout > MAX_TIMEOUT {
            return Err(ConfigError::Timeout(name()));
        }
        if !(128..=10240).contains(&self.memory_mb) {
            return Err(ConfigError::Memory(name(), self.memory_mb));
        }
        if !(1..=1000).contains(&self.max_concurrency) {
            return Err(ConfigError::Concurrency(name()));
        }
        if self.queue_capacity > 100_000 {
            return Err(ConfigError::Queue(name()));
        }
        if self.init_timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err(ConfigError::ZeroWait(name()));
        }
        for (key, value) in &self.environment {
            let valid_key = !key.is_empty()
                && !key.starts_with(|c: char| c.is_ascii_digit())
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_key || value.contains('\0') {
                return Err(ConfigError::Variable(name(), key.clone()));
            }
            if RESERVED_VARIABLES.contains(&key.as_str()) {
                return Err(ConfigError::Reserved(name(), key.clone()));
            }
        }
        Ok(())
    }
}

impl FromStr for FunctionConfig {
    type Err = ConfigError;

    fn from_str(spec: &str) -> Result<FunctionConfig, ConfigError> {
        FunctionConfig::parse(spec)
    }
}

fn check_name(name: &str) -> Result<(), ConfigError> {
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(ConfigError::Name(name.to_owned()))
    }
}

/// Settings shared by every function of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostOptions {
    /// `AWS_REGION` / `AWS_DEFAULT_REGION` and the region of the function ARNs.
    pub region: String,
    /// The account id in function ARNs (`Lambda-Runtime-Invoked-Function-Arn`).
    pub account_id: String,
}

impl Default for HostOptions {
    fn default() -> HostOptions {
        HostOptions {
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
        }
    }
}

impl HostOptions {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let region_ok = !self.region.is_empty()
            && self.region.len() <= 64
            && self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let account_ok = self.account_id.len() == 12 && self.account_id.bytes().all(|b| b.is_ascii_digit());
        if region_ok && account_ok {
            Ok(())
        } else {
            Err(ConfigError::Host)
        }
    }
}

/// A function configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not `NAME=COMMAND`.
    #[error("`{0}` is not NAME=COMMAND")]
    Syntax(String),
    /// Lambda's name rule.
    #[error("function name `{0}` must be 1 to 64 letters, digits, hyphens or underscores")]
    Name(String),
    /// Nothing to run.
    #[error("function `{0}` has an empty command")]
    EmptyCommand(String),
    /// A NUL byte cannot reach `sh -c`.
    #[error("function `{0}`: the command contains a NUL byte")]
    Nul(String),
    /// Outside 1 ms–900 s.
    #[error("function `{0}`: the timeout must be at most 900 seconds and not zero")]
    Timeout(String),
    /// Outside 128–10240 MB.
    #[error("function `{0}`: memory size {1} MB is outside 128 to 10240 MB")]
    Memory(String, u32),
    /// Outside 1–1000.
    #[error("function `{0}`: max concurrency must be 1 to 1000")]
    Concurrency(String),
    /// Over 100,000.
    #[error("function `{0}`: the queue capacity must be at most 100000")]
    Queue(String),
    /// A zero init or idle timeout.
    #[error("function `{0}`: init and idle timeouts must not be zero")]
    ZeroWait(String),
    /// A variable name or value that cannot be passed.
    #[error("function `{0}`: environment variable `{1}` is not a valid name or holds a NUL byte")]
    Variable(String, String),
    /// Lambda's own message for a reserved key.
    #[error(
        "function `{0}`: Lambda was unable to configure your environment variables because the environment \
         variables you have provided contains reserved keys that are currently not supported for modification. \
         Reserved keys used in this request: {1}"
    )]
    Reserved(String, String),
    /// The same name twice.
    #[error("function `{0}` is defined twice")]
    Duplicate(String),
    /// A malformed region or account id.
    #[error("the region must be like `us-east-1` and the account id 12 digits")]
    Host,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_equals_command() {
        let config = FunctionConfig::parse("hello=python3 -m awslambdaric app.handler --x=1").unwrap();
        assert_eq!(config.name, "hello");
        assert_eq!(config.command, "python3 -m awslambdaric app.handler --x=1");
        assert_eq!(config.timeout, Duration::from_secs(3));
        assert_eq!(config.memory_mb, 128);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn refuses_bad_specs() {
        assert_eq!(
            FunctionConfig::parse("hello"),
            Err(ConfigError::Syntax("hello".to_owned()))
        );
        assert_eq!(FunctionConfig::parse("=cmd"), Err(ConfigError::Name(String::new())));
        assert_eq!(
            FunctionConfig::parse("a.b=cmd"),
            Err(ConfigError::Name("a.b".to_owned()))
        );
        assert_eq!(
            FunctionConfig::parse(&format!("{}=cmd", "x".repeat(65))).map(|_| ()),
            Err(ConfigError::Name("x".repeat(65)))
        );
        assert_eq!(
            FunctionConfig::parse("f= "),
            Err(ConfigError::EmptyCommand("f".to_owned()))
        );
    }

    #[test]
    fn refuses_reserved_variables_with_lambdas_message() {
        let mut config = FunctionConfig::new("f", "true");
        config
            .environment
            .push(("AWS_REGION".to_owned(), "eu-west-1".to_owned()));
        let err = config.validate().unwrap_err();
        assert!(
            err.to_string()
                .ends_with("Reserved keys used in this request: AWS_REGION"),
            "{err}"
        );
        config.environment = vec![("1X".to_owned(), String::new())];
        assert!(matches!(config.validate(), Err(ConfigError::Variable(..))));
    }

    #[test]
    fn checks_limits() {
        let mut config = FunctionConfig::new("f", "true");
        config.timeout = Duration::from_secs(901);
        assert!(matches!(config.validate(), Err(ConfigError::Timeout(_))));
        config.timeout = DEFAULT_TIMEOUT;
        config.memory_mb = 64;
        assert!(matches!(config.validate(), Err(ConfigError::Memory(..))));
        config.memory_mb = 128;
        config.max_concurrency = 0;
        assert!(matches!(config.validate(), Err(ConfigError::Concurrency(_))));
    }
}
