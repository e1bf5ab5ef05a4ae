//! Router fuzzing: arbitrary resource trees and request paths. Beyond "no panic", every match must be
//! consistent: the matched resource template, with the captured parameters put back, spells the request path
//! (modulo the empty segments and the one trailing slash the router ignores).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_runtime::router::{RouteMethod, Router};

const METHODS: [RouteMethod; 8] = [
    RouteMethod::Delete,
    RouteMethod::Get,
    RouteMethod::Head,
    RouteMethod::Options,
    RouteMethod::Patch,
    RouteMethod::Post,
    RouteMethod::Put,
    RouteMethod::Any,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines: resource templates `METHOD-index path`, then a blank line, then request paths.
    let (tree, requests) = text.split_once("\n\n").unwrap_or((&text, "/"));
    let mut router = Router::default();
    let mut templates = Vec::new();
    for (id, line) in tree.lines().take(64).enumerate() {
        let method = METHODS[line.len() % METHODS.len()];
        if router.insert(line, method, id as u32).is_ok() {
            templates.push((id as u32, line.to_owned()));
        }
    }
    let _ = router.validate();
    for request in requests.lines().take(16) {
        for method in METHODS.iter().take(7) {
            let Some(found) = router.find(*method, request) else { continue };
            let Some((_, template)) = templates.iter().find(|(id, _)| *id == found.route) else {
                panic!("route {} was never inserted", found.route);
            };
            let mut rebuilt = String::new();
            let mut params = found.params.iter();
            for segment in template.split('/').filter(|s| !s.is_empty()) {
                rebuilt.push('/');
                if segment.starts_with('{') {
                    let name = segment.trim_start_matches('{').trim_end_matches('}').trim_end_matches('+');
                    let param = params.next().expect("every variable is captured, outermost first");
                    assert_eq!(param.name, name, "parameters come in path order");
                    rebuilt.push_str(param.value);
                } else {
                    rebuilt.push_str(segment);
                }
            }
            let normalize = |p: &str| p.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
            assert_eq!(normalize(&rebuilt), normalize(request), "template {template} for {request}");
        }
    }
});
