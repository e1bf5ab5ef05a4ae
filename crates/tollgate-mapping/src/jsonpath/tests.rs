use super::*;
use crate::json::parse;

const STORE: &str = r#"{"store":{"book":[
  {"category":"reference","author":"Nigel Rees","title":"Sayings of the Century","price":8.95},
  {"category":"fiction","author":"Evelyn Waugh","title":"Sword of Honour","price":12.99},
  {"category":"fiction","author":"Herman Melville","title":"Moby Dick","isbn":"0-553-21311-3","price":8.99},
  {"category":"fiction","author":"J. R. R. Tolkien","title":"The Lord of the Rings","isbn":"0-395-19395-8","price":22.99}
 ],"bicycle":{"color":"red","price":19.95}},"expensive":10}"#;

/// Compact JSON of what `path` selects in `doc`, `<missing>` when a definite path selects nothing.
fn check(doc: &str, path: &str) -> String {
    let doc = parse(doc).unwrap();
    let path = JsonPath::compile(path).unwrap();
    match path.select(&doc).unwrap().into_json() {
        Some(v) => v.to_compact(),
        None => "<missing>".into(),
    }
}

fn error(path: &str) -> (usize, String) {
    let err = JsonPath::compile(path).unwrap_err();
    (err.offset, err.message)
}

