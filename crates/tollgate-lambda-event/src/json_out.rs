//! JSON output with the escaping AWS's serializer applies.
//!
//! API Gateway writes the proxy event with a Java JSON library whose escaping is Jackson's default, as the
//! execution logs show (`"Accept":"application/json, text/plain, */*"`, `"extendedRequestId":"Nuw3WEcbtjMF3RA="`):
//! `"` and `\` are escaped, `\b \t \n \f \r` use their short forms, every other character below U+0020 becomes
//! `\u00XX` with **uppercase** hex digits, and everything else, `/` and non-ASCII included, is written as is.
//! serde_json differs in the hex case (`\u001f`), so the crate writes its own strings.

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
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = match ESCAPE.get(usize::from(byte)) {
            Some(&escape) if escape != 0 => escape,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        out.push(b'\\');
        out.push(escape);
        if escape == b'u' {
            out.extend_from_slice(b"00");
            out.push(HEX_UPPER[usize::from(byte >> 4)]);
            out.push(HEX_UPPER[usize::from(byte & 0x0F)]);
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `bytes` as a JSON string literal, replacing each ill-formed UTF-8 sequence with U+FFFD the way a
/// Java UTF-8 decoder does (one replacement per maximal ill-formed subpart, as `String::from_utf8_lossy`).
pub(crate) fn write_lossy_utf8(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        write_str_content(out, chunk.valid());
        if !chunk.invalid().is_empty() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
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
    fn lossy_bytes_replace_each_maximal_ill_formed_subpart() {
        let mut out = Vec::new();
        write_lossy_utf8(&mut out, b"a\xFFb\xE2\x82c\xF0\x9F\x98\x80");
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\u{FFFD}b\u{FFFD}c😀\"");
    }
}
