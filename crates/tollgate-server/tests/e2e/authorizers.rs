//! Authorizers through the `tollgate` binary on examples/authorizers.yaml: a real Lambda authorizer
//! (examples/authorizer_function.rs on `lambda_runtime`, started by `--function authorizer=…`), the proxy
//! function behind it (examples/lambda_function.rs), and a Cognito user pool whose JWKS comes from `--jwks`,
//! with RS256 tokens signed here by the test key's private half (crates/tollgate-auth/tests/fixtures/keys).
//! Expected bytes: spec §7 (UNAUTHORIZED 26 bytes, ACCESS_DENIED capital `Message`, AUTHORIZER_CONFIGURATION_ERROR
//! `{"message":null}`), §9.5 (caching by identity, policy per method ARN), §9.6 (ID vs access tokens, scopes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::harness::Server;
use crate::raw::{RawConn, RawResponse};

const UNAUTHORIZED: &str = r#"{"message":"Unauthorized"}"#;
const EXPLICIT_DENY: &str = r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;
const IMPLICIT_DENY: &str = r#"{"Message":"User is not authorized to access this resource"}"#;
const POOL: &str = "us-east-1_Example";

fn example(name: &str) -> &'static Path {
    static PATHS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (authorizer, echo) = PATHS.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap().join("examples");
        let (authorizer, echo) = (dir.join("authorizer_function"), dir.join("lambda_function"));
        if !authorizer.is_file() || !echo.is_file() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args(["build", "-p", "tollgate-server", "--example", "authorizer_function"])
                .args(["--example", "lambda_function"])
                .status()
                .unwrap();
            assert!(status.success(), "building the example functions failed");
        }
        (authorizer, echo)
    });
    if name == "authorizer" { authorizer } else { echo }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

fn serve() -> Server {
    let authorizer = format!("authorizer={}", example("authorizer").display());
    let echo = format!("echo={}", example("echo").display());
    let jwks = format!("{POOL}={}", repo("examples/authorizers.jwks.json").display());
    Server::start(
        &repo("examples/authorizers.yaml"),
        &["--function", &authorizer, "--function", &echo, "--jwks", &jwks],
    )
}

fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    let mut head = format!("GET /dev{path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", server.addr.port());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut conn = RawConn::connect(server.addr);
    conn.send(head.as_bytes());
    conn.response().expect("an answer")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn json_body(response: &RawResponse) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {:?} ({})", response.body_text(), response.status))
}

