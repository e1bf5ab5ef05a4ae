//! Fuzzes `tollgate_model::load` with arbitrary bytes (JSON or YAML, chosen by content like the real loader).
//!
//! Properties checked beyond "no panic": an API is returned exactly when there is no error; every
//! diagnostic renders; every template position maps inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_model::{ImportOptions, LineCol, load};

fuzz_target!(|data: &[u8]| {
    let loaded = load("fuzz.yaml", data, &ImportOptions::default());
    assert_eq!(loaded.api.is_some(), !loaded.has_errors());
    let rendered = loaded.render_diagnostics();
    assert_eq!(rendered.is_empty(), loaded.diagnostics.is_empty());
    let Some(api) = loaded.api else {
        return;
    };
    let _ = tollgate_model::dump::to_text(&api);
    let len = u32::try_from(api.source.text().len()).unwrap_or(u32::MAX);
    for (_, method) in api.methods() {
        let Some(integration) = &method.integration else {
            continue;
        };
        let templates = integration
            .request_templates
            .iter()
            .chain(integration.responses.iter().flat_map(|response| response.response_templates.iter()));
        for template in templates {
            let text = &template.template;
            for line in 1..=3 {
                let at = text.file_offset_at(LineCol { line, column: 2 });
                assert!(at <= len);
            }
            let span = text.file_span(0..text.text().len());
            assert!(span.start <= span.end && span.end <= len);
        }
    }
});
