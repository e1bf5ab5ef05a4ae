//! `tollgate serve`: load the API, bind, serve through the edge, reload on change, drain on SIGTERM/SIGINT.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use tokio::net::{TcpListener, TcpSocket};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tollgate_lambda_host::{FunctionHost, HostOptions};
use tollgate_model::GatewayResponseType;
use tollgate_runtime::{AccessLogFormat, AccessLogSink, Arrival, Backends, Gateway, GatewayOptions, ResponseBody};

use crate::access_log::{self, StdoutSink};
use crate::admin::{self, Health};
use crate::cli::ServeArgs;
use crate::edge::{self, Rejection};
use crate::functions::Functions;
use crate::{api, aws, reload, telemetry};

/// Runs `tollgate serve` to completion: 0 after a graceful stop, 1 if the API or the listeners fail, 64 on
/// bad settings.
pub(crate) fn run(mut args: ServeArgs) -> ExitCode {
    if let Err(message) = telemetry::init(args.log_level.as_deref()) {
        eprintln!("tollgate serve: {message}");
        return ExitCode::from(64);
    }
    let access_log = match args
        .access_log_format
        .as_deref()
        .map(|format| AccessLogFormat::parse(access_log::format_text(format)))
        .transpose()
    {
        Ok(format) => format,
        Err(err) => {
            eprintln!("tollgate serve: --access-log-format: {err}");
            return ExitCode::from(64);
        }
    };
    let host = match start_functions(&args) {
        Ok(host) => host,
        Err(message) => {
            eprintln!("tollgate serve: {message}");
            return ExitCode::from(64);
        }
    };
    if let Err(message) = crate::jwks::fetch_urls(&mut args.api.jwks) {
        eprintln!("tollgate serve: {message}");
        return ExitCode::FAILURE;
    }
    let file = api::display_name(&args.api);
    let loaded = reload::watched(&args.api);
    let compiled = match api::load(&args.api) {
        Ok(compiled) => compiled,
        Err(report) => {
            eprint!("{}", report.text);
            eprintln!("tollgate: not serving {}", report.summary(&file));
            return ExitCode::FAILURE;
        }
    };
    eprint!("{}", compiled.warnings);
    let runtime = match build_runtime(args.workers) {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tollgate: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(args, compiled, loaded, access_log, host));
    // A reload still compiling on the blocking pool must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tollgate: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The host of the `--function` functions (none without the flag). No process starts before a first invocation.
fn start_functions(args: &ServeArgs) -> Result<Option<FunctionHost>, String> {
    let functions = args.functions.configs();
    if functions.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let mut options = HostOptions::default();
    // The functions run in the region Tollgate's own AWS configuration names (a function's SDK then talks to the
    // same region as the gateway's AWS integrations), else Lambda's default.
    if let Some(region) = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    {
        options.region = region.trim().to_owned();
    }
    let host = FunctionHost::start(functions, options).map_err(|err| format!("--function: {err}"))?;
    tracing::info!(functions = ?names, "local Lambda functions ready (each starts on its first invocation)");
    Ok(Some(host))
}

/// One worker (`--workers 1`, or a process pinned to one CPU) runs everything on the main thread: no
/// cross-thread wake-ups. Otherwise a work-stealing pool, one worker per CPU the process may run on.
fn build_runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let workers = workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    builder.enable_all().build()
}