// The Goessner / Jayway README examples, with the results Jayway documents.
#[test]
fn goessner_examples() {
    assert_eq!(
        check(STORE, "$.store.book[*].author"),
        r#"["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]"#
    );
    assert_eq!(
        check(STORE, "$..author"),
        r#"["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]"#
    );
    assert_eq!(check(STORE, "$.store..price"), "[8.95,12.99,8.99,22.99,19.95]");
    assert_eq!(check(STORE, "$..book[2].title"), r#"["Moby Dick"]"#);
    assert_eq!(check(STORE, "$..book[-2].title"), r#"["Moby Dick"]"#);
    assert_eq!(
        check(STORE, "$..book[0,1].title"),
        r#"["Sayings of the Century","Sword of Honour"]"#
    );
    assert_eq!(
        check(STORE, "$..book[:2].title"),
        r#"["Sayings of the Century","Sword of Honour"]"#
    );
    assert_eq!(check(STORE, "$..book[1:2].title"), r#"["Sword of Honour"]"#);
    assert_eq!(
        check(STORE, "$..book[-2:].title"),
        r#"["Moby Dick","The Lord of the Rings"]"#
    );
    assert_eq!(
        check(STORE, "$..book[2:].title"),
        r#"["Moby Dick","The Lord of the Rings"]"#
    );
    assert_eq!(
        check(STORE, "$..book[?(@.isbn)].title"),
        r#"["Moby Dick","The Lord of the Rings"]"#
    );
    assert_eq!(check(STORE, "$.store.book[?(@.price < 10)].price"), "[8.95,8.99]");
    assert_eq!(
        check(STORE, "$..book[?(@.price <= $['expensive'])].price"),
        "[8.95,8.99]"
    );
}

#[test]
fn definite_paths_yield_one_value_or_nothing() {
    assert_eq!(check(STORE, "$.store.bicycle.color"), r#""red""#);
    assert_eq!(check(STORE, "$['store']['bicycle']['color']"), r#""red""#);
    assert_eq!(
        check(STORE, r#"$["store"].bicycle"#),
        r#"{"color":"red","price":19.95}"#
    );
    assert_eq!(check(STORE, "$.store.book[3].isbn"), r#""0-395-19395-8""#);
    assert_eq!(check(STORE, "$.store.book[9]"), "<missing>");
    assert_eq!(check(STORE, "$.nope"), "<missing>");
    assert_eq!(check(STORE, "$.expensive.deeper"), "<missing>");
    assert_eq!(check(r#"{"a":[1]}"#, "$"), r#"{"a":[1]}"#);
    assert!(JsonPath::compile("$.a.b[0]").unwrap().is_definite());
    assert!(!JsonPath::compile("$.a[*]").unwrap().is_definite());
}

#[test]
fn implicit_root_and_blank_tolerance() {
    assert_eq!(check(r#"{"a":{"b":1}}"#, "a.b"), "1");
    assert_eq!(check(r#"{"a":[5,6]}"#, "a[1]"), "6");
    assert_eq!(check(r#"[5,6]"#, "[0]"), "5");
    assert_eq!(check(r#"{"a":1}"#, "  $.a  "), "1");
    assert_eq!(check(r#"{"a b":1}"#, "$[ 'a b' ]"), "1");
    assert_eq!(check(r#"{"a-b":{"c$":2}}"#, "$.a-b.c$"), "2");
}

#[test]
fn multi_names_merge_at_the_leaf_and_iterate_elsewhere() {
    assert_eq!(check(r#"{"a":1,"b":2,"c":3}"#, "$['c','a','z']"), r#"{"c":3,"a":1}"#);
    assert_eq!(check(r#"{"a":{"x":1},"b":{"x":2}}"#, "$['a','b'].x"), "[1,2]");
}

#[test]
fn wildcards_and_scans_in_document_order() {
    assert_eq!(check(r#"{"a":1,"b":[2,{"c":3}]}"#, "$.*"), r#"[1,[2,{"c":3}]]"#);
    assert_eq!(
        check(r#"{"a":1,"b":[2,{"c":3}]}"#, "$..*"),
        r#"[1,[2,{"c":3}],2,{"c":3},3]"#
    );
    assert_eq!(check(r#"[[1,2],[3]]"#, "$..[0]"), "[[1,2],1,3]");
    assert_eq!(check(r#"{"a":{"a":{"a":1}}}"#, "$..a"), r#"[{"a":{"a":1}},{"a":1},1]"#);
    assert_eq!(check(r#"{"x":5}"#, "$[*]"), "[5]");
    assert_eq!(check(r#""text""#, "$[*]"), "[]");
}

#[test]
fn slices_follow_jayway() {
    let doc = "[0,1,2,3,4]";
    assert_eq!(check(doc, "$[1:3]"), "[1,2]");
    assert_eq!(check(doc, "$[:-1]"), "[0,1,2,3]");
    assert_eq!(check(doc, "$[-3:-1]"), "[2,3]");
    assert_eq!(check(doc, "$[3:99]"), "[3,4]");
    assert_eq!(check(doc, "$[3:1]"), "[]");
    assert_eq!(check(doc, "$[-99:]"), "[0,1,2,3,4]");
    assert_eq!(check(doc, "$[:]"), "[0,1,2,3,4]");
}

#[test]
fn filters() {
    let doc = r#"{"items":[{"n":1,"s":"a","t":true},{"n":2,"s":"b"},{"n":"3","s":null},{"m":4}]}"#;
    assert_eq!(check(doc, "$.items[?(@.n > 1)].n"), "[2]");
    assert_eq!(check(doc, "$.items[?(@.n == 3)].s"), "[null]");
    assert_eq!(check(doc, "$.items[?(@.s == 'b')].n"), "[2]");
    assert_eq!(check(doc, r#"$.items[?(@.s == "a" || @.m)].n"#), "[1]");
    assert_eq!(check(doc, "$.items[?(@.n >= 1 && @.n <= 2)].n"), "[1,2]");
    assert_eq!(check(doc, "$.items[?(!(@.n))]"), r#"[{"m":4}]"#);
    assert_eq!(check(doc, "$.items[?(@.s != 'a')].n"), r#"[2,"3"]"#);
    assert_eq!(check(doc, "$.items[?(@.s == null)].n"), r#"["3"]"#);
    assert_eq!(check(doc, "$.items[?(@.t == true)].n"), "[1]");
    assert_eq!(
        check(doc, "$.items[?(@.n < 'x')].n"),
        r#"["3"]"#,
        "strings order as strings"
    );
    assert_eq!(check(doc, "$..[?(@.n == 2)].s"), r#"["b"]"#);
}

#[test]
fn invalid_paths_report_offsets() {
    assert_eq!(error(""), (0, "the path is empty".into()));
    assert_eq!(
        error("$.a["),
        (4, "expected `*`, `?(`, a quoted name, an index or a slice".into())
    );
    assert_eq!(error("$.a b").0, 3);
    assert_eq!(error("$.a.").0, 4);
    assert_eq!(error("$['a'").0, 5);
    assert_eq!(
        error("$[?(@.a =~ /x/)]").1,
        "regular-expression filters (`=~`) are not supported"
    );
    assert_eq!(error("$[?(@.a in ['x'])]").1, "this filter operator is not supported");
    assert_eq!(error("$.a.length()").1, "JSONPath functions are not supported");
    assert_eq!(error("$[1:2:3]").1, "slice steps are not supported");
    assert_eq!(
        error("a.b c").0,
        3,
        "offsets refer to the text as written, without the implicit `$.`"
    );
    assert_eq!(error("$x").0, 1);
    assert_eq!(error("$[99999999999999999999]").1, "index out of range");
}

#[test]
fn nesting_and_budget_are_bounded() {
    let deep = format!("$[?({}@.a{})]", "(".repeat(40), ")".repeat(40));
    assert_eq!(
        JsonPath::compile(&deep).unwrap_err().message,
        "filter nested too deeply"
    );
    let doc = parse(&format!("[{}]", vec!["[1,2,3,4,5,6,7,8,9,10]"; 100].join(","))).unwrap();
    let path = JsonPath::compile("$..[?(@..* > 0)]").unwrap();
    assert_eq!(path.select_with_budget(&doc, 50), Err(BudgetExceeded));
    assert!(path.select_with_budget(&doc, DEFAULT_BUDGET).is_ok());
}
