//! Fuzzes the JSON parser and the tree-less compactor. Properties beyond "no panic": a parsed value written
//! compactly parses back to the same value; the compactor accepts nothing the parser rejects (it may stop early at
//! a repeated key, deferring to the parser) and, when it finishes, writes the same bytes; error offsets lie inside
//! the text; `$input.path('$')` builds the same template values straight from the text as from the parsed tree.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tollgate_mapping::json::{parse, write_compact_text, write_java};
use tollgate_mapping::{ContextState, MappingEngine, MappingTemplate, MethodRequest, RequestContext, TemplateInput};

/// Reads the body's values with `$input.path('$')`: straight from the text, and (after `$input.json` parsed the
/// body) from the tree.
fn templates() -> &'static (MappingTemplate, MappingTemplate) {
    static TEMPLATES: OnceLock<(MappingTemplate, MappingTemplate)> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let engine = MappingEngine::new();
        let read = "#set($o = $input.path('$'))$o|#foreach($x in $o)$x;#end|$o.size()";
        let direct = engine.compile("direct", read).expect("valid template");
        let tree = engine
            .compile("tree", &format!("#set($p = $input.json('$.x')){read}"))
            .expect("valid template");
        (direct, tree)
    })
}

fn render(template: &MappingTemplate, body: &str) -> Result<String, String> {
    let method = MethodRequest::default();
    let context = RequestContext::example();
    let input = TemplateInput {
        method: &method,
        body,
        context: &context,
        stage_variables: &[],
    };
    template
        .render(&input, &mut ContextState::default())
        .map_err(|e| e.message().to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !text.is_empty() {
        let (direct, tree) = templates();
        assert_eq!(render(direct, text), render(tree, text), "values of {text:?}");
    }
    let mut compacted = String::new();
    let direct = write_compact_text(text, &mut compacted);
    match parse(text) {
        Ok(value) => {
            let compact = value.to_compact();
            assert_eq!(parse(&compact).as_ref(), Ok(&value), "round trip of {compact}");
            match direct {
                Ok(true) => assert_eq!(compacted, compact),
                Ok(false) => {}
                Err(err) => panic!("the compactor rejected what the parser accepted: {err}"),
            }
            let mut java = String::new();
            write_java(&value, &mut java);
        }
        Err(err) => {
            assert!(err.offset <= text.len());
            assert_ne!(direct, Ok(true), "the compactor accepted what the parser rejected");
        }
    }
});