async fn serve(
    args: ServeArgs,
    compiled: api::Compiled,
    loaded: Option<reload::Fingerprint>,
    access_log: Option<AccessLogFormat>,
    host: Option<FunctionHost>,
) -> anyhow::Result<()> {
    // Signals first, so a stop request that arrives as soon as the URLs are printed is never lost.
    let (stop, stopped) = watch::channel(false);
    let (hangup, hangups) = mpsc::channel(1);
    let signals = Signals::install().context("installing signal handlers")?;
    tokio::spawn(signals.run(stop, hangup, args.grace_period));

    let sink = match access_log {
        Some(format) => Some((
            format,
            Arc::new(StdoutSink::start().context("starting the access-log writer")?),
        )),
        None => None,
    };
    let mut options = GatewayOptions::default();
    options.access_log = sink
        .as_ref()
        .map(|(format, sink)| (format.clone(), Arc::clone(sink) as Arc<dyn AccessLogSink>));
    let aws = Arc::new(aws::EnvAwsClient::default());
    let backends = Backends::production()
        .context("setting up the HTTP client for integrations")?
        .with_aws(Arc::clone(&aws) as Arc<dyn tollgate_runtime::AwsSender>)
        .with_lambda(Arc::new(Functions::new(host.clone(), aws)));
    options.state = args
        .state
        .open(compiled.deployment.api_id())
        .await
        .map_err(anyhow::Error::msg)?;
    let gateway = Gateway::new(compiled.deployment, backends, options);

    let listener = bind(&args.host, args.port).await?;
    let address = listener.local_addr()?;
    let admin = match args.admin_port {
        Some(port) => Some(bind(&args.host, port).await.context("admin listener")?),
        None => None,
    };
    let stage = &args.api.stage;
    let title = compiled.title.as_deref().unwrap_or("API");
    println!(
        "tollgate: serving {title} ({}) at {}",
        api::display_name(&args.api),
        url(address, &format!("/{stage}/"))
    );
    let connections = Arc::new(AtomicUsize::new(0));
    let health = Arc::new(Health {
        gateway: gateway.clone(),
        stage: stage.clone(),
        reload_failures: AtomicU64::new(0),
        connections: Arc::clone(&connections),
    });
    if let Some(admin) = admin {
        println!("tollgate: health at {}", url(admin.local_addr()?, "/healthz"));
        tokio::spawn(admin::serve(admin, Arc::clone(&health), stopped.clone()));
    }
    tokio::spawn(reload::run(
        args.api.clone(),
        health,
        (args.watch, loaded),
        hangups,
        stopped.clone(),
    ));

    let handler = Arc::new(GatewayHandler(gateway));
    let drained = edge::serve(listener, handler, args.edge, (stopped, args.grace_period), connections).await;
    if drained {
        tracing::info!("stopped; every in-flight request completed");
    } else {
        tracing::warn!(grace_period = ?args.grace_period, "grace period over; closed the remaining connections");
    }
    if let Some(host) = host {
        host.shutdown().await;
    }
    if let Some((_, sink)) = sink {
        sink.flush(Duration::from_secs(2));
    }
    Ok(())
}

fn url(address: SocketAddr, path: &str) -> String {
    format!("http://{address}{path}")
}

/// A listener with `SO_REUSEADDR` (a restart does not wait out TIME_WAIT) and a deep backlog.
async fn bind(host: &str, port: u16) -> anyhow::Result<TcpListener> {
    let address = tokio::net::lookup_host((host, port))
        .await
        .with_context(|| format!("cannot resolve --host {host}"))?
        .next()
        .with_context(|| format!("--host {host} has no address"))?;
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(address)
        .with_context(|| format!("cannot listen on {address}"))?;
    Ok(socket.listen(1024)?)
}

/// The stop and reload signals.
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// SIGTERM/SIGINT: stop accepting and drain; a second one exits at once. SIGHUP: reload.
    async fn run(mut self, stop: watch::Sender<bool>, reload: mpsc::Sender<()>, grace: Duration) {
        let mut stopping = false;
        loop {
            let name = tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
                _ = self.hangup.recv() => {
                    // A reload already queued covers this one too.
                    let _ = reload.try_send(());
                    continue;
                }
            };
            if stopping {
                tracing::warn!(
                    signal = name,
                    "second stop signal: exiting without waiting for in-flight requests"
                );
                std::process::exit(1);
            }
            stopping = true;
            tracing::info!(
                signal = name,
                ?grace,
                "stopping: no new connections, draining in-flight requests"
            );
            let _ = stop.send(true);
        }
    }
}

/// The edge's handler: the runtime gateway.
#[derive(Debug)]
struct GatewayHandler(Gateway);

impl edge::Handler for GatewayHandler {
    type Body = ResponseBody;

    fn handle(&self, request: Request<Bytes>, arrival: Arrival) -> impl Future<Output = Response<ResponseBody>> + Send {
        self.0.handle_arrival(request.map(Full::new), arrival)
    }

    /// Over 10 MB is API Gateway's REQUEST_TOO_LARGE: the runtime adds the request ids and logs it. The other
    /// refusals (malformed framing, oversized heads, timeouts) have no gateway response type; the edge answers.
    fn rejection(&self, rejection: Rejection) -> Option<Response<ResponseBody>> {
        (rejection == Rejection::PayloadTooLarge).then(|| self.0.edge_response(GatewayResponseType::RequestTooLarge))
    }
}
