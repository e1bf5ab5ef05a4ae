//! `cargo xtask codegen [--check]`: regenerates the files derived from data files.
//!
//! * `crates/tollgate-mapping/spec/context-variables.toml` → `crates/tollgate-mapping/src/context/generated.rs`
//!   (the variable table and the recorded `keySet()` orders) and `docs/context-variables.md`.
//!
//! With `--check` nothing is written; a stale file is an error. The same check runs as a plain `#[test]`.
//! The data file is a small TOML subset (top-level string arrays, `[[variable]]` tables of strings and string
//! arrays), read here by hand so xtask needs no TOML dependency.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context as _, bail};

use crate::util::workspace_root;

const CONTEXT_DATA: &str = "crates/tollgate-mapping/spec/context-variables.toml";
const CONTEXT_RUST: &str = "crates/tollgate-mapping/src/context/generated.rs";
const CONTEXT_DOCS: &str = "docs/context-variables.md";

/// Where a variable can be used: the data file's words and the Rust constants they become.
const AVAILABILITY: &[(&str, &str, &str)] = &[
    ("request-template", "REQUEST_TEMPLATE", "request template"),
    ("response-template", "RESPONSE_TEMPLATE", "response template"),
    ("gateway-response", "GATEWAY_RESPONSE", "gateway response"),
    ("parameter-mapping", "PARAMETER_MAPPING", "parameter mapping"),
    ("access-log", "ACCESS_LOG", "access log"),
    ("authorizer", "AUTHORIZER", "authorizer"),
];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask codegen [--check]"),
    };
    generate(&workspace_root(), check)
}

fn generate(root: &Path, check: bool) -> anyhow::Result<()> {
    let text = fs::read_to_string(root.join(CONTEXT_DATA)).with_context(|| format!("reading {CONTEXT_DATA}"))?;
    let mut data = parse(&text).with_context(|| format!("in {CONTEXT_DATA}"))?;
    data.variables.sort_by(|a, b| {
        string(a, "name")
            .unwrap_or_default()
            .cmp(string(b, "name").unwrap_or_default())
    });
    let mut stale = Vec::new();
    let rust = reformat(root, &context_rust(&data)?)?;
    for (path, contents) in [(CONTEXT_RUST, rust), (CONTEXT_DOCS, context_docs(&data))] {
        let full = root.join(path);
        let current = fs::read_to_string(&full).unwrap_or_default();
        if current == contents {
            continue;
        }
        if check {
            stale.push(path);
        } else {
            fs::write(&full, contents).with_context(|| format!("writing {path}"))?;
            eprintln!("codegen: wrote {path}");
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale generated file(s): {}; run `cargo xtask codegen` and commit",
            stale.join(", ")
        );
    }
    Ok(())
}

/// Formats generated Rust with the workspace's rustfmt settings, so `cargo fmt --check` accepts it.
fn reformat(root: &Path, text: &str) -> anyhow::Result<String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    child
        .stdin
        .take()
        .context("rustfmt stdin")?
        .write_all(text.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("rustfmt failed on generated code");
    }
    String::from_utf8(output.stdout).context("rustfmt output")
}

#[derive(Debug, Default)]
struct Data {
    /// Top-level `key = [..]` arrays.
    arrays: Vec<(String, Vec<String>)>,
    variables: Vec<Table>,
}

type Table = Vec<(String, Value)>;

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Array(Vec<String>),
}

impl Data {
    fn array(&self, key: &str) -> anyhow::Result<&[String]> {
        self.arrays
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
            .with_context(|| format!("missing top-level `{key}`"))
    }
}

fn field<'a>(table: &'a Table, key: &str) -> anyhow::Result<&'a Value> {
    table
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .with_context(|| format!("a variable lacks `{key}`"))
}

fn string<'a>(table: &'a Table, key: &str) -> anyhow::Result<&'a str> {
    match field(table, key)? {
        Value::Str(s) => Ok(s),
        Value::Array(_) => bail!("`{key}` must be a string"),
    }
}

fn strings<'a>(table: &'a Table, key: &str) -> anyhow::Result<&'a [String]> {
    match field(table, key)? {
        Value::Array(items) => Ok(items),
        Value::Str(_) => bail!("`{key}` must be an array of strings"),
    }
}

fn parse(text: &str) -> anyhow::Result<Data> {
    let mut data = Data::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = || format!("line {}", number + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[variable]]" {
            data.variables.push(Vec::new());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bail!("{}: expected `key = value` or `[[variable]]`", at());
        };
        let key = key.trim().to_owned();
        let value = parse_value(value.trim()).with_context(at)?;
        match (data.variables.last_mut(), value) {
            (Some(table), value) => {
                if table.iter().any(|(k, _)| *k == key) {
                    bail!("{}: `{key}` given twice", at());
                }
                table.push((key, value));
            }
            (None, Value::Array(items)) => data.arrays.push((key, items)),
            (None, Value::Str(_)) => bail!("{}: top-level values must be arrays", at()),
        }
    }
    Ok(data)
}

