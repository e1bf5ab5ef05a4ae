//! Fuzzes the event writer with arbitrary strings and bodies: the event must always be JSON whose strings
//! read back as written.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_lambda_event::{Body, EventInput, Identity, RequestContext, decode_query, write_event};

fuzz_target!(|data: &[u8]| {
    // Split the input into a handful of parts: header name/value pairs, a raw query, a body.
    let mut parts = data.split(|&b| b == 0xFF);
    let text = |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
    let query_raw = text(parts.next());
    let body = parts.next().unwrap_or_default().to_vec();
    let strings: Vec<String> = parts.map(|p| text(Some(p))).collect();
    let headers: Vec<(&str, &str)> = strings
        .chunks_exact(2)
        .map(|c| (c[0].as_str(), c[1].as_str()))
        .collect();
    let query = decode_query(&query_raw);
    let query_pairs = query.to_pairs();
    let user_agent = strings.first().map(String::as_str);
    let context = RequestContext {
        resource_id: "abc123",
        resource_path: "/{proxy+}",
        operation_name: None,
        http_method: "GET",
        extended_request_id: "A463RGFevHcEhcA=",
        request_time_epoch_ms: i64::from(data.len() as u32) * 1_000_003,
        path: "/prod/x",
        account_id: "123456789012",
        protocol: "HTTP/1.1",
        stage: "prod",
        domain_prefix: "a1b2c3d4e5",
        request_id: "0547626d-6f57-4e19-b03e-92289aea3627",
        identity: Identity {
            source_ip: "198.51.100.7",
            user_agent,
            ..Identity::default()
        },
        domain_name: "example.com",
        deployment_id: "2pi5mk",
        api_id: "a1b2c3d4e5",
        authorizer: None,
    };
    let input = EventInput {
        resource: "/{proxy+}",
        path: strings.last().map_or("/", String::as_str),
        http_method: "GET",
        headers: &headers,
        query: &query_pairs,
        path_parameters: &headers,
        stage_variables: &query_pairs,
        request_context: &context,
        body: if data.first() == Some(&0) {
            Body::Binary(&body)
        } else {
            Body::Text(&body)
        },
    };
    let mut out = Vec::new();
    write_event(&input, &mut out);
    let event: serde_json::Value = serde_json::from_slice(&out).expect("the event is JSON");
    assert_eq!(event["path"].as_str(), Some(input.path));
    const DROPPED: [&str; 12] = [
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "www-authenticate",
    ];
    if let Some((name, _)) = headers
        .iter()
        .find(|(name, _)| !DROPPED.iter().any(|d| d.eq_ignore_ascii_case(name)))
    {
        let object = event["multiValueHeaders"].as_object().expect("headers present");
        assert!(object.keys().any(|k| k.eq_ignore_ascii_case(name)));
    }
});
