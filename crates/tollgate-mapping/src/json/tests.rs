use super::*;

fn roundtrip(text: &str) -> String {
    parse(text).unwrap().to_compact()
}

fn java(text: &str) -> String {
    let mut out = String::new();
    write_java(&parse(text).unwrap(), &mut out);
    out
}

#[test]
fn compact_keeps_order_and_number_literals() {
    assert_eq!(
        roundtrip(r#" { "b" : 1.50, "a" : [ 1e3 , -0, true, null ] } "#),
        r#"{"b":1.50,"a":[1e3,-0,true,null]}"#
    );
}

#[test]
fn repeated_key_keeps_first_position_and_last_value() {
    assert_eq!(roundtrip(r#"{"a":1,"b":2,"a":3}"#), r#"{"a":3,"b":2}"#);
}

#[test]
fn strings_unescape_and_escape() {
    assert_eq!(
        roundtrip(r#""a\"b\\c\/d\u00e9\ud83d\ude00\n\u0001""#),
        "\"a\\\"b\\\\c/dé😀\\n\\u0001\""
    );
    assert_eq!(parse(r#""\ud800x""#).unwrap(), Json::String("\u{FFFD}x".into()));
}

#[test]
fn java_form_of_maps_and_lists() {
    // test_apigateway_common.snapshot.json, test_input_path_template_formatting: maps print as Java maps, lists
    // as JSON, a list inside a map as JSON.
    assert_eq!(java(r#"{"foo":[{"nested":"bar"}]}"#), r#"{foo=[{"nested":"bar"}]}"#);
    assert_eq!(java(r#"[{"foo":"bar"}]"#), r#"[{"foo":"bar"}]"#);
    assert_eq!(java(r#"{"a":{"b":1},"c":"d e"}"#), "{a={b=1}, c=d e}");
}

#[test]
fn rejects_invalid_json_with_offsets() {
    for (text, offset) in [
        ("", 0),
        ("{", 1),
        ("[1,]", 3),
        ("01", 1),
        ("{\"a\" 1}", 5),
        ("\"\u{1}\"", 1),
        ("1 2", 2),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.offset, offset, "{text:?}: {err}");
    }
}

#[test]
fn nesting_is_limited() {
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(parse(&deep).unwrap_err().message, "JSON nested too deeply");
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse(&ok).is_ok());
}

#[test]
fn compact_text_matches_the_tree() {
    for text in [
        r#" { "b" : 1.50, "a" : [ 1e3 , -0, true, null, "x\/y\u00e9" ], "c": {"d": {}} } "#,
        "[]",
        r#""plain""#,
        r#"{"k":"\u0001\n"}"#,
        &format!(
            "{{{}}}",
            (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect::<Vec<_>>().join(",")
        ),
    ] {
        let mut out = String::new();
        assert_eq!(write_compact_text(text, &mut out), Ok(true), "{text}");
        assert_eq!(out, parse(text).unwrap().to_compact(), "{text}");
    }
}

#[test]
fn compact_text_defers_repeated_keys_and_rejects_what_parse_rejects() {
    let many = format!(
        "{{{},\"k3\":0}}",
        (0..40).map(|i| format!(r#""k{i}":{i}"#)).collect::<Vec<_>>().join(",")
    );
    for text in [r#"{"a":1,"a":2}"#, r#"{"a":1,"\u0061":2}"#, many.as_str()] {
        assert_eq!(write_compact_text(text, &mut String::new()), Ok(false), "{text}");
    }
    for text in ["", "{", "[1,]", "01", "1 2", "\"\u{1}\"", "[-]", "1.", "1e"] {
        assert!(write_compact_text(text, &mut String::new()).is_err(), "{text:?}");
        assert!(parse(text).is_err(), "{text:?}");
    }
}

#[test]
fn the_word_scan_stops_where_the_byte_scan_does() {
    let alphabet: &[u8] = b"ab\"\\\x00\x1f \x7f\xc3\xa9\x80\xff!~";
    for text in crate::random_texts::random_texts(alphabet, 0x9e37_79b9_7f4a_7c15, 64, 20_000) {
        let len = text.len();
        for from in 0..=len {
            let expected = text[from..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map(|i| from + i);
            assert_eq!(parse::string_stop(&text, from), expected, "{text:?} from {from}");
        }
    }
}

#[test]
fn compact_text_checks_each_objects_keys_apart() {
    // An inner object's keys are not the outer object's: only a key repeated in one object defers to the tree.
    for (text, finished) in [
        (r#"{"a":{"b":1,"c":{"b":2}},"b":2,"c":[{"a":1},{"a":2}]}"#, true),
        (r#"{"a":{"b":1},"b":{"a":1,"b":2},"a":3}"#, false),
        (r#"[{"k":1,"k":2}]"#, false),
        (r#"{"x":{"y":{"z":1}},"y":{"x":2},"z":[{"x":{"x":1}}]}"#, true),
    ] {
        let mut out = String::new();
        assert_eq!(write_compact_text(text, &mut out), Ok(finished), "{text}");
        if finished {
            assert_eq!(out, parse(text).unwrap().to_compact(), "{text}");
        }
    }
}

#[test]
fn small_objects_find_repeated_keys_however_they_are_written() {
    for (text, compact) in [
        (r#"{"a":1,"b":2,"\u0061":3}"#, r#"{"a":3,"b":2}"#),
        (
            r#"{"abcdefghX":1,"abcdefghY":2,"abcdefghX":3}"#,
            r#"{"abcdefghX":3,"abcdefghY":2}"#,
        ),
        (r#"{"":1,"\u0000":2,"":3}"#, r#"{"":3,"\u0000":2}"#),
        (r#"{"k":{"k":1},"\u006b":2}"#, r#"{"k":2}"#),
        (r#"{"abcdefgh":1,"abcdefghi":2}"#, r#"{"abcdefgh":1,"abcdefghi":2}"#),
    ] {
        assert_eq!(roundtrip(text), compact, "{text}");
    }
}

#[test]
fn fingerprints_do_not_depend_on_where_the_text_lives() {
    let doc: std::sync::Arc<str> = std::sync::Arc::from("xxabcdefghijklmnopqrstuvwxyz\"é😀 tail");
    for start in 0..doc.len() {
        for end in start..=doc.len() {
            let Some(slice) = JsonStr::slice(&doc, start, end) else {
                continue;
            };
            let whole = JsonStr::from(slice.as_str());
            assert_eq!(slice.fingerprint(), whole.fingerprint(), "{start}..{end}");
        }
    }
}

#[test]
fn the_number_scan_ends_where_the_grammar_check_ends() {
    // Every string of up to four characters over the bytes numbers are made of (and two that end them), at every
    // offset after a prefix: the one-pass reader of values accepts and rejects exactly what the grammar does.
    let alphabet = b"0123456789-+.eE x";
    let mut texts = vec![Vec::new()];
    for _ in 0..4 {
        let longer: Vec<Vec<u8>> = texts
            .iter()
            .filter(|t| t.len() < 4)
            .flat_map(|t| {
                alphabet.iter().map(move |&b| {
                    let mut next = t.clone();
                    next.push(b);
                    next
                })
            })
            .collect();
        texts.extend(longer);
        texts.sort();
        texts.dedup();
    }
    texts.extend(
        [
            "123456789012345678901234",
            "-9007199254740993.5e-3",
            "1e99999",
            "0.00000000000000000001e0001",
        ]
        .map(|t| t.as_bytes().to_vec()),
    );
    for text in &texts {
        for at in 0..=text.len() {
            let scanned = parse::number_scan(text, at).map(|(_, end)| end);
            assert_eq!(
                scanned,
                parse::number_end(text, at).map(|((), end)| end),
                "{text:?} at {at}"
            );
        }
    }
}
