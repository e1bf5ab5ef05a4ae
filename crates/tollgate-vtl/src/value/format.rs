//! Java's `toString` forms: `AbstractCollection` (`[a, b]`), `AbstractMap` (`{k=v}`), `Double.toString`.

use super::{Key, Value};

/// Deeper nesting than this stops printing (Java would overflow its stack on a cyclic structure).
const MAX_PRINT_DEPTH: u32 = 256;

pub(super) fn write_value(v: &Value, out: &mut String, depth: u32) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Long(l) => out.push_str(itoa::Buffer::new().format(*l)),
        Value::BigInt(l) => out.push_str(itoa::Buffer::new().format(**l)),
        Value::Double(d) => write_double(*d, out),
        Value::Str(s) => out.push_str(s),
        Value::List(list) => {
            if depth >= MAX_PRINT_DEPTH {
                return;
            }
            out.push('[');
            // A level of scalars prints where it lies; any other level is copied first (see `is_scalar`).
            let (held, copied);
            let items: &[Value] = {
                let items = list.items();
                if items.iter().all(is_scalar) {
                    held = items;
                    &held
                } else {
                    copied = items.to_vec();
                    &copied
                }
            };
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
            let (held, copied);
            let entries: &[(Key, Value)] = {
                let entries = map.entries();
                if entries.iter().all(|(k, v)| is_scalar(&k.0) && is_scalar(v)) {
                    held = entries;
                    held.iter().as_slice()
                } else {
                    copied = entries.iter().cloned().collect::<Vec<_>>();
                    &copied
                }
            };
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                for (j, part) in [&k.0, val].into_iter().enumerate() {
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

/// Whether printing `v` runs no code but this module's: no collection (whose items are borrowed while they print)
/// and no host object (whose `toString` could reach a collection being printed). A level of scalars prints where
/// it lies; any other level is copied first, so nothing it runs meets a borrowed collection.
fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Map(_) | Value::Object(_))
}

pub(crate) use super::jdouble::write_double;

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
            // Java 8–18 digits (not the shortest).
            (1e23, "9.999999999999999E22"),
            (f64::from_bits(1), "4.9E-324"),
            (282879384806159008.0, "2.82879384806159008E17"),
            (9007199254740992.0, "9.007199254740992E15"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0 / 3.0, "33.333333333333336"),
            (1e-5, "1.0E-5"),
            (123.456, "123.456"),
            (f64::MAX, "1.7976931348623157E308"),
        ];
        for (d, want) in cases {
            assert_eq!(java(d), want, "{d}");
        }
    }
}
