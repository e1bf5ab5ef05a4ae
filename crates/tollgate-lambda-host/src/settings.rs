//! A checked function configuration with what is derived from it once.

use std::path::PathBuf;

use crate::config::{FunctionConfig, HostOptions};

/// A function as the host runs it.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) config: FunctionConfig,
    pub(crate) region: String,
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`.
    pub(crate) arn: String,
    /// The process's working directory and `LAMBDA_TASK_ROOT`.
    pub(crate) task_root: PathBuf,
}

impl Settings {
    pub(crate) fn new(config: FunctionConfig, options: &HostOptions) -> Settings {
        let arn = function_arn(options, &config.name);
        let task_root = config
            .working_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        Settings {
            config,
            region: options.region.clone(),
            arn,
            task_root,
        }
    }

    /// The variables Lambda defines for the runtime (Lambda developer guide, "Defined runtime environment
    /// variables"), then the function's own.
    pub(crate) fn environment(&self, runtime_api: &str, log_stream: &str) -> Vec<(String, String)> {
        let config = &self.config;
        let mut vars = vec![
            ("AWS_LAMBDA_RUNTIME_API".to_owned(), runtime_api.to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), config.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION".to_owned(), "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
                config.memory_mb.to_string(),
            ),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME".to_owned(),
                format!("/aws/lambda/{}", config.name),
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME".to_owned(), log_stream.to_owned()),
            ("AWS_LAMBDA_INITIALIZATION_TYPE".to_owned(), "on-demand".to_owned()),
            ("AWS_REGION".to_owned(), self.region.clone()),
            ("AWS_DEFAULT_REGION".to_owned(), self.region.clone()),
            ("LAMBDA_TASK_ROOT".to_owned(), self.task_root.display().to_string()),
            ("TZ".to_owned(), ":UTC".to_owned()),
            // Not Lambda's: tells a runtime client that this Runtime API takes `POST …/response` (or `/error`)
            // and the next `GET …/next` pipelined in one write, and answers both in one write when an event
            // is waiting (Tollgate's own runtime clients use it; others ignore it).
            (PIPELINING_VARIABLE.to_owned(), "1".to_owned()),
        ];
        if let Some(handler) = &config.handler {
            vars.push(("_HANDLER".to_owned(), handler.clone()));
        }
        if let Some(execution_env) = &config.execution_env {
            vars.push(("AWS_EXECUTION_ENV".to_owned(), execution_env.clone()));
        }
        vars.extend(config.environment.iter().cloned());
        vars
    }
}

/// Set to `1` in every function's environment: see [`Settings::environment`].
pub const PIPELINING_VARIABLE: &str = "TOLLGATE_RUNTIME_API_PIPELINING";

/// The unqualified ARN Lambda reports for a function.
pub(crate) fn function_arn(options: &HostOptions, name: &str) -> String {
    format!(
        "arn:aws:lambda:{}:{}:function:{name}",
        options.region, options.account_id
    )
}
