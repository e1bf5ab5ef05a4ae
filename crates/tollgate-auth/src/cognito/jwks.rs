//! A user pool's JSON Web Key Set (RFC 7517), as Cognito publishes it at
//! `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Largest JWKS document read.
pub const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Most keys kept from one document.
pub const MAX_KEYS: usize = 100;

/// The RSA signing keys of a JWKS, by `kid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<RsaKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RsaKey {
    pub(crate) kid: String,
    /// Modulus, big-endian, no leading zeros.
    pub(crate) n: Vec<u8>,
    /// Exponent, big-endian, no leading zeros.
    pub(crate) e: Vec<u8>,
}

/// Why a JWKS document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksError(String);

impl std::fmt::Display for JwksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid JWKS: {}", self.0)
    }
}

impl std::error::Error for JwksError {}

impl Jwks {
    /// Parses a JWKS document. Keys that cannot verify RS256 signatures (`kty` other than `RSA`, `use` other
    /// than `sig`, `alg` other than `RS256`, no `kid`) are skipped, as a verifier ignores keys it cannot use;
    /// an RSA key with undecodable `n`/`e` is an error.
    ///
    /// # Errors
    /// [`JwksError`] for invalid JSON, a document without a `keys` list, a malformed RSA key, more than
    /// [`MAX_KEYS`] keys, or more than [`MAX_JWKS_BYTES`] bytes.
    pub fn parse(bytes: &[u8]) -> Result<Jwks, JwksError> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(JwksError(format!("larger than {MAX_JWKS_BYTES} bytes")));
        }
        let document: Value = serde_json::from_slice(bytes).map_err(|error| JwksError(format!("not JSON: {error}")))?;
        let Some(Value::Array(entries)) = document.get("keys") else {
            return Err(JwksError("no `keys` list".to_owned()));
        };
        if entries.len() > MAX_KEYS {
            return Err(JwksError(format!("more than {MAX_KEYS} keys")));
        }
        let mut keys = Vec::new();
        for entry in entries {
            let text = |name: &str| entry.get(name).and_then(Value::as_str);
            if text("kty") != Some("RSA")
                || text("use").is_some_and(|usage| usage != "sig")
                || text("alg").is_some_and(|alg| alg != "RS256")
            {
                continue;
            }
            let Some(kid) = text("kid") else {
                continue;
            };
            let decode = |name: &str| -> Result<Vec<u8>, JwksError> {
                let encoded = text(name).ok_or_else(|| JwksError(format!("key `{kid}` has no `{name}`")))?;
                let raw = URL_SAFE_NO_PAD
                    .decode(encoded)
                    .map_err(|_| JwksError(format!("key `{kid}`: `{name}` is not base64url")))?;
                let start = raw.iter().position(|&byte| byte != 0).unwrap_or(raw.len());
                let trimmed = raw.get(start..).unwrap_or_default().to_vec();
                if trimmed.is_empty() {
                    return Err(JwksError(format!("key `{kid}`: `{name}` is zero")));
                }
                Ok(trimmed)
            };
            keys.push(RsaKey {
                kid: kid.to_owned(),
                n: decode("n")?,
                e: decode("e")?,
            });
        }
        Ok(Jwks { keys })
    }

    /// The key ids this set can verify with.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|key| key.kid.as_str())
    }

    pub(crate) fn key(&self, kid: &str) -> Option<&RsaKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }
}
