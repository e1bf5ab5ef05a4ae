//! `cargo xtask velocity`: runs templates through the real Apache Velocity 1.7 (Java) — the reference that
//! `tollgate-vtl` must match byte for byte. It writes the golden outputs that are committed, so CI never needs Java.
//! The harness itself is `xtask/velocity/VelocityHarness.java`; its README holds the contract.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, bail};

use crate::util::{describe, workspace_root};

const USAGE: &str = "\
usage: cargo xtask velocity render FILE.vm [VARS.json]   render one template to stdout
       cargo xtask velocity golden [DIR]                 write <case>.out/.err for every *.vm under DIR
                                                         (default crates/tollgate-vtl/tests/golden)
       cargo xtask velocity bench DIR [ITERATIONS]       time warm renders of every *.vm under DIR";

const HARNESS_SOURCE: &str = "xtask/velocity/VelocityHarness.java";
const HARNESS_CLASS: &str = "VelocityHarness";
const DEFAULT_GOLDEN_DIR: &str = "crates/tollgate-vtl/tests/golden";
/// Where Debian's `velocity` package (and its dependencies) put the jars; `VELOCITY_JAR_DIR` overrides it.
const DEFAULT_JAR_DIR: &str = "/usr/share/java";
const JARS: [&str; 3] = ["velocity-1.7.jar", "commons-collections3.jar", "commons-lang.jar"];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let Some((mode, rest)) = args.split_first() else {
        bail!("missing mode\n{USAGE}");
    };
    let harness_args: Vec<OsString> = match (mode.as_str(), rest) {
        ("render", [template]) => vec!["render".into(), template.into()],
        ("render", [template, vars]) => vec!["render".into(), template.into(), vars.into()],
        ("golden", []) => vec!["golden".into(), workspace_root().join(DEFAULT_GOLDEN_DIR).into()],
        ("golden", [dir]) => vec!["golden".into(), dir.into()],
        ("bench", [dir]) => vec!["bench".into(), dir.into()],
        ("bench", [dir, iterations]) => vec!["bench".into(), dir.into(), iterations.into()],
        ("help" | "--help" | "-h", _) => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("bad arguments `{}`\n{USAGE}", args.join(" ")),
    };
    let classpath = prepare_harness()?;
    let mut java = Command::new("java");
    java.arg("-cp").arg(classpath).arg(HARNESS_CLASS).args(harness_args);
    let status = java
        .status()
        .with_context(|| format!("could not start `java`: is a JDK installed? ({})", describe(&java)))?;
    match status.code() {
        Some(0) => Ok(()),
        // The harness already said why on stderr (a template that Velocity rejects, in `render` mode).
        Some(1) => bail!("Velocity failed (see above)"),
        _ => bail!("`{}` failed with {status}", describe(&java)),
    }
}

/// Compiles the harness when its class is missing or older than its source; returns the classpath to run it.
fn prepare_harness() -> anyhow::Result<OsString> {
    let root = workspace_root();
    let source = root.join(HARNESS_SOURCE);
    let jar_dir = std::env::var_os("VELOCITY_JAR_DIR").map_or_else(|| PathBuf::from(DEFAULT_JAR_DIR), PathBuf::from);
    let jars: Vec<PathBuf> = JARS.iter().map(|jar| jar_dir.join(jar)).collect();
    if let Some(missing) = jars.iter().find(|jar| !jar.is_file()) {
        bail!(
            "{} not found: install Apache Velocity 1.7 and its dependencies (`apt-get install velocity` puts them \
             in /usr/share/java), or point VELOCITY_JAR_DIR at a folder holding {}",
            missing.display(),
            JARS.join(", ")
        );
    }
    let class_dir = target_dir(&root).join("velocity-harness");
    let class_file = class_dir.join(format!("{HARNESS_CLASS}.class"));
    let mut classpath: Vec<PathBuf> = jars;
    if modified(&class_file).is_none_or(|class| modified(&source).is_none_or(|src| src > class)) {
        std::fs::create_dir_all(&class_dir).with_context(|| format!("could not create {}", class_dir.display()))?;
        let mut javac = Command::new("javac");
        javac
            .args(["-encoding", "UTF-8", "-Xlint:all", "-cp"])
            .arg(std::env::join_paths(&classpath)?)
            .arg("-d")
            .arg(&class_dir)
            .arg(&source);
        eprintln!("$ {}", describe(&javac));
        let status = javac.status().with_context(|| {
            "could not start `javac`: install a JDK (e.g. `apt-get install openjdk-17-jdk-headless`)".to_owned()
        })?;
        if !status.success() {
            bail!("`{}` failed with {status}", describe(&javac));
        }
    }
    classpath.push(class_dir);
    Ok(std::env::join_paths(classpath)?)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|meta| meta.modified()).ok()
}
