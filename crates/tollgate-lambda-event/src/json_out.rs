//! JSON output with the escaping AWS's serializer applies.
//!
//! API Gateway writes the proxy event with a Java JSON library whose escaping is Jackson's default, as the
//! execution logs show (`"Accept":"application/json, text/plain, */*"`, `"extendedRequestId":"Nuw3WEcbtjMF3RA="`):
//! `"` and `\` are escaped, `\b \t \n \f \r` use their short forms, every other character below U+0020 becomes
//! `\u00XX` with **uppercase** hex digits, and everything else, `/` and non-ASCII included, is written as is.
//! serde_json differs in the hex case (`\u001f`), so the crate writes its own strings.
//!
//! Speed matters because bodies are mostly JSON, full of quotes: strings are scanned eight bytes at a time,
//! clean prefixes are copied in one piece, and escaped text goes through a stack buffer.

/// What to write for each ASCII byte: 0 = as is, `b'u'` = `\u00XX`, otherwise the letter after `\`.
const ESCAPE: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` as a JSON string literal, quotes included.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_str_content(out, s);
    out.push(b'"');
}

/// Appends the escaped content of `s` without quotes.
pub(crate) fn write_str_content(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escape at all: find the clean prefix a word at a time and copy it in one piece.
    let clean = clean_prefix_len(bytes);
    out.extend_from_slice(&bytes[..clean]);
    if clean < bytes.len() {
        write_escaped(out, &bytes[clean..]);
    }
}

/// The length of the longest prefix that needs no escape, found a word at a time. The same bytes are the plain
/// run of a JSON string being read (no quote, backslash or control character), so the reader scans with it too.
pub(crate) fn clean_prefix_len(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = word_at(bytes, i) {
        let mask = special_mask(word);
        if mask != 0 {
            // The mask is exact per byte: its lowest set bit is the first byte that needs escaping.
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i < bytes.len()
        && let Some(last) = bytes.len().checked_sub(8)
        && let Some(word) = word_at(bytes, last)
    {
        // The tail as the last eight bytes, overlapping words already found clean (their bits are clear).
        let mask = special_mask(word);
        return if mask == 0 {
            bytes.len()
        } else {
            last + (mask.trailing_zeros() / 8) as usize
        };
    }
    while bytes.get(i).is_some_and(|&byte| escape_of(byte) == 0) {
        i += 1;
    }
    i
}

/// The eight bytes at `i` as a little-endian word, if there are eight.
fn word_at(bytes: &[u8], i: usize) -> Option<u64> {
    let chunk = bytes.get(i..i + 8)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

fn escape_of(byte: u8) -> u8 {
    ESCAPE.get(usize::from(byte)).copied().unwrap_or(0)
}

/// Bit 7 of each byte of `word` is set exactly when that byte needs escaping: below 0x20, a quote or a
/// backslash. Each test adds at most 0x7F + 0x7F within a byte, so no carry crosses into the next byte.
fn special_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let is_zero = |x: u64| !(((x & LOW7) + LOW7) | x) & HIGH;
    let below_space = !(((word & LOW7) + ONES * 0x60) | word) & HIGH;
    below_space | is_zero(word ^ (ONES * u64::from(b'"'))) | is_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Bytes staged on the stack between copies into the output. One word adds at most 8 × 6 bytes, and copies
/// store a whole word even when fewer of its bytes count, so a step needs 56 free bytes.
const STAGE: usize = 512;
const MAX_STEP: usize = 56;

/// Escapes `bytes` through a stack buffer, so an escape costs a few stores rather than a copy call.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut stage = [0u8; STAGE];
    let mut len = 0;
    let mut i = 0;
    while i < bytes.len() {
        if len > STAGE - MAX_STEP {
            out.extend_from_slice(&stage[..len]);
            len = 0;
        }
        let Some(word) = word_at(bytes, i) else {
            len = stage_byte(&mut stage, len, bytes[i]);
            i += 1;
            continue;
        };
        let mut mask = special_mask(word);
        let mut from = 0;
        while mask != 0 {
            let at = (mask.trailing_zeros() / 8) as usize;
            // The plain bytes `from..at`: store the word shifted down and count only those bytes.
            stage[len..len + 8].copy_from_slice(&(word >> (8 * from)).to_le_bytes());
            len += at - from;
            len = stage_byte(&mut stage, len, (word >> (8 * at)) as u8);
            from = at + 1;
            mask &= mask - 1;
        }
        if from < 8 {
            stage[len..len + 8].copy_from_slice(&(word >> (8 * from)).to_le_bytes());
            len += 8 - from;
        }
        i += 8;
    }
    out.extend_from_slice(&stage[..len]);
}

/// Stages one byte, escaped as needed; returns the new staged length (at most `len + 6`).
#[inline(always)]
fn stage_byte(stage: &mut [u8; STAGE], len: usize, byte: u8) -> usize {
    match escape_of(byte) {
        0 => {
            stage[len] = byte;
            len + 1
        }
        b'u' => {
            let hex = [HEX_UPPER[usize::from(byte >> 4)], HEX_UPPER[usize::from(byte & 0x0F)]];
            stage[len..len + 6].copy_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
            len + 6
        }
        escape => {
            stage[len..len + 2].copy_from_slice(&[b'\\', escape]);
            len + 2
        }
    }
}

/// Appends `bytes` as a JSON string literal, replacing each ill-formed UTF-8 sequence with U+FFFD the way a
/// Java UTF-8 decoder does (one replacement per maximal ill-formed subpart, as `String::from_utf8_lossy`).
pub(crate) fn write_lossy_utf8(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    match std::str::from_utf8(bytes) {
        Ok(text) => write_str_content(out, text),
        Err(_) => {
            for chunk in bytes.utf8_chunks() {
                write_str_content(out, chunk.valid());
                if !chunk.invalid().is_empty() {
                    out.extend_from_slice("\u{FFFD}".as_bytes());
                }
            }
        }
    }
    out.push(b'"');
}

/// Appends `value` or `null`.
pub(crate) fn write_opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => write_str(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `"key":`.
pub(crate) fn write_key(out: &mut Vec<u8>, key: &str) {
    write_str(out, key);
    out.push(b':');
}

/// Appends `"key":` for one of the event's own field names, which need no escaping: no scan for escapes.
pub(crate) fn write_field(out: &mut Vec<u8>, key: &'static str) {
    debug_assert_eq!(clean_prefix_len(key.as_bytes()), key.len(), "{key}");
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends an integer.
pub(crate) fn write_int(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    /// The rules, one character at a time.
    fn reference(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn slash_equals_and_non_ascii_stay_as_is() {
        assert_eq!(escaped("*/*"), r#""*/*""#);
        assert_eq!(escaped("Nuw3WEcbtjMF3RA="), r#""Nuw3WEcbtjMF3RA=""#);
        assert_eq!(escaped("héllo €"), "\"héllo €\"");
        assert_eq!(escaped("\u{2028}\u{7f}"), "\"\u{2028}\u{7f}\"");
    }

    #[test]
    fn control_characters_use_short_forms_or_uppercase_hex() {
        assert_eq!(escaped("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(escaped("\u{8}\t\n\u{c}\r"), r#""\b\t\n\f\r""#);
        assert_eq!(escaped("\u{0}\u{1f}\u{b}"), r#""\u0000\u001F\u000B""#);
    }

    #[test]
    fn the_word_mask_agrees_with_the_table_for_every_byte() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                let mut word = *b"abcdefgh";
                word[position] = byte;
                let mask = special_mask(u64::from_le_bytes(word));
                let expected = if escape_of(byte) != 0 {
                    0x80u64 << (8 * position)
                } else {
                    0
                };
                assert_eq!(mask, expected, "{byte:#x} at {position}");
            }
        }
        let all = special_mask(u64::from_le_bytes([0, b'"', b'\\', 0x1f, 0x20, 0x80, 0xa2, 0xdc]));
        assert_eq!(all, 0x0000_0000_8080_8080);
    }

    /// The clean prefix ends exactly at the first byte that needs escaping, for every length (whole words, an
    /// overlapping last word, short strings) and every position of that byte.
    #[test]
    fn the_clean_prefix_ends_at_the_first_special_byte() {
        for len in 0..40 {
            let plain = vec![b'x'; len];
            assert_eq!(clean_prefix_len(&plain), len);
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut bytes = plain.clone();
                    bytes[at] = special;
                    if at + 1 < len {
                        bytes[len - 1] = b'"';
                    }
                    assert_eq!(clean_prefix_len(&bytes), at, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_reference_on_long_and_dense_strings() {
        let pieces = [
            "\"",
            "\\",
            "\u{1}",
            "\n",
            "a",
            "é",
            "€",
            "😀",
            "/",
            "abcdefgh",
            "\u{1f}\u{1f}\u{1f}",
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for length in 0..400 {
            let mut text = String::new();
            for _ in 0..length {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            assert_eq!(escaped(&text), reference(&text), "{text:?}");
        }
        // Past the stage buffer, all escapes: several flushes.
        let dense = "\u{1}".repeat(1000);
        assert_eq!(escaped(&dense), reference(&dense));
    }

    #[test]
    fn lossy_bytes_replace_each_maximal_ill_formed_subpart() {
        let mut out = Vec::new();
        write_lossy_utf8(&mut out, b"a\xFFb\xE2\x82c\xF0\x9F\x98\x80");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\u{FFFD}b\u{FFFD}c😀\"");
    }
}
