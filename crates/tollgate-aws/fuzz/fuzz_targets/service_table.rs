//! Service table files: any input parses or fails with a message, and every parsed row yields hostnames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_aws::ServiceTable;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match ServiceTable::parse(text) {
        Err(err) => {
            let _ = err.to_string();
        }
        Ok(table) => {
            for service in table.iter() {
                let _ = service.hostname("us-east-1", "amazonaws.com", Some("sub"), Some("StartSyncExecution"));
                let _ = service.hostname(text, text, None, Some(text));
                let _ = service.action_target(text);
            }
        }
    }
});
