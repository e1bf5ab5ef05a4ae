//! Test inputs for the word-at-a-time scans: short byte texts drawn from an alphabet of the bytes a scan must stop
//! at and the bytes it must pass, mostly plain text (`x`) so that stops fall at every position within a word.

/// `count` texts of 0–39 bytes, reproducible from `seed` (xorshift). Each byte is one of `alphabet` with
/// probability `alphabet.len() / spread`, else `x`.
pub(crate) fn random_texts(alphabet: &[u8], seed: u64, spread: u64, count: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed;
    (0..count).map(move |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 40) as usize;
        (0..len)
            .map(|i| {
                let pick = (state.rotate_left(i as u32 * 5) % spread) as usize;
                alphabet.get(pick).copied().unwrap_or(b'x')
            })
            .collect()
    })
}