fn parse_value(text: &str) -> anyhow::Result<Value> {
    if let Some(inner) = text.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            bail!("an array must end on its line with `]`")
        };
        let mut items = Vec::new();
        let mut rest = inner.trim();
        while !rest.is_empty() {
            let (item, after) = parse_string(rest)?;
            items.push(item);
            rest = after.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
        return Ok(Value::Array(items));
    }
    let (s, after) = parse_string(text)?;
    if !after.trim().is_empty() {
        bail!("unexpected text after a string: `{after}`");
    }
    Ok(Value::Str(s))
}

/// A TOML basic string at the start of `text`; returns it and the rest.
fn parse_string(text: &str) -> anyhow::Result<(String, &str)> {
    let Some(body) = text.strip_prefix('"') else {
        bail!("expected a \"string\", found `{text}`")
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => bail!("unsupported escape `\\{other}`"),
                None => bail!("unterminated string"),
            },
            _ => out.push(c),
        }
    }
    bail!("unterminated string")
}

fn availability_consts(words: &[String]) -> anyhow::Result<String> {
    let mut consts = Vec::new();
    for word in words {
        let Some((_, name, _)) = AVAILABILITY.iter().find(|(w, _, _)| w == word) else {
            bail!("unknown availability `{word}`");
        };
        consts.push(format!("Availability::{name}"));
    }
    let Some((first, rest)) = consts.split_first() else {
        return Ok("Availability::NONE".to_owned());
    };
    Ok(rest.iter().fold(first.clone(), |acc, c| format!("{acc}.with({c})")))
}

fn context_rust(data: &Data) -> anyhow::Result<String> {
    let mut out = String::new();
    out.push_str("// @generated by `cargo xtask codegen` from crates/tollgate-mapping/spec/context-variables.toml.\n");
    out.push_str("// Do not edit by hand.\n\n");
    out.push_str("//! The `$context` variables and recorded orders, generated from `spec/context-variables.toml`.\n\n");
    out.push_str("use super::{Availability, ContextVariable};\n\n");
    for (key, doc) in [
        (
            "keyset",
            "`$context.keySet()` as recorded on AWS (without an authorizer).",
        ),
        ("identity_keyset", "`$context.identity.keySet()` as recorded on AWS."),
    ] {
        let _ = writeln!(out, "/// {doc}");
        let _ = writeln!(out, "pub(crate) const {}: &[&str] = &[", key.to_uppercase());
        for name in data.array(key)? {
            let _ = writeln!(out, "    {name:?},");
        }
        out.push_str("];\n\n");
    }
    out.push_str("/// Every documented `$context` variable, sorted by name.\n");
    out.push_str("pub const VARIABLES: &[ContextVariable] = &[\n");
    for table in &data.variables {
        let _ = writeln!(out, "    ContextVariable {{");
        let _ = writeln!(out, "        name: {:?},", string(table, "name")?);
        let _ = writeln!(out, "        java_type: {:?},", string(table, "type")?);
        let _ = writeln!(
            out,
            "        available: {},",
            availability_consts(strings(table, "available")?)?
        );
        let _ = writeln!(out, "        description: {:?},", string(table, "description")?);
        let _ = writeln!(out, "        example: {:?},", string(table, "example")?);
        let _ = writeln!(out, "        source: {:?},", string(table, "source")?);
        let _ = writeln!(out, "    }},");
    }
    out.push_str("];\n");
    Ok(out)
}

fn context_docs(data: &Data) -> String {
    let mut out = String::new();
    out.push_str("<!-- @generated by `cargo xtask codegen` from crates/tollgate-mapping/spec/context-variables.toml; ");
    out.push_str("do not edit by hand. -->\n\n");
    out.push_str("# `$context` variables\n\n");
    out.push_str(
        "Every `$context` variable of Amazon API Gateway REST APIs that Tollgate knows, where it can be used, ",
    );
    out.push_str("and where the fact comes from (`DG/` = the API Gateway developer guide, ");
    out.push_str("`REC/` = LocalStack's snapshots recorded against AWS).\n\n");
    out.push_str("| variable | type | available in | description | example | source |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for table in &data.variables {
        let cell = |key: &str| string(table, key).unwrap_or_default().replace('|', "\\|");
        let available: Vec<&str> = strings(table, "available")
            .unwrap_or_default()
            .iter()
            .filter_map(|w| {
                AVAILABILITY
                    .iter()
                    .find(|(word, _, _)| word == w)
                    .map(|(_, _, label)| *label)
            })
            .collect();
        let _ = writeln!(
            out,
            "| `$context.{}` | {} | {} | {} | `{}` | {} |",
            cell("name"),
            cell("type"),
            available.join(", "),
            cell("description"),
            cell("example").replace('`', "'"),
            cell("source"),
        );
    }
    for (key, title) in [
        ("keyset", "`$context.keySet()`"),
        ("identity_keyset", "`$context.identity.keySet()`"),
    ] {
        let names = data.array(key).unwrap_or_default();
        let _ = write!(out, "\n{title} order, as recorded on AWS:\n\n");
        let _ = writeln!(out, "```text\n{}\n```", names.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_files_are_fresh() {
        if let Err(err) = super::generate(&crate::util::workspace_root(), true) {
            panic!("{err:#}");
        }
    }
}
