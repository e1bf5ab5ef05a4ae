//! Tokens whose RS256 signature has verified, with their claims: the same token is not decoded and verified
//! again (an RSA verification costs ≈ 80 µs here; ring keeps no parsed public key between calls).
//!
//! * The key is the whole token text, compared exactly: only a byte-identical token finds an entry, and only a
//!   token whose signature verified is entered. Everything that depends on the request or the time (`exp`,
//!   `nbf`, `token_use`, scopes, the audience) is checked again on every use.
//! * Bounded in two generations by the bytes of token text they hold: when the current generation is full it
//!   becomes the previous one and the old previous one is dropped; a token found in the previous generation
//!   moves to the current one. Memory stays within twice the budget however many tokens arrive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use super::CognitoClaims;

/// Token text one generation holds (≈ 1,000 Cognito tokens).
const GENERATION_BYTES: usize = 1024 * 1024;

/// A token whose signature verified.
#[derive(Debug)]
pub(crate) struct Verified {
    /// The claims, in token order.
    pub(crate) claims: Map<String, Value>,
    /// The claims as API Gateway hands them on.
    pub(crate) stringified: CognitoClaims,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct VerifiedTokens {
    generations: Mutex<Generations>,
}

/// Counts only: the tokens are bearer credentials and must not reach a log through `{:?}`.
impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("VerifiedTokens")
            .field("current", &generations.current.len())
            .field("previous", &generations.previous.len())
            .finish()
    }
}

#[derive(Default)]
struct Generations {
    current: HashMap<Box<str>, Arc<Verified>>,
    current_bytes: usize,
    previous: HashMap<Box<str>, Arc<Verified>>,
}

impl Generations {
    fn insert(&mut self, token: Box<str>, verified: Arc<Verified>) {
        if self.current_bytes + token.len() > GENERATION_BYTES {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += token.len();
        self.current.insert(token, verified);
    }
}

impl VerifiedTokens {
    /// The entry for exactly this token, if its signature verified before.
    pub(crate) fn get(&self, token: &str) -> Option<Arc<Verified>> {
        let mut generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(verified) = generations.current.get(token) {
            return Some(Arc::clone(verified));
        }
        let (token, verified) = generations.previous.remove_entry(token)?;
        generations.insert(token, Arc::clone(&verified));
        Some(verified)
    }

    /// Enters a token whose signature has just verified.
    pub(crate) fn insert(&self, token: &str, verified: Arc<Verified>) {
        let mut generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        generations.insert(token.into(), verified);
    }

    /// How many tokens are held (both generations).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        generations.current.len() + generations.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Arc<Verified> {
        Arc::new(Verified {
            claims: Map::new(),
            stringified: CognitoClaims::default(),
        })
    }

    #[test]
    fn debug_output_holds_no_token() {
        let tokens = VerifiedTokens::default();
        tokens.insert("secret.token.text", entry());
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("current: 1"), "{shown}");
    }

    #[test]
    fn only_the_exact_token_is_found() {
        let tokens = VerifiedTokens::default();
        tokens.insert("a.b.c", entry());
        assert!(tokens.get("a.b.c").is_some());
        assert!(tokens.get("a.b.c ").is_none());
        assert!(tokens.get("a.b.C").is_none());
    }

    #[test]
    fn memory_stays_within_two_generations() {
        let tokens = VerifiedTokens::default();
        let token_len = 1000;
        for n in 0..10_000 {
            tokens.insert(&format!("{n:0token_len$}"), entry());
        }
        let most = 2 * GENERATION_BYTES / token_len;
        assert!(tokens.len() <= most, "{} tokens held, at most {most}", tokens.len());
        // The newest are there; the oldest are gone.
        assert!(tokens.get(&format!("{:0token_len$}", 9_999)).is_some());
        assert!(tokens.get(&format!("{:0token_len$}", 0)).is_none());
    }

    #[test]
    fn a_token_in_use_survives_the_turn_of_generations() {
        let tokens = VerifiedTokens::default();
        let token_len = 1000;
        let kept = "k".repeat(token_len);
        tokens.insert(&kept, entry());
        for n in 0..10_000 {
            tokens.insert(&format!("{n:0token_len$}"), entry());
            if n % 500 == 0 {
                assert!(tokens.get(&kept).is_some(), "lost after {n} other tokens");
            }
        }
    }
}
