//! Golden cases rendered by Apache Velocity 1.7 itself (`tests/golden/`, see its README): every case must
//! render the same bytes with the stock profile, or fail in the same phase (and, for parse errors, on the same
//! line). Known divergences are pinned in `tests/golden-divergences.txt` with a reason; such a case must still
//! diverge, so a fix is noticed and the pin removed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tollgate_vtl::{Engine, Map, Phase, Value, VarsHost};

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

/// Velocity's (JavaCC's) position of byte `offset`: 1-based line; column in UTF-16 units, tabs to the next
/// multiple of 8 plus one.
fn java_line_col(source: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut col) = (1usize, 0usize);
    let mut prev_cr = false;
    for (i, c) in source.char_indices() {
        if i >= offset {
            break;
        }
        match c {
            '\n' if prev_cr => {}
            '\n' | '\r' => {
                line += 1;
                col = 0;
            }
            '\t' => col = (col / 8 + 1) * 8,
            c => col += c.len_utf16(),
        }
        prev_cr = c == '\r';
    }
    (line, col + 1)
}

enum Outcome {
    Rendered(String),
    Parse { line: usize, col: usize, message: String },
    Render(String),
}

fn run_case(vm: &Path) -> Result<Outcome, String> {
    let source = std::fs::read_to_string(vm).map_err(|e| format!("read: {e}"))?;
    let vars = Map::new();
    let json = vm.with_extension("json");
    if json.exists() {
        let text = std::fs::read_to_string(&json).map_err(|e| format!("read json: {e}"))?;
        // serde_json reads the integer `-0` as the double -0.0; the harness sees Integer 0.
        let minus_zero = regex::Regex::new(r"([:\[,]\s*)-0([\s,}\]])").map_err(|e| e.to_string())?;
        let text = minus_zero.replace_all(&text, "${1}0${2}");
        let parsed: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("json: {e}"))?;
        if let serde_json::Value::Object(o) = parsed {
            for (k, v) in &o {
                if !v.is_null() {
                    vars.insert(k.as_str(), json_to_value(v));
                }
            }
        }
    }
    let name = vm
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let template = match Engine::new().compile(&name, &source) {
        Ok(t) => t,
        Err(errors) => {
            let first = errors.first().ok_or("compile failed without an error")?;
            let offset = first.span().map_or(0, |s| s.start as usize);
            let (line, col) = java_line_col(&source, offset);
            return Ok(Outcome::Parse {
                line,
                col,
                message: errors.report(),
            });
        }
    };
    let host = VarsHost::new(vars);
    match template.render(&host) {
        Ok(out) => Ok(Outcome::Rendered(out)),
        Err(e) if e.phase() == Phase::Compile => {
            let offset = e.span().map_or(0, |s| s.start as usize);
            let (line, col) = java_line_col(&source, offset);
            Ok(Outcome::Parse {
                line,
                col,
                message: e.report(),
            })
        }
        Err(e) => Ok(Outcome::Render(e.report())),
    }
}

/// Checks one case; `Err` describes the mismatch.
fn check(vm: &Path) -> Result<(), String> {
    let outcome = run_case(vm)?;
    let out_file = vm.with_extension("out");
    let err_file = vm.with_extension("err");
    if out_file.exists() {
        let want = std::fs::read(&out_file).map_err(|e| format!("read out: {e}"))?;
        let want = String::from_utf8_lossy(&want).into_owned();
        return match outcome {
            Outcome::Rendered(got) if got == want => Ok(()),
            Outcome::Rendered(got) => Err(format!("output differs\n--- velocity\n{want:?}\n--- tollgate\n{got:?}")),
            Outcome::Parse { message, .. } | Outcome::Render(message) => {
                Err(format!("velocity rendered {want:?}; tollgate failed:\n{message}"))
            }
        };
    }
    let err = std::fs::read_to_string(&err_file).map_err(|e| format!("no .out and no .err: {e}"))?;
    let first = err.lines().next().unwrap_or("");
    if first == "render" {
        // Velocity fails while rendering; failing earlier (at compile time) is acceptable and stricter.
        return match outcome {
            Outcome::Render(_) | Outcome::Parse { .. } => Ok(()),
            Outcome::Rendered(got) => Err(format!("velocity failed to render; tollgate rendered {got:?}")),
        };
    }
    let mut want_line = None;
    for part in first.split_whitespace() {
        if let Some(l) = part.strip_prefix("line=") {
            want_line = l.parse::<usize>().ok();
        }
    }
    match outcome {
        Outcome::Parse { line, .. } if Some(line) == want_line => Ok(()),
        Outcome::Parse { line, col, message } => Err(format!(
            "velocity: `{first}`; tollgate: parse line={line} column={col}\n{message}"
        )),
        Outcome::Render(message) => Err(format!("velocity: `{first}`; tollgate failed at render:\n{message}")),
        Outcome::Rendered(got) => Err(format!("velocity: `{first}`; tollgate rendered {got:?}")),
    }
}

fn cases(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(groups) = std::fs::read_dir(root) else {
        return out;
    };
    for g in groups.flatten() {
        let Ok(files) = std::fs::read_dir(g.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "vm") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn divergences(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

#[test]
fn golden_cases_match_velocity() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let root = dir.join("golden");
    let pinned = divergences(&dir.join("golden-divergences.txt"));
    let all = cases(&root);
    assert!(!all.is_empty(), "no golden cases under {}", root.display());
    let (mut passed, mut failed, mut pinned_ok) = (0usize, 0usize, 0usize);
    let mut report = String::new();
    for vm in &all {
        let rel = vm.strip_prefix(&root).unwrap_or(vm).with_extension("");
        let id = rel.to_string_lossy().replace('\\', "/");
        let result = std::panic::catch_unwind(|| check(vm)).unwrap_or_else(|_| Err("panicked".to_owned()));
        match (result, pinned.get(&id)) {
            (Ok(()), None) => passed += 1,
            (Err(_), Some(_)) => pinned_ok += 1,
            (Ok(()), Some(reason)) => {
                failed += 1;
                let _ = writeln!(
                    report,
                    "FIXED {id} (pinned as: {reason}): remove it from golden-divergences.txt\n"
                );
            }
            (Err(why), None) => {
                failed += 1;
                let _ = writeln!(report, "FAIL {id}: {why}\n");
            }
        }
    }
    println!("{report}");
    println!("golden: {passed} passed, {failed} failed, {pinned_ok} pinned divergences");
    assert_eq!(failed, 0, "{failed} golden cases differ from Velocity 1.7 (see above)");
}

/// Velocity-rendered cases that are not yet part of `tests/golden/` (see `tests/golden-pending/README.md`).
#[test]
fn pending_golden_cases_match_velocity() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden-pending");
    let all = cases(&root);
    assert!(!all.is_empty(), "no pending cases under {}", root.display());
    let mut report = String::new();
    for vm in &all {
        if let Err(e) = check(vm) {
            let _ = writeln!(report, "{}: {e}\n", vm.display());
        }
    }
    assert!(report.is_empty(), "{report}");
}
