//! A byte-bounded LRU map with per-entry expiry: one stage's response cache in the embedded store.
//!
//! Entries live in a slab (`Vec<Node>`) linked most- to least-recently used by index, so a hit moves a node
//! without allocating; the map points keys at slab slots.

use std::collections::HashMap;
use std::sync::Arc;

use super::embedded::KeyHasher;
use super::{CachedResponse, StateKey};

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node {
    key: StateKey,
    entry: Arc<CachedResponse>,
    expires_at: u64,
    size: u64,
    prev: usize,
    next: usize,
}

/// One partition's entries.
#[derive(Debug, Default)]
pub(crate) struct Lru {
    map: HashMap<StateKey, usize, KeyHasher>,
    nodes: Vec<Option<Node>>,
    free: Vec<usize>,
    head: usize,
    tail: usize,
    used: u64,
}

impl Lru {
    pub(crate) fn new() -> Lru {
        Lru {
            head: NIL,
            tail: NIL,
            ..Lru::default()
        }
    }

    /// Bytes taken by the entries.
    pub(crate) fn used(&self) -> u64 {
        self.used
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// The entry if it has not expired at `now` (nanoseconds); marks it most recently used.
    pub(crate) fn get(&mut self, key: &StateKey, now: u64) -> Option<Arc<CachedResponse>> {
        let index = *self.map.get(key)?;
        let expired = self.node(index).is_none_or(|n| n.expires_at <= now);
        if expired {
            self.remove(key);
            return None;
        }
        self.unlink(index);
        self.push_front(index);
        self.node(index).map(|n| Arc::clone(&n.entry))
    }

    /// Inserts or replaces `key`, then evicts from the least recently used end until `budget` holds. An entry
    /// larger than the whole budget is not kept (and the old one is dropped).
    pub(crate) fn put(&mut self, key: &StateKey, entry: Arc<CachedResponse>, expires_at: u64, budget: u64) {
        self.remove(key);
        let size = entry.size() + key.as_str().len() as u64;
        if size > budget {
            self.shrink_to(budget);
            return;
        }
        self.shrink_to(budget - size);
        let node = Node {
            key: key.clone(),
            entry,
            expires_at,
            size,
            prev: NIL,
            next: NIL,
        };
        let index = match self.free.pop() {
            Some(index) => {
                if let Some(slot) = self.nodes.get_mut(index) {
                    *slot = Some(node);
                }
                index
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        };
        self.push_front(index);
        self.map.insert(key.clone(), index);
        self.used += size;
    }

    pub(crate) fn remove(&mut self, key: &StateKey) {
        let Some(index) = self.map.remove(key) else { return };
        self.unlink(index);
        if let Some(node) = self.nodes.get_mut(index).and_then(Option::take) {
            self.used = self.used.saturating_sub(node.size);
        }
        self.free.push(index);
    }

    pub(crate) fn clear(&mut self) {
        *self = Lru::new();
    }

    /// Evicts least recently used entries until at most `budget` bytes are used.
    fn shrink_to(&mut self, budget: u64) {
        while self.used > budget && self.tail != NIL {
            let Some(key) = self.node(self.tail).map(|n| n.key.clone()) else {
                break;
            };
            self.remove(&key);
        }
    }

    fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index).and_then(Option::as_ref)
    }

    fn node_mut(&mut self, index: usize) -> Option<&mut Node> {
        self.nodes.get_mut(index).and_then(Option::as_mut)
    }

    fn unlink(&mut self, index: usize) {
        let Some((prev, next)) = self.node(index).map(|n| (n.prev, n.next)) else {
            return;
        };
        match self.node_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.node_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        if let Some(node) = self.node_mut(index) {
            node.prev = NIL;
            node.next = NIL;
        }
    }

    fn push_front(&mut self, index: usize) {
        let old = self.head;
        if let Some(node) = self.node_mut(index) {
            node.prev = NIL;
            node.next = old;
        }
        match self.node_mut(old) {
            Some(h) => h.prev = index,
            None => self.tail = index,
        }
        self.head = index;
    }
}
