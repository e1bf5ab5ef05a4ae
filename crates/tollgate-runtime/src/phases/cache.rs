//! Response caching (spec §9.4, DG/api-gateway-caching.html): per stage and method, keyed by method, resource
//! and the values of the integration's `cacheKeyParameters`; TTL 0–3600 s (300 by default); bodies up to
//! 1,048,576 bytes; GET only unless a method's own settings enable caching; `Cache-Control: max-age=0`
//! refetches and replaces an entry when the caller may invalidate, else `unauthorizedCacheControlHeaderStrategy`
//! decides.
//!
//! What is cached is the method response the integration produced (any status: AWS caches a backend's 4XX and
//! 5XX too); gateway errors (timeouts, 500s of the gateway itself) are not. A hit is served without calling
//! the integration, with fresh request ids. Decisions AWS leaves unknown: the key also carries the deployment
//! id (a changed definition starts with an empty cache), the warning header's text, and the 403's body
//! (IAM's denial text for `execute-api:InvalidateCache`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderName, HeaderValue, Method, Response};
use http_body::{Body, Frame, SizeHint};
use tollgate_model::{Diagnostic, MethodSettings, RestApi, Stage, UnauthorizedCacheControlHeaderStrategy};

use crate::body::{BoxError, ResponseBody};
use crate::clock::Clock;
use crate::cx::RequestCx;
use crate::error::GatewayError;
use crate::gateway::Inner;
use crate::pipeline::Answer;
use crate::state::{CachePartition, CachedResponse, MAX_CACHED_RESPONSE, StateKey, StateStore};
use crate::usage_plans::UsagePlans;

/// The header added when an unauthorized `Cache-Control: max-age=0` is ignored (strategy
/// `SUCCEED_WITH_RESPONSE_HEADER`). AWS's exact text is unknown (spec §9.4); an RFC 7234 warning.
static WARNING: HeaderName = HeaderName::from_static("warning");
const WARNING_TEXT: &str = "199 - \"Cache-Control: max-age=0 ignored: the caller may not invalidate the cache\"";

/// A request parameter whose value is part of the cache key.
#[derive(Debug)]
enum KeyParameter {
    Path(Box<str>),
    Query(Box<str>),
    MultiQuery(Box<str>),
    Header(Box<str>),
    MultiHeader(Box<str>),
}

/// A method's cache settings, compiled.
#[derive(Debug)]
pub(crate) struct MethodCache {
    partition: Arc<CachePartition>,
    /// `tg:cache:{stage}:{deployment}:{namespace}:` with the method appended unless the route is `ANY`.
    prefix: String,
    any_method: bool,
    /// Cached only for GET requests: the settings enabling caching are not the method's own.
    get_only: bool,
    parameters: Vec<KeyParameter>,
    ttl: Duration,
    require_authorization: bool,
    strategy: UnauthorizedCacheControlHeaderStrategy,
}

/// What the cache did for a request (the execution log's view; AWS counts `CacheHitCount` /
/// `CacheMissCount`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheStatus {
    Hit,
    Miss,
    /// `Cache-Control: max-age=0` from a caller allowed to invalidate: fetched and replaced.
    Refresh,
}

impl CacheStatus {
    fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Refresh => "refresh",
        }
    }
}

/// The outcome of [`lookup`].
pub(crate) enum CacheLookup {
    /// The method does not cache this request.
    Off,
    /// Served from the cache.
    Hit(Answer),
    /// Not in the cache (or refreshed): the integration's answer is to be stored under `key`.
    Miss {
        key: StateKey,
        cache: Arc<MethodCache>,
        /// Add the unauthorized-invalidation warning to the response.
        warn: bool,
    },
}

impl std::fmt::Debug for CacheLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheLookup::Off => f.write_str("Off"),
            CacheLookup::Hit(answer) => write!(f, "Hit({})", answer.response.status()),
            CacheLookup::Miss { key, warn, .. } => write!(f, "Miss({key}, warn: {warn})"),
        }
    }
}

fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '%' | '|' | '=' | '{' | '}' | ':' => {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// The cache settings of one method, or `None` when it does not cache (stage cache cluster off, caching off,
/// TTL 0). Unsupported `cacheKeyParameters` are warned about.
pub(crate) fn compile_method(
    api: &RestApi,
    stage: &Stage,
    plans: &UsagePlans,
    deployment_id: &str,
    (resource, method): (&tollgate_model::Resource, &tollgate_model::Method),
    settings: &MethodSettings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Arc<MethodCache>> {
    let stage_config = plans.stage(&stage.name).filter(|s| s.cache_enabled)?;
    if !settings.caching_enabled || settings.cache_ttl_seconds == 0 {
        return None;
    }
    let http_method = method.http_method.as_str();
    let own_key = format!("{}/{http_method}", resource.path);
    let explicit = stage_config.explicit_caching.contains(&own_key);
    let mut parameters = Vec::new();
    let integration = method.integration.as_ref();
    for parameter in integration.map_or(&[][..], |i| &i.cache_key_parameters[..]) {
        let text = parameter.value.as_str();
        let parsed = text.strip_prefix("method.request.").and_then(|rest| {
            let (location, name) = rest.split_once('.')?;
            let name: Box<str> = name.into();
            Some(match location {
                "path" => KeyParameter::Path(name),
                "querystring" => KeyParameter::Query(name),
                "multivaluequerystring" => KeyParameter::MultiQuery(name),
                "header" => KeyParameter::Header(name.to_ascii_lowercase().into()),
                "multivalueheader" => KeyParameter::MultiHeader(name.to_ascii_lowercase().into()),
                _ => return None,
            })
        });
        match parsed {
            Some(parameter) => parameters.push(parameter),
            None => diagnostics.push(
                Diagnostic::warning(
                    &api.source,
                    parameter.span,
                    format!(
                        "cache key parameter `{text}` is not a method request parameter; it does not vary the cache"
                    ),
                )
                .with_note("cacheKeyParameters name method.request.{path|querystring|header}.NAME"),
            ),
        }
    }
    let namespace = integration
        .and_then(|i| i.cache_namespace.as_deref())
        .unwrap_or(&resource.path);
    let any_method = http_method == "ANY";
    let mut prefix = format!("tg:cache:{}:{deployment_id}:", stage.name);
    escape_into(&mut prefix, namespace);
    prefix.push(':');
    if !any_method {
        prefix.push_str(http_method);
    }
    let partition = Arc::new(CachePartition {
        name: stage.name.as_str().into(),
        max_bytes: stage_config.cache_bytes,
    });
    Some(Arc::new(MethodCache {
        partition,
        prefix,
        any_method,
        get_only: !explicit,
        parameters,
        ttl: Duration::from_secs(u64::from(settings.cache_ttl_seconds.min(3600))),
        require_authorization: settings.require_authorization_for_cache_control,
        strategy: settings.unauthorized_cache_control_header_strategy,
    }))
}

impl MethodCache {
    /// The request's cache key: the prefix, the method for `ANY` routes, then each key parameter's value
    /// (absent and empty differ).
    fn key(&self, cx: &RequestCx<'_>) -> StateKey {
        let mut text = String::with_capacity(self.prefix.len() + 16 * (self.parameters.len() + 1));
        text.push_str(&self.prefix);
        if self.any_method {
            text.push_str(cx.method.as_str());
        }
        for parameter in &self.parameters {
            text.push('|');
            let mut values: Vec<&str> = Vec::new();
            let single = match parameter {
                KeyParameter::Path(name) => cx.path_param(name),
                KeyParameter::Query(name) => cx.query.last(name),
                KeyParameter::Header(name) => cx.visible_header(name),
                KeyParameter::MultiQuery(name) => {
                    values.extend(cx.query.all(name));
                    None
                }
                KeyParameter::MultiHeader(name) => {
                    values.extend(cx.headers.get_all(&**name).iter().filter_map(|v| v.to_str().ok()));
                    None
                }
            };
            values.extend(single);
            for (index, value) in values.iter().enumerate() {
                text.push(if index == 0 { '=' } else { ',' });
                escape_into(&mut text, value);
            }
        }
        StateKey::new(text)
    }
}

/// Whether the request says `Cache-Control: max-age=0`.
fn asks_for_fresh(cx: &RequestCx<'_>) -> bool {
    cx.headers
        .get_all(http::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("max-age=0"))
}

/// The method ARN of the request (spec §9.5): `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
fn method_arn(cx: &RequestCx<'_>) -> String {
    let Some(deployment) = cx.deployment else {
        return String::new();
    };
    let region = deployment.domain_name.split('.').nth(2).unwrap_or("");
    let rest = cx
        .context_path
        .get(1 + cx.stage_name.len()..)
        .unwrap_or("")
        .trim_start_matches('/');
    format!(
        "arn:aws:execute-api:{region}:{}:{}/{}/{}/{rest}",
        deployment.account_id, deployment.api_id, cx.stage_name, cx.method
    )
}

/// Phase: the cache lookup, after validation.
pub(crate) async fn lookup(inner: &Inner, cx: &mut RequestCx<'_>) -> Result<CacheLookup, GatewayError> {
    let Some(cache) = cx.method_route.and_then(|m| m.usage.cache.clone()) else {
        return Ok(CacheLookup::Off);
    };
    if cache.get_only && cx.method != Method::GET {
        return Ok(CacheLookup::Off);
    }
    let key = cache.key(cx);
    let mut warn = false;
    if asks_for_fresh(cx) {
        if !cache.require_authorization || cx.usage.may_invalidate_cache {
            cx.usage.cache = Some(CacheStatus::Refresh);
            tracing::debug!(request_id = %cx.ids.request_id, %key, cache = "refresh", "cache invalidated by the client");
            return Ok(CacheLookup::Miss {
                key,
                cache,
                warn: false,
            });
        }
        match cache.strategy {
            UnauthorizedCacheControlHeaderStrategy::FailWith403 => {
                return Err(GatewayError::AccessDenied {
                    message: format!(
                        "User: anonymous is not authorized to perform: execute-api:InvalidateCache on resource: {}",
                        method_arn(cx)
                    ),
                });
            }
            UnauthorizedCacheControlHeaderStrategy::SucceedWithoutResponseHeader => {}
            _ => warn = true,
        }
    }
    let now = inner.options.clock.now();
    match inner.options.state.cache_get(&cache.partition, &key, now).await {
        Ok(Some(entry)) => {
            cx.usage.cache = Some(CacheStatus::Hit);
            tracing::debug!(request_id = %cx.ids.request_id, %key, cache = CacheStatus::Hit.as_str(), "served from the cache");
            let mut response = Response::new(ResponseBody::full(entry.body.clone()));
            *response.status_mut() = entry.status;
            *response.headers_mut() = entry.headers.clone();
            if warn {
                response
                    .headers_mut()
                    .insert(WARNING.clone(), HeaderValue::from_static(WARNING_TEXT));
            }
            Ok(CacheLookup::Hit(Answer {
                response,
                trace_header: entry.trace_header,
            }))
        }
        Ok(None) => Ok(CacheLookup::Miss { key, cache, warn }),
        Err(err) => {
            tracing::warn!(%key, error = %err, "cache unavailable; calling the integration");
            Ok(CacheLookup::Miss { key, cache, warn })
        }
    }
}

/// Phase: stores the integration's answer for a miss, unchanged for the client.
pub(crate) async fn store(inner: &Inner, cx: &mut RequestCx<'_>, lookup: CacheLookup, answer: Answer) -> Answer {
    let CacheLookup::Miss { key, cache, warn } = lookup else {
        return answer;
    };
    if cx.usage.cache.is_none() {
        cx.usage.cache = Some(CacheStatus::Miss);
    }
    tracing::debug!(
        request_id = %cx.ids.request_id,
        %key,
        cache = cx.usage.cache.map_or("miss", CacheStatus::as_str),
        "integration called; storing the response"
    );
    let Answer { response, trace_header } = answer;
    let (mut parts, body) = response.into_parts();
    let store = Arc::clone(&inner.options.state);
    let entry_of = |body: Bytes| {
        Arc::new(CachedResponse::new(
            parts.status,
            parts.headers.clone(),
            body,
            trace_header,
        ))
    };
    let body = match body.as_bytes() {
        Some(bytes) if bytes.len() <= MAX_CACHED_RESPONSE => {
            let entry = entry_of(Bytes::copy_from_slice(bytes));
            let now = inner.options.clock.now();
            if let Err(err) = store.cache_put(&cache.partition, &key, entry, cache.ttl, now).await {
                tracing::warn!(%key, error = %err, "could not store the response");
            }
            body
        }
        Some(_) => {
            // Too large to cache: a refresh still drops the stale entry.
            if let Err(err) = store.cache_remove(&cache.partition, &key).await {
                tracing::warn!(%key, error = %err, "could not drop the cache entry");
            }
            body
        }
        None => ResponseBody::stream(CachingBody {
            inner: body,
            collected: Some(BytesMut::new()),
            pending: Some(PendingPut {
                store,
                clock: Arc::clone(&inner.options.clock),
                cache: Arc::clone(&cache),
                key,
                entry: CachedResponse::new(parts.status, parts.headers.clone(), Bytes::new(), trace_header),
            }),
            storing: None,
        }),
    };
    if warn {
        parts
            .headers
            .insert(WARNING.clone(), HeaderValue::from_static(WARNING_TEXT));
    }
    Answer {
        response: Response::from_parts(parts, body),
        trace_header,
    }
}

/// What a streamed response is stored as once its last frame has passed.
struct PendingPut {
    store: Arc<dyn StateStore>,
    clock: Arc<dyn Clock>,
    cache: Arc<MethodCache>,
    key: StateKey,
    entry: CachedResponse,
}

/// A streamed (HTTP_PROXY) body passed through frame by frame and copied aside up to the cacheable size; at
/// its end the copy is stored. A body that errors or grows past 1 MiB is not cached.
///
/// Write-through: the frame that ends the body is held until the store has the entry, so a client that has the
/// whole response finds it in the cache on its next request, on this gateway or on another sharing the store
/// (the store's own timeout bounds the wait).
struct CachingBody {
    inner: ResponseBody,
    collected: Option<BytesMut>,
    pending: Option<PendingPut>,
    /// A networked store's put under way, and the last frame (none when the body ended without one) to pass on
    /// once it is done.
    storing: Option<(StorePut, Option<Frame<Bytes>>)>,
}

type StorePut = Pin<Box<dyn Future<Output = ()> + Send>>;

impl CachingBody {
    /// Stores the collected copy: done at once for the embedded store, else the put to wait for.
    fn finish(&mut self) -> Option<StorePut> {
        let (Some(collected), Some(mut pending)) = (self.collected.take(), self.pending.take()) else {
            return None;
        };
        pending.entry.body = collected.freeze();
        let PendingPut {
            store,
            clock,
            cache,
            key,
            entry,
        } = pending;
        let entry = Arc::new(entry);
        let now = clock.now();
        if store
            .cache_put(&cache.partition, &key, Arc::clone(&entry), cache.ttl, now)
            .is_ready()
        {
            return None;
        }
        Some(Box::pin(async move {
            if let Err(err) = store.cache_put(&cache.partition, &key, entry, cache.ttl, now).await {
                tracing::warn!(%key, error = %err, "could not store the response");
            }
        }))
    }
}

impl Body for CachingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Some((put, last)) = this.storing.as_mut() {
            if put.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let last = last.take();
            this.storing = None;
            return Poll::Ready(last.map(Ok));
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        let ended = match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(collected)) = (frame.data_ref(), this.collected.as_mut()) {
                    if collected.len() + data.len() > MAX_CACHED_RESPONSE {
                        this.collected = None;
                    } else {
                        collected.extend_from_slice(data);
                    }
                }
                // A server stops polling once a body of known length says it has ended.
                this.inner.is_end_stream()
            }
            Poll::Ready(Some(Err(_))) => {
                this.collected = None;
                false
            }
            Poll::Ready(None) => true,
            Poll::Pending => false,
        };
        if !ended {
            return polled;
        }
        let Some(put) = this.finish() else {
            return polled;
        };
        let last = match polled {
            Poll::Ready(Some(Ok(frame))) => Some(frame),
            _ => None,
        };
        this.storing = Some((put, last));
        Pin::new(this).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.storing.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.storing {
            Some((_, Some(last))) => last
                .data_ref()
                .map_or_else(SizeHint::default, |data| SizeHint::with_exact(data.len() as u64)),
            Some((_, None)) => SizeHint::with_exact(0),
            None => self.inner.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape_into;

    fn escaped(value: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, value);
        out
    }

    #[test]
    fn values_cannot_spell_the_key_separators() {
        assert_eq!(escaped("plain value/é"), "plain value/é");
        assert_eq!(escaped("a|q=b"), "a%7Cq%3Db");
        assert_eq!(escaped("{tag}:100%"), "%7Btag%7D%3A100%25");
        // One parameter whose value looks like two parameters stays one.
        let one = format!("|={}", escaped("a|=b"));
        let two = format!("|={}|={}", escaped("a"), escaped("b"));
        assert_ne!(one, two);
    }
}