#[test]
fn token_authorizer_with_a_real_function() {
    let server = serve();
    // No header, a header the validation expression refuses: 401 before any invocation.
    let missing = get(&server, "/profile", &[]);
    assert_eq!((missing.status, missing.body_text().as_str()), (401, UNAUTHORIZED));
    assert_eq!(missing.header("x-amzn-ErrorType"), Some("UnauthorizedException"));
    let malformed = get(&server, "/profile", &[("Authorization", "Basic abc")]);
    assert_eq!((malformed.status, malformed.body_text().as_str()), (401, UNAUTHORIZED));

    // Allowed: the context reaches the template stringified, the principal a header mapping.
    let allowed = get(&server, "/profile", &[("Authorization", &bearer("allow-ada"))]);
    assert_eq!(allowed.status, 200, "{}", allowed.body_text());
    assert_eq!(allowed.header("X-Principal"), Some("ada"));
    let first = json_body(&allowed);
    assert_eq!(
        (&first["principal"], &first["tier"], &first["level"], &first["admin"]),
        (&json!("ada"), &json!("gold"), &json!("7"), &json!("false"))
    );
    let calls: u64 = first["calls"].as_str().unwrap().parse().unwrap();
    // The function counts its invocations: the first call is 1 because the 401s above never invoked it.
    assert_eq!(calls, 1);

    // Cached for the TTL: another path of the stage, same token, same invocation count.
    let cached = json_body(&get(
        &server,
        "/profile/address",
        &[("Authorization", &bearer("allow-ada"))],
    ));
    assert_eq!((&cached["section"], &cached["calls"]), (&json!("address"), &json!("1")));

    // A policy for one method ARN only: allowed there, and its cached copy denies the other path (implicit).
    let only = get(&server, "/profile", &[("Authorization", &bearer("only-bo"))]);
    assert_eq!(only.status, 200, "{}", only.body_text());
    assert_eq!(json_body(&only)["calls"], json!("2"));
    let elsewhere = get(&server, "/profile/address", &[("Authorization", &bearer("only-bo"))]);
    assert_eq!((elsewhere.status, elsewhere.body_text().as_str()), (403, IMPLICIT_DENY));
    assert_eq!(elsewhere.header("x-amzn-ErrorType"), Some("AccessDeniedException"));

    // Explicit deny, the function's `Unauthorized`, any other failure.
    let denied = get(&server, "/profile", &[("Authorization", &bearer("deny-eve"))]);
    assert_eq!((denied.status, denied.body_text().as_str()), (403, EXPLICIT_DENY));
    let refused = get(&server, "/profile", &[("Authorization", &bearer("unauthorized"))]);
    assert_eq!((refused.status, refused.body_text().as_str()), (401, UNAUTHORIZED));
    let broken = get(&server, "/profile", &[("Authorization", &bearer("crash"))]);
    assert_eq!(
        (broken.status, broken.body_text().as_str()),
        (500, r#"{"message":null}"#)
    );
    assert_eq!(
        broken.header("x-amzn-ErrorType"),
        Some("AuthorizerConfigurationException")
    );
}

#[test]
fn proxy_event_carries_the_authorizer_result() {
    let server = serve();
    let response = get(&server, "/echo", &[("Authorization", &bearer("allow-cy"))]);
    assert_eq!(response.status, 200, "{}", response.body_text());
    let event = json_body(&response);
    let authorizer = &event["requestContext"]["authorizer"];
    // JSON types kept in the event (unlike $context.authorizer), principalId and integrationLatency after
    // the context entries (spec §6).
    assert_eq!(authorizer["principalId"], json!("cy"));
    assert_eq!(authorizer["level"], json!(7));
    assert_eq!(authorizer["admin"], json!(false));
    assert_eq!(authorizer["tier"], json!("gold"));
    assert!(authorizer["integrationLatency"].is_u64(), "{authorizer}");
    let keys: Vec<&str> = authorizer.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.last(), Some(&"integrationLatency"), "{keys:?}");
}

#[test]
fn request_authorizer_with_several_identity_sources() {
    let server = serve();
    let missing = get(&server, "/tenants/1", &[("X-User", "ada")]);
    assert_eq!((missing.status, missing.body_text().as_str()), (401, UNAUTHORIZED));
    let allowed = json_body(&get(&server, "/tenants/1?tenant=acme", &[("X-User", "ada")]));
    assert_eq!(
        (&allowed["principal"], &allowed["tenant"], &allowed["calls"]),
        (&json!("ada@acme"), &json!("acme"), &json!("1"))
    );
    // Same identity (header and query): cached. Another tenant: a new identity, a new invocation.
    let again = json_body(&get(&server, "/tenants/2?tenant=acme", &[("X-User", "ada")]));
    assert_eq!(again["calls"], json!("1"));
    let other = json_body(&get(&server, "/tenants/2?tenant=zeta", &[("X-User", "ada")]));
    assert_eq!((&other["tenant"], &other["calls"]), (&json!("zeta"), &json!("2")));
    let blocked = get(&server, "/tenants/2?tenant=blocked", &[("X-User", "ada")]);
    assert_eq!((blocked.status, blocked.body_text().as_str()), (403, EXPLICIT_DENY));
}

