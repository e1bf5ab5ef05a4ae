//! Values a Lambda authorizer returns in `context`, as templates and the proxy event see them.

use std::fmt::Write as _;

/// One `context` value. AWS allows strings, numbers and booleans only (DG/api-gateway-lambda-authorizer-output:
/// "you cannot set a JSON object or array as a valid value of any key in the context map").
///
/// The variants mirror `tollgate-lambda-event`'s `AuthorizerValue`, so the proxy event keeps the JSON type
/// (`requestContext.authorizer.numberKey` is `123`, not `"123"`).
#[derive(Debug, Clone, PartialEq)]
pub enum ContextValue {
    /// A string.
    String(String),
    /// An integer that fits `i64`.
    Integer(i64),
    /// Any other number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl ContextValue {
    /// The value as `$context.authorizer.KEY` renders it: "the returned values are all stringified"
    /// (`123` → `"123"`, `true` → `"true"`; DG/api-gateway-lambda-authorizer-output). Non-integers take
    /// Java's `Double.toString` form (`1.5`, `1.0E7`), the JVM's rendering of a JSON double.
    #[must_use]
    pub fn to_context_string(&self) -> String {
        match self {
            ContextValue::String(text) => text.clone(),
            ContextValue::Integer(number) => number.to_string(),
            ContextValue::Float(number) => java_double(*number),
            ContextValue::Bool(flag) => flag.to_string(),
        }
    }
}

/// Java's `Double.toString`: plain decimal with at least one fractional digit for magnitudes in [10⁻³, 10⁷),
/// otherwise `d.dddE±x`; shortest round-trip digits (JDK 19+).
#[must_use]
pub fn java_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    let value = value.abs();
    if value == 0.0 {
        out.push_str("0.0");
        return out;
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-3..7).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            for _ in 0..(-exponent - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = usize::try_from(exponent).unwrap_or(0) + 1;
            let mut chars = digits.chars();
            for _ in 0..int_len {
                out.push(chars.next().unwrap_or('0'));
            }
            out.push('.');
            let rest: String = chars.collect();
            out.push_str(if rest.is_empty() { "0" } else { &rest });
        }
    } else {
        let mut chars = digits.chars();
        out.push(chars.next().unwrap_or('0'));
        out.push('.');
        let rest: String = chars.collect();
        out.push_str(if rest.is_empty() { "0" } else { &rest });
        let _ = write!(out, "E{exponent}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::java_double;

    #[test]
    fn java_double_layout() {
        // Expected strings are what `Double.toString` prints on JDK 21.
        for (value, expected) in [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (9_999_999.0, "9999999.0"),
            (123.456, "123.456"),
            (-2.5e-5, "-2.5E-5"),
            (1.2345678e10, "1.2345678E10"),
            (0.0, "0.0"),
        ] {
            assert_eq!(java_double(value), expected, "{value}");
        }
    }
}
