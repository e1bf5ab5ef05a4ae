//! `--function NAME=COMMAND` specs: any input parses or is refused without panicking, and whatever parses has a
//! valid name and a command that `validate` accepts unless it holds a NUL byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_lambda_host::{ConfigError, FunctionConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match FunctionConfig::parse(text) {
        Err(err) => {
            let _ = err.to_string();
        }
        Ok(config) => {
            assert!(!config.name.is_empty() && config.name.len() <= 64, "{config:?}");
            assert!(text.starts_with(config.name.as_str()) || text.trim_start().starts_with(config.name.as_str()));
            match config.validate() {
                Ok(()) => assert!(!config.command.contains('\0')),
                Err(ConfigError::Nul(_)) => assert!(config.command.contains('\0')),
                Err(other) => panic!("parsed but invalid: {other:?} for {text:?}"),
            }
        }
    }
});
