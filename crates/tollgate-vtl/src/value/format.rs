//! Java's `toString` forms: `AbstractCollection` (`[a, b]`), `AbstractMap` (`{k=v}`), `Double.toString`.

use super::Value;

/// Deeper nesting than this stops printing (Java would overflow its stack on a cyclic structure).
const MAX_PRINT_DEPTH: u32 = 256;

pub(super) fn write_value(v: &Value, out: &mut String, depth: u32) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Long(l) => out.push_str(itoa::Buffer::new().format(*l)),
        Value::BigInt(l) => out.push_str(itoa::Buffer::new().format(*l)),
        Value::Double(d) => write_double(*d, out),
        Value::Str(s) => out.push_str(s),
        Value::List(list) => {
            if depth >= MAX_PRINT_DEPTH {
                return;
            }
            out.push('[');
            let items = list.to_vec();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match item {
                    Value::List(inner) if inner.ptr_eq(list) => out.push_str("(this Collection)"),
                    _ => write_value(item, out, depth + 1),
                }
            }
            out.push(']');
        }
        Value::Map(map) => {
            if depth >= MAX_PRINT_DEPTH {
                return;
            }
            out.push('{');
            let entries = map.to_vec();
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                for (j, part) in [k, val].into_iter().enumerate() {
                    if j == 1 {
                        out.push('=');
                    }
                    match part {
                        Value::Map(inner) if inner.ptr_eq(map) => out.push_str("(this Map)"),
                        _ => write_value(part, out, depth + 1),
                    }
                }
            }
            out.push('}');
        }
        Value::Object(o) => o.write_string(out),
        Value::Block(_) => out.push_str("org.apache.velocity.runtime.directive.Block$Reference"),
    }
}

/// `Double.toString(d)`: `1.0`, `0.001`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`.
pub(crate) fn write_double(d: f64, out: &mut String) {
    if d.is_nan() {
        out.push_str("NaN");
        return;
    }
    if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if d == 0.0 {
        out.push_str(if d.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let (digits, exp) = decompose(buf.format_finite(d.abs()));
    write_java_decimal(d.is_sign_negative(), &digits, exp, out);
}

/// Splits ryu's shortest form into significant digits and the decimal exponent of the first digit
/// (value = 0.d1d2… × 10^(exp+1), i.e. d1 sits at 10^exp).
fn decompose(s: &str) -> (Vec<u8>, i32) {
    let (mantissa, e) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let mut point = i32::try_from(int_part.len()).unwrap_or(0) + e; // digits before the decimal point
    while digits.first() == Some(&b'0') && digits.len() > 1 {
        digits.remove(0);
        point -= 1;
    }
    while digits.last() == Some(&b'0') && digits.len() > 1 {
        digits.pop();
    }
    (digits, point - 1)
}

fn write_java_decimal(negative: bool, digits: &[u8], exp: i32, out: &mut String) {
    if negative {
        out.push('-');
    }
    let push_digits = |out: &mut String, ds: &[u8]| out.extend(ds.iter().map(|&b| char::from(b)));
    if (-3..7).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            push_digits(out, digits);
        } else {
            let int_len = usize::try_from(exp + 1).unwrap_or(1);
            if digits.len() <= int_len {
                push_digits(out, digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                push_digits(out, &digits[..int_len]);
                out.push('.');
                push_digits(out, &digits[int_len..]);
            }
        }
    } else {
        push_digits(out, &digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            push_digits(out, &digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(itoa::Buffer::new().format(exp));
    }
}

#[cfg(test)]
mod tests {
    use super::write_double;

    fn java(d: f64) -> String {
        let mut s = String::new();
        write_double(d, &mut s);
        s
    }

    #[test]
    fn doubles_print_as_java_does() {
        // Expected strings are OpenJDK 17's Double.toString.
        let cases = [
            (1.0, "1.0"),
            (3.0, "3.0"),
            (-2.5, "-2.5"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (1e10, "1.0E10"),
            (1.0 / 3.0, "0.3333333333333333"),
            (123456.789, "123456.789"),
            (1.5e-5, "1.5E-5"),
            (100.0, "100.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0.0"),
            (1.2345678e20, "1.2345678E20"),
        ];
        for (d, want) in cases {
            assert_eq!(java(d), want, "{d}");
        }
    }
}
