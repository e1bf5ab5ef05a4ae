use super::*;

/// Builds a tree from `(path, method)` pairs; route ids are the pair's index.
fn tree(resources: &[(&str, &str)]) -> Router {
    let mut router = Router::default();
    for (id, (path, method)) in resources.iter().enumerate() {
        let method = RouteMethod::from_name(method).unwrap();
        router.insert(path, method, id as u32).unwrap();
    }
    router.validate().unwrap();
    router
}

/// `expect`: `None` for no route, else the route id and the captured `name=value` pairs.
fn check(router: &Router, method: &str, path: &str, expect: Option<(u32, &[&str])>) {
    let method = RouteMethod::from_name(method).unwrap();
    let found = router.find(method, path).map(|m| {
        let params: Vec<String> = m.params.iter().map(|p| format!("{}={}", p.name, p.value)).collect();
        (m.route, params)
    });
    let expect = expect.map(|(id, params)| (id, params.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()));
    assert_eq!(found, expect, "{method:?} {path}");
}

#[test]
fn literal_beats_variable_beats_greedy() {
    let r = tree(&[("/pets/mine", "GET"), ("/pets/{id}", "GET"), ("/{proxy+}", "GET")]);
    check(&r, "GET", "/pets/mine", Some((0, &[])));
    check(&r, "GET", "/pets/7", Some((1, &["id=7"])));
    check(&r, "GET", "/pets/7/toys", Some((2, &["proxy=pets/7/toys"])));
    check(&r, "GET", "/other", Some((2, &["proxy=other"])));
}

// Source: LocalStack AWS-validated test_apigateway_common.py routing with a hard-coded sibling (spec §1 (2)).
#[test]
fn backtracks_into_a_greedy_ancestor() {
    let r = tree(&[
        ("/part1", "GET"),
        ("/part1/hardcoded-value", "GET"),
        ("/{param+}", "GET"),
    ]);
    check(&r, "GET", "/part1", Some((0, &[])));
    check(&r, "GET", "/part1/hardcoded-value", Some((1, &[])));
    check(
        &r,
        "GET",
        "/part1/random-value",
        Some((2, &["param=part1/random-value"])),
    );
}

#[test]
fn backtracks_out_of_a_variable_branch() {
    let r = tree(&[("/a/{x}/c", "GET"), ("/{y+}", "GET")]);
    check(&r, "GET", "/a/b/c", Some((0, &["x=b"])));
    check(&r, "GET", "/a/b/d", Some((1, &["y=a/b/d"])));
}

// Source: spec §1 (3), DG/api-gateway-set-up-simple-proxy.html: `/{proxy+}` never matches `/`.
#[test]
fn greedy_needs_one_segment() {
    let r = tree(&[("/{proxy+}", "ANY")]);
    check(&r, "GET", "/", None);
    check(&r, "GET", "", None);
    check(&r, "GET", "/x", Some((0, &["proxy=x"])));
}

// Source: spec §1 slash table (LocalStack AWS-validated lambda proxy path tests).
#[test]
fn slash_table() {
    let r = tree(&[("/{proxy+}", "GET"), ("/hardcoded", "GET")]);
    check(&r, "GET", "/proxy-value", Some((0, &["proxy=proxy-value"])));
    check(&r, "GET", "/proxy-value/", Some((0, &["proxy=proxy-value"])));
    check(
        &r,
        "GET",
        "/proxy-value//double-slash",
        Some((0, &["proxy=proxy-value//double-slash"])),
    );
    check(&r, "GET", "//proxy-value", Some((0, &["proxy=proxy-value"])));
    check(&r, "GET", "//hardcoded", Some((1, &[])));
}

#[test]
fn methods_any_and_dead_ends() {
    let r = tree(&[
        ("/users/me", "GET"),
        ("/users/{id}", "DELETE"),
        ("/items", "ANY"),
        ("/items", "POST"),
    ]);
    check(&r, "GET", "/users/me", Some((0, &[])));
    // `/users/me` has no DELETE, so the variable sibling resolves the path (LocalStack's router; [unk] in AWS).
    check(&r, "DELETE", "/users/me", Some((1, &["id=me"])));
    check(&r, "PUT", "/users/me", None);
    check(&r, "POST", "/items", Some((3, &[])));
    check(&r, "PATCH", "/items", Some((2, &[])));
    check(&r, "GET", "/nothing", None);
}

// Source: spec §1 "Path decoding": no decoding, `%2B` stays `%2B`, `+` stays `+`.
#[test]
fn parameters_are_not_decoded() {
    let r = tree(&[("/{id}", "GET")]);
    check(&r, "GET", "/a%2Bb+c", Some((0, &["id=a%2Bb+c"])));
}

#[test]
fn literal_match_is_case_sensitive() {
    let r = tree(&[("/Pets", "GET")]);
    check(&r, "GET", "/Pets", Some((0, &[])));
    check(&r, "GET", "/pets", None);
}

#[test]
fn root_resource() {
    let r = tree(&[("/", "GET"), ("/{proxy+}", "GET")]);
    check(&r, "GET", "/", Some((0, &[])));
    check(&r, "GET", "", Some((0, &[])));
    check(&r, "GET", "/x/", Some((1, &["proxy=x"])));
}

#[test]
fn rejects_invalid_trees() {
    let mut r = Router::default();
    r.insert("/{a}", RouteMethod::Get, 0).unwrap();
    assert!(matches!(
        r.insert("/{proxy+}", RouteMethod::Get, 1),
        Err(RouteError::SiblingVariable { .. })
    ));
    assert!(matches!(
        r.insert("/{a}", RouteMethod::Get, 2),
        Err(RouteError::DuplicateMethod)
    ));
    assert!(matches!(
        r.insert("/a b", RouteMethod::Get, 3),
        Err(RouteError::InvalidSegment { .. })
    ));
    assert!(matches!(
        r.insert("/x{a}", RouteMethod::Get, 3),
        Err(RouteError::InvalidSegment { .. })
    ));
    assert!(matches!(
        r.insert("/{a}/b/{a}", RouteMethod::Get, 4),
        Err(RouteError::DuplicateParameter { .. })
    ));
    let mut g = Router::default();
    g.insert("/{p+}/child", RouteMethod::Get, 0).unwrap();
    assert!(matches!(g.validate(), Err(RouteError::ChildOfGreedy { .. })));
}
