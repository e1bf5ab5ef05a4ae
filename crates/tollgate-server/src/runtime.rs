//! `tollgate runtime node|python HANDLER`: Tollgate's own Lambda runtime clients.
//!
//! Each is one dependency-free source file (`runtimes/node.js`, `runtimes/python.py`) embedded in the binary. It
//! is written once to the cache directory under a name holding its content hash, and then this process `exec`s
//! the interpreter on it, so the process `tollgate serve` supervises (and kills on timeout) is the interpreter
//! itself. The scripts speak only the documented Lambda Runtime API, so the same file also works as a custom
//! runtime's `bootstrap` on AWS Lambda.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::UsageError;

pub(crate) const RUNTIME_USAGE: &str = "\
usage: tollgate runtime node|python HANDLER [--interpreter PATH]

Runs a Lambda function's handler on Tollgate's own runtime client (no npm or pip package, no native build),
for `tollgate serve --function NAME='tollgate runtime node handler.handler'`. It talks to the Lambda Runtime
API at AWS_LAMBDA_RUNTIME_API, which `tollgate serve` sets for its functions.

HANDLER is Lambda's handler string (it overrides _HANDLER), resolved against the current directory (Python
also looks in LAMBDA_TASK_ROOT; on Lambda both are the function's directory):
  node     FILE.EXPORT[.NESTED...]   FILE.js, .mjs or .cjs (CommonJS or ES module), e.g. src/app.handler
  python   MODULE.FUNCTION           e.g. handler.main or pkg.module.main

options:
  --interpreter PATH   the interpreter to run (default: $TOLLGATE_NODE or node, $TOLLGATE_PYTHON or python3)
  -h, --help           this text

node runs with the flags of AWS's Node.js runtimes: --expose-gc --max-http-header-size 81920, and heap limits
from AWS_LAMBDA_FUNCTION_MEMORY_SIZE (M MB: --max-semi-space-size=M/10/2 --max-old-space-size=M-M/10).
";

/// The runtimes: name, script, default interpreter, the variable that overrides it, file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    Node,
    Python,
}

impl Language {
    fn parse(name: &str) -> Option<Language> {
        match name {
            "node" | "nodejs" => Some(Language::Node),
            "python" | "python3" => Some(Language::Python),
            _ => None,
        }
    }

    /// The runtime client's source.
    pub(crate) fn script(self) -> &'static str {
        match self {
            Language::Node => include_str!("../runtimes/node.js"),
            Language::Python => include_str!("../runtimes/python.py"),
        }
    }

    fn interpreter_variable(self) -> &'static str {
        match self {
            Language::Node => "TOLLGATE_NODE",
            Language::Python => "TOLLGATE_PYTHON",
        }
    }

    fn default_interpreter(self) -> &'static str {
        match self {
            Language::Node => "node",
            Language::Python => "python3",
        }
    }

    /// `.cjs` so a `"type": "module"` package.json above the cache cannot turn the client into an ES module.
    fn file_name(self, hash: u64) -> String {
        match self {
            Language::Node => format!("node-{hash:016x}.cjs"),
            Language::Python => format!("python-{hash:016x}.py"),
        }
    }
}

/// The flags AWS Lambda's Node.js runtimes start `node` with (the `bootstrap` of AWS's Node.js base images,
/// aws/aws-lambda-base-images): `--expose-gc --max-http-header-size 81920`, and for a memory size of M MB the heap
/// limits `--max-semi-space-size=M/10/2 --max-old-space-size=M-M/10` (whole MB, as the script's `expr`). So a
/// function that needs more heap than its memory size fails here as it does on Lambda, and `global.gc` exists.
fn node_flags(memory_size: Option<&str>) -> Vec<String> {
    let mut flags = vec![
        "--expose-gc".to_owned(),
        "--max-http-header-size".to_owned(),
        "81920".to_owned(),
    ];
    if let Some(memory) = memory_size
        .and_then(|m| m.trim().parse::<u64>().ok())
        .filter(|&m| m > 0)
    {
        let new_space = memory / 10;
        flags.push(format!("--max-semi-space-size={}", new_space / 2));
        flags.push(format!("--max-old-space-size={}", memory - new_space));
    }
    flags
}

/// `tollgate runtime` arguments.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RuntimeArgs {
    pub(crate) language: Language,
    /// Lambda's handler string; `_HANDLER` when absent.
    pub(crate) handler: Option<String>,
    pub(crate) interpreter: Option<String>,
}

/// Parses the arguments after `tollgate runtime`; `None` asks for help.
pub(crate) fn parse(args: Vec<OsString>) -> Result<Option<RuntimeArgs>, UsageError> {
    let error = |message: String| UsageError {
        message,
        usage: RUNTIME_USAGE,
    };
    let mut language = None;
    let mut handler = None;
    let mut interpreter = None;
    let mut rest = args.into_iter();
    while let Some(arg) = rest.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| error(format!("argument `{}` is not UTF-8", arg.to_string_lossy())))?;
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        if let Some(value) = arg.strip_prefix("--interpreter=") {
            interpreter = Some(value.to_owned());
        } else if arg == "--interpreter" {
            let value = rest
                .next()
                .ok_or_else(|| error("--interpreter needs a value".to_owned()))?;
            interpreter = Some(value.to_string_lossy().into_owned());
        } else if arg.starts_with("--") {
            return Err(error(format!("unknown option `{arg}`")));
        } else if language.is_none() {
            language =
                Some(Language::parse(&arg).ok_or_else(|| error(format!("unknown runtime `{arg}`: node or python")))?);
        } else if handler.is_none() {
            handler = Some(arg);
        } else {
            return Err(error(format!("unexpected argument `{arg}`: one HANDLER only")));
        }
    }
    let language = language.ok_or_else(|| error("missing the runtime: node or python".to_owned()))?;
    Ok(Some(RuntimeArgs {
        language,
        handler,
        interpreter,
    }))
}

