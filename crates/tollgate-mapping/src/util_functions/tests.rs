//! Expected values printed by OpenJDK 17 with commons-lang 2.6 (`StringEscapeUtils.escapeJavaScript`,
//! `URLEncoder.encode(s, "UTF-8")`, `URLDecoder.decode(s, "UTF-8")`).

use super::*;

fn esc(s: &str) -> String {
    let mut out = String::new();
    escape_javascript(s, &mut out);
    out
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    url_encode(s, &mut out);
    out
}

#[test]
fn escape_javascript_matches_commons_lang_2_6() {
    assert_eq!(esc("He said \"hi\" it's a/b\\c"), r#"He said \"hi\" it\'s a\/b\\c"#);
    assert_eq!(
        esc("\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}\u{80}é€😀"),
        "\\b\\t\\n\\f\\r\\u0001\\u001F\u{7f}\\u0080\\u00E9\\u20AC\\uD83D\\uDE00"
    );
    assert_eq!(esc(""), "");
    assert_eq!(
        esc("a b+c&d=e/f?g~h*i'j(k)l!m.n-o_p"),
        r"a b+c&d=e\/f?g~h*i\'j(k)l!m.n-o_p"
    );
    assert_eq!(esc("ü中"), r"\u00FC\u4E2D");
}

#[test]
fn url_encode_matches_java_url_encoder() {
    assert_eq!(enc("He said \"hi\" it's a/b\\c"), "He+said+%22hi%22+it%27s+a%2Fb%5Cc");
    assert_eq!(
        enc("\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}\u{80}é€😀"),
        "%08%09%0A%0C%0D%01%1F%7F%C2%80%C3%A9%E2%82%AC%F0%9F%98%80"
    );
    assert_eq!(
        enc("a b+c&d=e/f?g~h*i'j(k)l!m.n-o_p"),
        "a+b%2Bc%26d%3De%2Ff%3Fg%7Eh*i%27j%28k%29l%21m.n-o_p"
    );
    // test_apigateway_common.snapshot.json (test_input_body_formatting), recorded on AWS.
    assert_eq!(enc(r#"{"some": "value"}"#), "%7B%22some%22%3A+%22value%22%7D");
    assert_eq!(enc("{}"), "%7B%7D");
}

#[test]
fn url_decode_matches_java_url_decoder() {
    assert_eq!(url_decode("a+b%20c").unwrap(), "a b c");
    assert_eq!(url_decode("%7B%7D").unwrap(), "{}");
    assert_eq!(url_decode("%e2%82%ac").unwrap(), "€");
    assert_eq!(url_decode("é+%C3%A9").unwrap(), "é é");
    for (bad, offset) in [("100%", 3), ("%zz", 0), ("%C3%A9%", 6), ("a%2", 1)] {
        assert_eq!(url_decode(bad), Err(UrlDecodeError { offset }), "{bad}");
    }
}

#[test]
fn base64_round_trips_utf8() {
    let mut out = String::new();
    base64_encode("hello wörld", &mut out);
    assert_eq!(out, "aGVsbG8gd8O2cmxk");
    assert_eq!(base64_decode("aGVsbG8gd8O2cmxk").unwrap(), "hello wörld");
    assert_eq!(base64_decode("YQ").unwrap(), "a");
    assert_eq!(base64_decode("YQ==").unwrap(), "a");
    assert_eq!(base64_decode("/w==").unwrap(), "\u{FFFD}");
    assert_eq!(base64_decode("not base64!"), Err(Base64DecodeError));
}

#[test]
fn the_word_scan_finds_the_first_byte_to_escape() {
    let alphabet: &[u8] = b"ab\"'\\/\x00\x1f \x7f\x80\xc3\xff!~0";
    for text in crate::random_texts::random_texts(alphabet, 0x2545_f491_4f6c_dd1d, 48, 20_000) {
        let expected = text.iter().position(|&b| !javascript_safe(b)).unwrap_or(text.len());
        assert_eq!(javascript_safe_run(&text), expected, "{text:?}");
    }
}
