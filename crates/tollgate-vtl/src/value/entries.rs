//! The entries of a `LinkedHashMap`: one vector in insertion order, searched by scanning while the map is small
//! and through a hash index of positions once it grows past [`SMALL_MAP`].
//!
//! Almost every map a template sees is a small JSON object, so a small map costs one allocation (the vector) and
//! no hashing work at all: keys carry their hash ([`Key::hash`]), and a scan compares those before contents.

use hashbrown::HashTable;

use super::{Key, Value};

/// Maps up to this size have no index: scanning their stored hashes beats probing a table.
pub(crate) const SMALL_MAP: usize = 8;

/// Insertion-ordered entries; the index exists exactly while there are more than [`SMALL_MAP`] of them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Entries {
    items: Vec<(Key, Value)>,
    /// Positions in `items`, by their key's hash (empty, without an allocation, while the map is small).
    index: HashTable<usize>,
}

impl Entries {
    /// Room for `n` entries (the index is made when it is needed).
    pub(crate) fn with_capacity(n: usize) -> Entries {
        Entries {
            items: Vec::with_capacity(n),
            index: HashTable::new(),
        }
    }

    /// The entries of `items` put in order: a repeated key keeps its first position and takes its last value.
    pub(crate) fn from_vec(items: Vec<(Key, Value)>) -> Entries {
        if items.len() <= SMALL_MAP {
            if !small_repeats_a_key(&items) {
                return Entries {
                    items,
                    index: HashTable::new(),
                };
            }
        } else {
            let mut index = HashTable::with_capacity(items.len());
            let mut unique = true;
            for (i, (key, _)) in items.iter().enumerate() {
                let entry = index.entry(
                    key.hash(),
                    |&j: &usize| items.get(j).is_some_and(|(k, _)| k == key),
                    |&j: &usize| hash_at(&items, j),
                );
                match entry {
                    hashbrown::hash_table::Entry::Occupied(_) => {
                        unique = false;
                        break;
                    }
                    hashbrown::hash_table::Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
            }
            if unique {
                return Entries { items, index };
            }
        }
        let mut entries = Entries::with_capacity(items.len());
        for (k, v) in items {
            entries.insert(k, v);
        }
        entries
    }

    /// The number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` without entries.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The entries in order.
    #[inline]
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, (Key, Value)> {
        self.items.iter()
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Key> {
        self.items.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Value> {
        self.items.iter().map(|(_, v)| v)
    }

    /// The entry at position `i`.
    #[inline]
    pub(crate) fn get_index(&self, i: usize) -> Option<(&Key, &Value)> {
        self.items.get(i).map(|(k, v)| (k, v))
    }

    /// The value of the key `k`.
    pub(crate) fn get(&self, k: &Key) -> Option<&Value> {
        self.position(k).and_then(|i| self.items.get(i)).map(|(_, v)| v)
    }

    /// The position of the key `k`.
    pub(crate) fn position(&self, k: &Key) -> Option<usize> {
        let hash = k.hash();
        self.find(hash, |key| key == k)
    }

    /// The position of the `String` key `k`, whose hash is `hash`.
    #[inline]
    pub(crate) fn position_str(&self, k: &str, hash: u64) -> Option<usize> {
        self.find(hash, |key| key.as_str().is_some_and(|s| super::str_eq(s, k)))
    }

    /// The position of the key with `hash` that `is` accepts.
    #[inline]
    fn find(&self, hash: u64, is: impl Fn(&Key) -> bool) -> Option<usize> {
        if self.items.len() <= SMALL_MAP {
            return self.items.iter().position(|(key, _)| key.hash() == hash && is(key));
        }
        let items = &self.items;
        self.index
            .find(hash, |&i| items.get(i).is_some_and(|(key, _)| is(key)))
            .copied()
    }

    /// `put(k, v)`: replaces the value in place (keeping the key's position) or appends; returns the old value.
    pub(crate) fn insert(&mut self, k: Key, v: Value) -> Option<Value> {
        if let Some(i) = self.position(&k)
            && let Some((_, slot)) = self.items.get_mut(i)
        {
            return Some(std::mem::replace(slot, v));
        }
        let hash = k.hash();
        let at = self.items.len();
        self.items.push((k, v));
        if at == SMALL_MAP {
            self.rebuild_index();
        } else if at > SMALL_MAP {
            let items = &self.items;
            self.index.insert_unique(hash, at, |&j| hash_at(items, j));
        }
        None
    }

    /// `remove(k)`: the entries after it move up one place, keeping their order.
    pub(crate) fn shift_remove(&mut self, k: &Key) -> Option<Value> {
        let at = self.position(k)?;
        if at >= self.items.len() {
            return None;
        }
        let (_, v) = self.items.remove(at);
        if self.items.len() <= SMALL_MAP {
            self.index = HashTable::new();
        } else {
            if let Ok(slot) = self.index.find_entry(k.hash(), |&j| j == at) {
                slot.remove();
            }
            for j in self.index.iter_mut() {
                if *j > at {
                    *j -= 1;
                }
            }
        }
        Some(v)
    }

    /// `clear()`.
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.index = HashTable::new();
    }

    /// Indexes every entry (the map just grew past [`SMALL_MAP`]).
    fn rebuild_index(&mut self) {
        let items = &self.items;
        let mut index = HashTable::with_capacity(items.len() * 2);
        for (i, (key, _)) in items.iter().enumerate() {
            index.insert_unique(key.hash(), i, |&j| hash_at(items, j));
        }
        self.index = index;
    }
}

/// The hash of the key at position `j` (the index's rehash function).
#[inline]
fn hash_at(items: &[(Key, Value)], j: usize) -> u64 {
    items.get(j).map_or(0, |(k, _)| k.hash())
}

/// Whether two of a few entries have the same key. Each key marks one of 64 bits, chosen by its hash: a key whose
/// bit is not yet marked differs from every key before it (an equal key has the same hash), so only a key whose
/// bit is taken (for five distinct keys, about one shape in seven) is compared with the keys before it.
#[inline]
fn small_repeats_a_key(items: &[(Key, Value)]) -> bool {
    let mut seen = 0u64;
    for (at, (key, _)) in items.iter().enumerate() {
        let bit = 1u64 << (key.hash() >> 58);
        if seen & bit != 0 && repeated(items, at, key) {
            return true;
        }
        seen |= bit;
    }
    false
}

/// Whether `key`, at position `at`, is one of the keys before it (hashes compared first).
#[cold]
fn repeated(items: &[(Key, Value)], at: usize, key: &Key) -> bool {
    items
        .get(..at)
        .is_some_and(|before| before.iter().any(|(k, _)| k.hash() == key.hash() && k == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: a `LinkedHashMap` as a plain vector searched with `Key`'s equality.
    #[derive(Default)]
    struct Model(Vec<(Key, Value)>);

    impl Model {
        fn at(&self, k: &Key) -> Option<usize> {
            self.0.iter().position(|(key, _)| key == k)
        }
        fn put(&mut self, k: Key, v: Value) -> Option<Value> {
            match self.at(&k) {
                Some(i) => Some(std::mem::replace(&mut self.0[i].1, v)),
                None => {
                    self.0.push((k, v));
                    None
                }
            }
        }
        fn remove(&mut self, k: &Key) -> Option<Value> {
            self.at(k).map(|i| self.0.remove(i).1)
        }
    }

    /// xorshift64: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Keys of several kinds (`Integer(1)` and `Long(1)` differ, as do `"1"` and `1`), some with their real hash
    /// and some forced to collide, so both the scan and the index must compare contents.
    fn key(rng: &mut Rng, universe: u64) -> Key {
        let n = rng.below(universe);
        let value = match n % 3 {
            0 => Value::string(format!("k{}", n / 3)),
            1 => Value::Int((n / 3) as i32),
            _ => Value::Long((n / 3) as i64),
        };
        if n.is_multiple_of(5) {
            Key::with_hash(value, n % 4)
        } else {
            Key::from(value)
        }
    }

    fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(x), Some(y)) => x.java_equals(y),
            _ => false,
        }
    }

    fn check(entries: &Entries, model: &Model) {
        assert_eq!(entries.len(), model.0.len());
        assert_eq!(entries.is_empty(), model.0.is_empty());
        assert_eq!(
            entries.index.len(),
            if model.0.len() > SMALL_MAP { model.0.len() } else { 0 }
        );
        for ((k, v), (mk, mv)) in entries.iter().zip(&model.0) {
            assert!(k == mk && k.hash() == mk.hash() && v.java_equals(mv));
        }
        for (i, (k, _)) in model.0.iter().enumerate() {
            assert_eq!(entries.position(k), Some(i));
            if let Some(s) = k.as_str() {
                assert_eq!(entries.position_str(s, k.hash()), Some(i));
            }
        }
    }

    #[test]
    fn entries_behave_as_a_linked_hash_map_over_random_operations() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..300 {
            // Small universes stay around the threshold; large ones cross it and come back.
            let universe = [6, 12, 20, 40, 80][round % 5];
            let mut entries = Entries::default();
            let mut model = Model::default();
            for step in 0..400 {
                let k = key(&mut rng, universe);
                // Phases that mostly grow and mostly shrink, so the size crosses SMALL_MAP both ways.
                let growing = (step / 50) % 2 == 0;
                match rng.below(10) {
                    0..=4 if growing => {
                        let v = Value::Int(step);
                        let (got, want) = (entries.insert(k.clone(), v.clone()), model.put(k, v));
                        assert!(same_value(got.as_ref(), want.as_ref()));
                    }
                    0..=5 => {
                        let (got, want) = (entries.shift_remove(&k), model.remove(&k));
                        assert!(same_value(got.as_ref(), want.as_ref()));
                    }
                    6 if growing => {
                        let v = Value::Int(-step);
                        let (got, want) = (entries.insert(k.clone(), v.clone()), model.put(k, v));
                        assert!(same_value(got.as_ref(), want.as_ref()));
                    }
                    6 | 7 => assert!(same_value(entries.get(&k), model.at(&k).map(|i| &model.0[i].1))),
                    8 => assert_eq!(entries.position(&k), model.at(&k)),
                    _ if step % 97 == 0 => {
                        entries.clear();
                        model.0.clear();
                    }
                    _ => {
                        let copy = entries.clone();
                        check(&copy, &model);
                    }
                }
                check(&entries, &model);
            }
        }
    }

    #[test]
    fn entries_built_in_one_go_are_the_entries_put_one_by_one() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..2000 {
            let universe = [4, 10, 30, 200][round % 4];
            let len = rng.below(3 * SMALL_MAP as u64);
            let items: Vec<(Key, Value)> = (0..len)
                .map(|i| (key(&mut rng, universe), Value::Int(i as i32)))
                .collect();
            let mut model = Model::default();
            for (k, v) in items.clone() {
                model.put(k, v);
            }
            let entries = Entries::from_vec(items);
            check(&entries, &model);
        }
    }
}