/// Writes the client to the cache (once) and replaces this process with the interpreter running it.
pub(crate) fn run(args: &RuntimeArgs) -> ExitCode {
    let script = match cached_script(args.language) {
        Ok(path) => path,
        Err(err) => {
            eprintln!("tollgate runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let interpreter = args
        .interpreter
        .clone()
        .or_else(|| {
            std::env::var(args.language.interpreter_variable())
                .ok()
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_else(|| args.language.default_interpreter().to_owned());
    let mut command = std::process::Command::new(&interpreter);
    if args.language == Language::Node {
        command.args(node_flags(
            std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").ok().as_deref(),
        ));
    }
    command.arg(&script);
    if let Some(handler) = &args.handler {
        command.arg(handler);
    }
    exec(command, &interpreter)
}

#[cfg(unix)]
fn exec(mut command: std::process::Command, interpreter: &str) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let err = command.exec();
    eprintln!("tollgate runtime: cannot run `{interpreter}`: {err}");
    ExitCode::from(127)
}

#[cfg(not(unix))]
fn exec(mut command: std::process::Command, interpreter: &str) -> ExitCode {
    match command.status() {
        Ok(status) => ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(err) => {
            eprintln!("tollgate runtime: cannot run `{interpreter}`: {err}");
            ExitCode::from(127)
        }
    }
}

/// The client's file in the cache, written if missing. The name holds the content's hash, so a file that exists
/// is the right one; it is written to a temporary name and renamed, so no process ever runs a half-written file.
fn cached_script(language: Language) -> Result<PathBuf, String> {
    let script = language.script();
    let dir = cache_dir().join("runtimes");
    let path = dir.join(language.file_name(fnv1a(script.as_bytes())));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let temp = dir.join(format!(".{}.{}.tmp", language.file_name(0), std::process::id()));
    let written = write_file(&temp, script.as_bytes()).and_then(|()| std::fs::rename(&temp, &path));
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("cannot write {}: {err}", path.display()));
    }
    Ok(path)
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// `$TOLLGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate` (where the test scripts also
/// install the AWS runtime clients), else the temporary directory.
fn cache_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("TOLLGATE_CACHE_DIR") {
        return dir;
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return dir.join("tollgate");
    }
    if let Some(home) = var("HOME") {
        return home.join(".cache").join("tollgate");
    }
    std::env::temp_dir().join("tollgate")
}

/// FNV-1a, 64 bits: a content hash for the cache file's name (not a security boundary: the cache is the user's).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Option<RuntimeArgs>, String> {
        parse(args.iter().map(OsString::from).collect()).map_err(|err| err.message)
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parsed(&["node", "src/app.handler"]).unwrap(),
            Some(RuntimeArgs {
                language: Language::Node,
                handler: Some("src/app.handler".to_owned()),
                interpreter: None,
            })
        );
        assert_eq!(
            parsed(&["python", "--interpreter", "/opt/py/bin/python3.12"]).unwrap(),
            Some(RuntimeArgs {
                language: Language::Python,
                handler: None,
                interpreter: Some("/opt/py/bin/python3.12".to_owned()),
            })
        );
        assert_eq!(
            parsed(&["--interpreter=nodejs20", "node", "a.b"])
                .unwrap()
                .unwrap()
                .interpreter,
            Some("nodejs20".to_owned())
        );
        assert_eq!(parsed(&["node", "--help"]).unwrap(), None);
        assert_eq!(parsed(&[]).unwrap_err(), "missing the runtime: node or python");
        assert_eq!(
            parsed(&["ruby", "a.b"]).unwrap_err(),
            "unknown runtime `ruby`: node or python"
        );
        assert_eq!(
            parsed(&["node", "a.b", "c.d"]).unwrap_err(),
            "unexpected argument `c.d`: one HANDLER only"
        );
        assert_eq!(parsed(&["node", "--bogus"]).unwrap_err(), "unknown option `--bogus`");
        assert_eq!(
            parsed(&["node", "--interpreter"]).unwrap_err(),
            "--interpreter needs a value"
        );
    }

    #[test]
    fn node_flags_follow_aws_bootstrap() {
        let common = ["--expose-gc", "--max-http-header-size", "81920"];
        assert_eq!(node_flags(None), common);
        assert_eq!(node_flags(Some("")), common);
        assert_eq!(node_flags(Some("lots")), common);
        // 128 MB (Lambda's default): new space 12, semi-space 6, old space 116.
        assert_eq!(
            node_flags(Some("128")),
            [&common[..], &["--max-semi-space-size=6", "--max-old-space-size=116"]].concat()
        );
        assert_eq!(
            node_flags(Some("1769")),
            [&common[..], &["--max-semi-space-size=88", "--max-old-space-size=1593"]].concat()
        );
    }

    #[test]
    fn cache_names_follow_the_content() {
        // FNV-1a's published test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(Language::Node.file_name(0xab), "node-00000000000000ab.cjs");
        assert_eq!(Language::Python.file_name(1), "python-0000000000000001.py");
        assert_ne!(
            fnv1a(Language::Node.script().as_bytes()),
            fnv1a(Language::Python.script().as_bytes())
        );
    }
}
