//! Grouping of repeated names (headers, query parameters) without a map and, for the usual sizes, without
//! allocating: indices are sorted in a stack buffer, equal names end up in runs.

use std::cmp::Ordering;

/// How groups are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupOrder {
    /// In the order of the sort comparator (a Java `TreeMap`).
    Sorted,
    /// In the order each name first appears (a Java `LinkedHashMap`).
    FirstAppearance,
}

/// Items up to this count are grouped in a stack buffer; more allocate once.
const STACK_ITEMS: usize = 64;

/// Sorts `len` items by `compare` (stable: equal items keep input order), splits them into runs of equal items
/// and calls `emit` with the groups in `order`. Each group lists item indices in input order.
pub(crate) fn with_groups<R>(
    len: usize,
    compare: impl Fn(usize, usize) -> Ordering,
    order: GroupOrder,
    emit: impl FnOnce(&Groups<'_>) -> R,
) -> R {
    // Layout: [sorted indices; len] [run (start, end) pairs; 2 * len].
    if len <= STACK_ITEMS {
        let mut buffer = [0u32; 3 * STACK_ITEMS];
        group_in(&mut buffer[..3 * len], len, compare, order, emit)
    } else {
        let mut buffer = vec![0u32; 3 * len];
        group_in(&mut buffer, len, compare, order, emit)
    }
}

fn group_in<R>(
    buffer: &mut [u32],
    len: usize,
    compare: impl Fn(usize, usize) -> Ordering,
    order: GroupOrder,
    emit: impl FnOnce(&Groups<'_>) -> R,
) -> R {
    let (sorted, runs) = buffer.split_at_mut(len);
    for (slot, index) in sorted.iter_mut().zip(0u32..) {
        *slot = index;
    }
    sorted.sort_by(|&a, &b| compare(a as usize, b as usize));
    let mut run_count = 0;
    let mut start = 0;
    while start < len {
        let mut end = start + 1;
        while end < len && compare(sorted[start] as usize, sorted[end] as usize) == Ordering::Equal {
            end += 1;
        }
        runs[2 * run_count] = start as u32;
        runs[2 * run_count + 1] = end as u32;
        run_count += 1;
        start = end;
    }
    let runs = &mut runs[..2 * run_count];
    if order == GroupOrder::FirstAppearance {
        // The stable sort put each run's first appearance at its start; runs has an even length.
        let (pairs, _) = runs.as_chunks_mut::<2>();
        pairs.sort_unstable_by_key(|&[start, _]| sorted[start as usize]);
    }
    emit(&Groups { sorted, runs })
}

/// Runs of equal items, see [`with_groups`].
#[derive(Debug)]
pub(crate) struct Groups<'s> {
    sorted: &'s [u32],
    runs: &'s [u32],
}

impl Groups<'_> {
    /// Each group's item indices, in input order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.runs
            .chunks_exact(2)
            .map(|run| &self.sorted[run[0] as usize..run[1] as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str], order: GroupOrder) -> Vec<Vec<u32>> {
        with_groups(
            names.len(),
            |a, b| names[a].cmp(names[b]),
            order,
            |groups| groups.iter().map(<[u32]>::to_vec).collect(),
        )
    }

    #[test]
    fn sorted_and_first_appearance() {
        let names = ["b", "a", "b", "c", "a"];
        assert_eq!(
            groups(&names, GroupOrder::Sorted),
            vec![vec![1, 4], vec![0, 2], vec![3]]
        );
        assert_eq!(
            groups(&names, GroupOrder::FirstAppearance),
            vec![vec![0, 2], vec![1, 4], vec![3]]
        );
        assert!(groups(&[], GroupOrder::Sorted).is_empty());
    }

    #[test]
    fn large_inputs_allocate_and_still_group() {
        let names: Vec<String> = (0..200).map(|i| format!("k{}", i % 7)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let result = groups(&names, GroupOrder::FirstAppearance);
        assert_eq!(result.len(), 7);
        assert_eq!(result[0][..3], [0, 7, 14]);
        assert_eq!(result[6][0], 6);
    }
}
