//! `Double.toString` layout, for the numbers a Lambda authorizer puts in its context.
//!
//! Jackson writes a `Double` with `Double.toString`: plain decimal with at least one fractional digit for
//! magnitudes in [10⁻³, 10⁷) (`1.0`, `0.001`, `123.456`), otherwise computerized scientific notation
//! (`1.0E7`, `1.234E-5`). The digits are the shortest that round-trip (JDK 19 and later). Non-finite values
//! are written as strings, Jackson's default for `NaN` and infinities.

use std::io::Write as _;

/// Appends `value` as Java (through Jackson) writes a `double`.
pub(crate) fn write_java_double(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"\"Infinity\"" } else { b"\"-Infinity\"" });
        return;
    }
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let value = value.abs();
    if value == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d[.ddd]e[-]x`.
    let mut buffer = [0u8; 40];
    let mut cursor = std::io::Cursor::new(&mut buffer[..]);
    if write!(cursor, "{value:e}").is_err() {
        return;
    }
    let len = cursor.position() as usize;
    let text = &buffer[..len];
    let Some(e) = text.iter().position(|&b| b == b'e') else {
        return;
    };
    let exponent: i32 = std::str::from_utf8(&text[e + 1..])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut digits = [0u8; 32];
    let mut count = 0;
    for &byte in text[..e].iter().filter(|b| b.is_ascii_digit()) {
        if let Some(slot) = digits.get_mut(count) {
            *slot = byte;
            count += 1;
        }
    }
    let digits = &digits[..count];
    if (-3..7).contains(&exponent) {
        if exponent < 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
            out.extend_from_slice(digits);
        } else {
            let int_len = exponent as usize + 1;
            for i in 0..int_len {
                out.push(digits.get(i).copied().unwrap_or(b'0'));
            }
            out.push(b'.');
            match digits.get(int_len..) {
                Some(fraction) if !fraction.is_empty() => out.extend_from_slice(fraction),
                _ => out.push(b'0'),
            }
        }
    } else {
        out.push(digits.first().copied().unwrap_or(b'0'));
        out.push(b'.');
        match digits.get(1..) {
            Some(fraction) if !fraction.is_empty() => out.extend_from_slice(fraction),
            _ => out.push(b'0'),
        }
        out.push(b'E');
        out.extend_from_slice(itoa::Buffer::new().format(exponent).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn java(value: f64) -> String {
        let mut out = Vec::new();
        write_java_double(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_double_to_string() {
        // Expected strings are Java's `Double.toString` results.
        assert_eq!(java(1.0), "1.0");
        assert_eq!(java(1.5), "1.5");
        assert_eq!(java(-0.0), "-0.0");
        assert_eq!(java(0.001), "0.001");
        assert_eq!(java(0.0001), "1.0E-4");
        assert_eq!(java(123.456), "123.456");
        assert_eq!(java(1_000_000.0), "1000000.0");
        assert_eq!(java(10_000_000.0), "1.0E7");
        assert_eq!(java(1.234e-5), "1.234E-5");
        assert_eq!(java(-2.5e20), "-2.5E20");
        assert_eq!(java(f64::NAN), "\"NaN\"");
        assert_eq!(java(f64::NEG_INFINITY), "\"-Infinity\"");
    }
}
