//! `--jwks [POOL_ID=]FILE|URL`: where the keys of Cognito user pools come from. A file is read on every load (so
//! a reload picks up a new key set); a URL (Cognito's own `…/.well-known/jwks.json`, or any server) is fetched
//! once when `serve` or `validate` starts, before the first load, and kept for reloads.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt as _;
use tollgate_runtime::{HttpBackend, HttpClientOptions, HyperHttpBackend, RequestBody};

/// How long one key-set download may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest key set read (Cognito's are about 1 KB; tollgate-auth refuses more than 64 KiB anyway).
const MAX_BYTES: usize = 1 << 20;

/// One `--jwks` argument.
#[derive(Debug, Clone)]
pub(crate) struct JwksArg {
    /// The user pool id (`us-east-1_AbC123`); `None`: every pool without its own.
    pub(crate) pool: Option<String>,
    pub(crate) source: JwksSource,
}

/// Where a key set comes from.
#[derive(Debug, Clone)]
pub(crate) enum JwksSource {
    File(PathBuf),
    /// Fetched by [`fetch_urls`]; `None` until then.
    Url {
        url: String,
        fetched: Option<Arc<[u8]>>,
    },
}

impl JwksArg {
    /// Parses `[POOL_ID=]FILE|URL`. A pool id is `REGION_ID` (letters, digits, `-`, `_`); anything else before
    /// the first `=` is part of the file name.
    pub(crate) fn parse(value: &str) -> JwksArg {
        let pool_id = |text: &str| {
            text.contains('_')
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        let (pool, rest) = match value.split_once('=') {
            Some((pool, rest)) if pool_id(pool) && !rest.is_empty() => (Some(pool.to_owned()), rest),
            _ => (None, value),
        };
        let source = if rest.starts_with("http://") || rest.starts_with("https://") {
            JwksSource::Url {
                url: rest.to_owned(),
                fetched: None,
            }
        } else {
            JwksSource::File(PathBuf::from(rest))
        };
        JwksArg { pool, source }
    }

    /// The pool key for `UserPoolKeys`.
    pub(crate) fn pool_key(&self) -> &str {
        self.pool.as_deref().unwrap_or("*")
    }

    /// The key set's bytes: the file's now, or what was fetched.
    pub(crate) fn bytes(&self) -> Result<Vec<u8>, String> {
        match &self.source {
            JwksSource::File(path) => std::fs::read(path).map_err(|err| format!("{}: {err}", path.display())),
            JwksSource::Url { url, fetched } => fetched
                .as_deref()
                .map(<[u8]>::to_vec)
                .ok_or_else(|| format!("{url}: not fetched")),
        }
    }
}

/// Downloads every URL key set (on a short-lived runtime of its own: this runs before the server's starts).
pub(crate) fn fetch_urls(args: &mut [JwksArg]) -> Result<(), String> {
    if !args.iter().any(|arg| matches!(arg.source, JwksSource::Url { .. })) {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start a runtime to fetch --jwks: {err}"))?;
    runtime.block_on(async {
        let client = HyperHttpBackend::new(&HttpClientOptions::default()).map_err(|err| err.to_string())?;
        for arg in args.iter_mut() {
            if let JwksSource::Url { url, fetched } = &mut arg.source {
                let bytes = tokio::time::timeout(FETCH_TIMEOUT, fetch(&client, url))
                    .await
                    .map_err(|_| format!("--jwks {url}: no answer within {}s", FETCH_TIMEOUT.as_secs()))?
                    .map_err(|err| format!("--jwks {url}: {err}"))?;
                *fetched = Some(bytes.into());
            }
        }
        Ok(())
    })
}

async fn fetch(client: &HyperHttpBackend, url: &str) -> Result<Vec<u8>, String> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(RequestBody::empty())
        .map_err(|err| err.to_string())?;
    let response = client.send(request).await.map_err(|err| err.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("answered {status}"));
    }
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| err.to_string())?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > MAX_BYTES {
                return Err(format!("key set larger than {MAX_BYTES} bytes"));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids_files_and_urls() {
        let arg = JwksArg::parse("us-east-1_AbC=keys.json");
        assert_eq!(arg.pool.as_deref(), Some("us-east-1_AbC"));
        assert!(matches!(&arg.source, JwksSource::File(path) if path == &PathBuf::from("keys.json")));
        let arg = JwksArg::parse("dir/a=b.json");
        assert_eq!((arg.pool.clone(), arg.pool_key().to_owned()), (None, "*".to_owned()));
        let arg =
            JwksArg::parse("eu-west-1_X=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/.well-known/jwks.json");
        assert_eq!(arg.pool_key(), "eu-west-1_X");
        assert!(matches!(&arg.source, JwksSource::Url { url, fetched: None } if url.ends_with("/jwks.json")));
        assert!(matches!(
            JwksArg::parse("http://127.0.0.1:9/k").source,
            JwksSource::Url { .. }
        ));
    }
}
