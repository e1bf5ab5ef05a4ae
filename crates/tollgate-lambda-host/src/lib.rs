//! Local Lambda functions in any language, without containers: Tollgate hosts the Lambda Runtime API itself, so
//! the code that runs on AWS runs here as a plain process through its real runtime interface client
//! (`lambda_runtime` for Rust, `awslambdaric` for Python, `aws-lambda-ric` for Node, a `bootstrap` script, …),
//! kept warm between invocations.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use tollgate_lambda_host::{FunctionConfig, FunctionHost, HostOptions, InvokeRequest};
//!
//! let function = FunctionConfig::parse("hello=python3 -m awslambdaric app.handler")?;
//! let host = FunctionHost::start(vec![function], HostOptions::default())?;
//! let result = host.invoke("hello", InvokeRequest::new(r#"{"x":1}"#, Duration::from_secs(29))).await?;
//! match result.function_error {
//!     None => println!("{:?}", result.payload),
//!     Some(_) => println!("failed with {:?}: {:?}", result.error_type, result.payload),
//! }
//! host.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! * **One listener per process.** Each runtime process gets its own Runtime API endpoint on `127.0.0.1:PORT`
//!   (`AWS_LAMBDA_RUNTIME_API`), so the host always knows which process holds which invocation; a request id
//!   posted to the wrong process is `InvalidRequestID`, as in Lambda.
//! * **Processes on demand, reused while warm.** The first invocation starts `sh -c COMMAND` in its own process
//!   group; a process that finished an invocation parks in `GET /runtime/invocation/next` and takes the next
//!   one. Concurrent invocations start more processes up to the function's `max_concurrency`, then wait in a
//!   bounded queue; one more is refused with [`InvokeError::Throttled`] (Lambda's `TooManyRequestsException`).
//!   A process idle for `idle_timeout` is stopped.
//! * **Deadlines.** A process must ask for its first event within `init_timeout`, and answer each invocation
//!   within the function `timeout`; otherwise its whole process group is killed and the invocation answers as
//!   Lambda does (`Sandbox.Timedout`, "Task timed out after 3.00 seconds"). A process that exits during an
//!   invocation answers `Runtime.ExitError` ("Runtime exited with error: exit status 1"); an `init/error` post
//!   answers the waiting invocation with the posted document. Every body read is capped (6 MB) and timed.
//! * **Logs.** stdout and stderr become `tracing` events (target `tollgate_lambda_host::function`), one per
//!   line, with the function name and the current request id.
//! * **No orphans.** Shutdown, and dropping the last [`FunctionHost`], kill every process group.

mod config;
mod host;
/// The Runtime API's HTTP/1.1 framing; public only for the crate's fuzz target.
#[doc(hidden)]
pub mod http1;
mod ids;
mod logs;
mod outcome;
mod pool;
mod process;
mod runtime_api;
mod settings;

pub use config::{
    ConfigError, DEFAULT_IDLE_TIMEOUT, DEFAULT_INIT_TIMEOUT, DEFAULT_MAX_CONCURRENCY, DEFAULT_MEMORY_MB,
    DEFAULT_QUEUE_CAPACITY, DEFAULT_TIMEOUT, FunctionConfig, HostOptions, MAX_TIMEOUT, RESERVED_VARIABLES,
};
pub use host::{FunctionHost, FunctionStatus, InvokeRequest};
pub use outcome::{Invocation, InvokeError, MAX_REQUEST_PAYLOAD, MAX_RESPONSE_PAYLOAD};
pub use settings::PIPELINING_VARIABLE;