/// An RS256 JWT signed with the test pool's key `key-a`.
fn token(claims: &Value) -> String {
    let der = std::fs::read(repo("crates/tollgate-auth/tests/fixtures/keys/pool-a.pk8.der")).unwrap();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let header = URL_SAFE_NO_PAD.encode(json!({"kid": "key-a", "alg": "RS256"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn id_token(exp: u64) -> String {
    token(&json!({
        "sub": "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
        "aud": "5example0client",
        "token_use": "id",
        "email": "ada@example.com",
        "iat": now() - 10,
        "exp": exp,
    }))
}

#[test]
fn cognito_user_pool_with_a_jwks_file() {
    let server = serve();
    let valid = id_token(now() + 3600);
    let me = get(&server, "/me", &[("Authorization", &valid)]);
    assert_eq!(me.status, 200, "{}", me.body_text());
    assert_eq!(
        json_body(&me),
        json!({"sub": "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab", "email": "ada@example.com"})
    );
    // `Bearer ` is accepted too.
    assert_eq!(get(&server, "/me", &[("Authorization", &bearer(&valid))]).status, 200);

    // Missing, expired, tampered: 401 with AWS's bytes.
    for header in [
        None,
        Some(id_token(now() - 1)),
        Some(format!("{valid}x")),
        Some(token(
            &json!({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", "token_use": "id", "exp": now() + 60}),
        )),
    ] {
        let headers: Vec<(&str, &str)> = header.iter().map(|h| ("Authorization", h.as_str())).collect();
        let refused = get(&server, "/me", &headers);
        assert_eq!(
            (refused.status, refused.body_text().as_str()),
            (401, UNAUTHORIZED),
            "{header:?}"
        );
    }

    // Scopes: an access token with one of the method's scopes; an ID token or another scope is refused.
    let access = |scope: &str| {
        token(&json!({
            "sub": "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
            "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
            "client_id": "5example0client",
            "token_use": "access",
            "scope": scope,
            "exp": now() + 3600,
        }))
    };
    let orders = get(&server, "/orders", &[("Authorization", &access("profile orders/read"))]);
    assert_eq!(orders.status, 200, "{}", orders.body_text());
    assert_eq!(
        json_body(&orders),
        json!({"client": "5example0client", "scope": "profile orders/read"})
    );
    for wrong in [access("orders/write"), valid] {
        let refused = get(&server, "/orders", &[("Authorization", &wrong)]);
        assert_eq!((refused.status, refused.body_text().as_str()), (401, UNAUTHORIZED));
    }
}

#[test]
fn validate_names_a_missing_jwks() {
    let (code, out, err) = crate::harness::run(&["validate".as_ref(), repo("examples/authorizers.yaml").as_os_str()]);
    let text = format!("{out}{err}");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("no JWKS for user pool"), "{text}");
    assert!(text.contains("authorizers.yaml:"), "{text}");
    let jwks = format!("{POOL}={}", repo("examples/authorizers.jwks.json").display());
    let (code, out, err) = crate::harness::run(&[
        "validate".as_ref(),
        repo("examples/authorizers.yaml").as_os_str(),
        "--jwks".as_ref(),
        jwks.as_ref(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Serves `body` over HTTP/1.1 on loopback to at most `count` connections, for at most 30 seconds.
fn jwks_server(body: Vec<u8>, count: usize) -> std::net::SocketAddr {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut served = 0;
        while served < count && std::time::Instant::now() < deadline {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 16_384 && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            // Only a JWKS request counts: a parallel test that probes a port it believes closed may reach this
            // listener when the OS hands that port number out again.
            if !head.starts_with(b"GET /") || !head.windows(22).any(|w| w == b"/.well-known/jwks.json") {
                continue;
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
            let _ = stream.write_all(&body);
            served += 1;
        }
    });
    addr
}

#[test]
fn jwks_fetched_from_a_url_at_start() {
    let keys = std::fs::read(repo("examples/authorizers.jwks.json")).unwrap();
    let addr = jwks_server(keys, 1);
    let jwks = format!("{POOL}=http://{addr}/{POOL}/.well-known/jwks.json");
    let authorizer = format!("authorizer={}", example("authorizer").display());
    let server = Server::start(
        &repo("examples/authorizers.yaml"),
        &["--function", &authorizer, "--jwks", &jwks],
    );
    let me = get(&server, "/me", &[("Authorization", &id_token(now() + 600))]);
    assert_eq!(me.status, 200, "{}", me.body_text());
    assert_eq!(json_body(&me)["email"], json!("ada@example.com"));

    // A URL that does not answer: validate names it and fails.
    let (_held, dead) = crate::harness::refused_address();
    let dead_url = format!("{POOL}=http://{dead}/jwks.json");
    let (code, out, err) = crate::harness::run(&[
        "validate".as_ref(),
        repo("examples/authorizers.yaml").as_os_str(),
        "--jwks".as_ref(),
        dead_url.as_ref(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("--jwks http://127.0.0.1:"), "{err}");
}
