//! Renders a template with the stock Velocity 1.7 profile.
//!
//! `cargo run -p tollgate-vtl --example render -- TEMPLATE.vm [VARS.json]`: VARS.json's keys become context
//! variables (objects → LinkedHashMap, arrays → ArrayList, integers → Integer or Long, other numbers →
//! Double). Writes exactly the rendered bytes to stdout; on error, a caret report on stderr and exit 1.

use std::io::Write as _;
use std::process::ExitCode;

use tollgate_vtl::{Engine, Map, Value, VarsHost};

fn json_to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::integer(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(json_to_value)),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.as_str(), json_to_value(v)))),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: render TEMPLATE.vm [VARS.json]");
        return ExitCode::from(2);
    };
    let source = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let vars = Map::new();
    if let Some(json_path) = args.get(1) {
        let parsed = std::fs::read(json_path)
            .map_err(|e| e.to_string())
            .map(|b| {
                // serde_json reads the integer `-0` as the double -0.0; Velocity's harness sees Integer 0.
                let text = String::from_utf8_lossy(&b).into_owned();
                match regex::Regex::new(r"([:\[,]\s*)-0([\s,}\]])") {
                    Ok(re) => re.replace_all(&text, "${1}0${2}").into_owned(),
                    Err(_) => text,
                }
            })
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(serde_json::Value::Object(o)) => {
                for (k, v) in &o {
                    if !v.is_null() {
                        vars.insert(k.as_str(), json_to_value(v));
                    }
                }
            }
            Ok(_) => {
                eprintln!("{json_path}: expected a JSON object");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("{json_path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
    let template = match Engine::new().compile(&name, &source) {
        Ok(t) => t,
        Err(errors) => {
            eprint!("{}", errors.report());
            return ExitCode::from(1);
        }
    };
    let mut out = String::new();
    let result = template.render_into(&VarsHost::new(vars), &mut out);
    let _ = std::io::stdout().write_all(out.as_bytes());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", e.report());
            ExitCode::from(1)
        }
    }
}
