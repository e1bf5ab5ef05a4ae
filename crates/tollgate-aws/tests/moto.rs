//! The generic wire path and the Lambda invoker against a real local AWS (moto): each test sends what an API
//! Gateway integration would send, checks the raw response, and reads the effect back with the typed SDK.
//!
//! moto differences from AWS that a test depends on are named `MOTO_*` constants, with what AWS does.

// Test helpers outside #[test] functions unwrap too: a failed setup is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, KeySchemaElement, KeyType, ScalarAttributeType};
use aws_sdk_sqs::types::QueueAttributeName;
use bytes::Bytes;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use support::{ACCOUNT, REGION, client, create_queue, moto, unique};
use tollgate_aws::{
    AwsClient, AwsResponse, IntegrationRequest, IntegrationUri, InvocationType, LambdaInvoker, PlaceholderValues,
    SendError, ServiceTable,
};

/// moto 5.2.5 answers SQS query-protocol requests in XML even with `Accept: application/json` (it switches to JSON
/// only for a `ContentType=JSON` form field). Real SQS honours `Accept` and answers
/// `{"SendMessageResponse": {"SendMessageResult": {"MessageId": …}}}` (recorded:
/// test_sqs_request_and_response_xml_templates_integration, where a response template reads that JSON).
const MOTO_SQS_QUERY_ANSWERS_XML: &str = "<SendMessageResponse";

/// moto 5.2.5 picks the protocol from `Content-Type` and, without one, parses a request as SQS's JSON protocol, so
/// a body-less `action/SendMessage` with query-string parameters needs the form type mapped to reach the Query
/// protocol. AWS answers query-string parameters without a body (recorded for SSM in
/// test_apigateway_ssm::test_ssm_aws_integration, which maps only `integration.request.querystring.Name`).
const MOTO_QUERY_NEEDS_THE_FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// moto 5.2.5's Docker-less Lambda answers any function name, existing or not (awslambda_simple does not look
/// the function up); AWS answers 404 `ResourceNotFoundException`, whose mapping lambda.rs unit-tests.
const MOTO_SIMPLE_LAMBDA_INVOKES_ANY_NAME: u16 = 200;

/// moto 5.2.5 ignores the URL's query parameters when a request has a form body (moto/core/responses.py
/// `setup_class`), so `?Action=SendMessage` plus a body `QueueUrl=…&MessageBody=…` loses the action there.
const MOTO_FORM_BODY_HIDES_URL_PARAMETERS: &str = "Action=SendMessage&";

/// Every test body runs under this bound, so a broken server fails the test instead of hanging it.
const TEST_BOUND: Duration = Duration::from_secs(120);
/// The integration timeout for calls that should succeed (API Gateway's default is 29 s).
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

struct Call<'a> {
    uri: &'a str,
    method: Method,
    query: Vec<(&'a str, &'a str)>,
    headers: Vec<(&'a str, &'a str)>,
    content_type: Option<&'a str>,
    stage_variables: Vec<(&'a str, &'a str)>,
    body: Bytes,
}

impl<'a> Call<'a> {
    fn post(uri: &'a str, body: impl Into<Bytes>) -> Call<'a> {
        Call {
            uri,
            method: Method::POST,
            query: Vec::new(),
            headers: Vec::new(),
            content_type: Some("application/json"),
            stage_variables: Vec::new(),
            body: body.into(),
        }
    }

    fn header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn query(mut self, name: &'a str, value: &'a str) -> Self {
        self.query.push((name, value));
        self
    }

    async fn send(&self, aws: &AwsClient) -> Result<AwsResponse, SendError> {
        let uri = IntegrationUri::parse(self.uri, ServiceTable::builtin()).unwrap();
        let vars = PlaceholderValues {
            stage_variables: &self.stage_variables,
            path_parameters: &[],
        };
        let target = uri.resolve(&vars).unwrap();
        let request = IntegrationRequest {
            method: &self.method,
            query: &self.query,
            headers: &self.headers,
            content_type: self.content_type,
            body: self.body.clone(),
        };
        aws.send(&target, None, &request, INTEGRATION_TIMEOUT).await
    }
}

fn json_body(response: &AwsResponse) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&response.body)))
}

/// `$util.urlEncode` (Java's URLEncoder): unreserved `.-*_` and alphanumerics stay, space is `+`.
fn url_encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_BOUND, test)
        .await
        .expect("test exceeded its bound");
}

async fn receive_all(aws: &AwsClient, queue_url: &str) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    let received = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    received
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_send_message_by_path_keeps_the_body_byte_for_byte() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let (name, url) = create_queue(&aws).await;
        let uri = format!("arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{name}");
        // A template `Action=SendMessage&MessageBody=$util.urlEncode($input.body)`.
        let message = "{\"quote\": \"\\\"\", \"amp\": \"a&b=c\", \"plus\": \"1+1\"}\nline two\r\n\tgrüße 日本 🚀 %41";
        let body = format!("Action=SendMessage&MessageBody={}", url_encode(message));
        let response = Call::post(&uri, body)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(response.status, StatusCode::OK);
        let text = String::from_utf8_lossy(&response.body);
        assert!(text.contains(MOTO_SQS_QUERY_ANSWERS_XML), "{text}");
        assert!(
            between(&text, "<MessageId>", "</MessageId>").is_some_and(|id| !id.is_empty()),
            "{text}"
        );

        // The recorded template writes the body raw: `Action=SendMessage&MessageBody=$input.body`; a JSON body
        // without `&`, `+` or `%` survives form decoding (REC test_sqs_aws_integration reads {"foo": "bar"} back).
        Call::post(&uri, "Action=SendMessage&MessageBody={\"foo\": \"bar\"}")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(&aws)
            .await
            .unwrap();
        let mut bodies = receive_all(&aws, &url).await;
        bodies.sort();
        let mut expected = vec![message.to_owned(), "{\"foo\": \"bar\"}".to_owned()];
        expected.sort();
        assert_eq!(bodies, expected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_send_message_by_action_with_query_parameters() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let (_, url) = create_queue(&aws).await;
        let uri = format!("arn:aws:apigateway:{REGION}:sqs:action/SendMessage");
        let message = "sent by action: a&b=c+d ünïcode";
        let response = Call::post(&uri, "")
            .header("Content-Type", MOTO_QUERY_NEEDS_THE_FORM_CONTENT_TYPE)
            .query("QueueUrl", &url)
            .query("MessageBody", message)
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(receive_all(&aws, &url).await, vec![message.to_owned()]);

        // The parameters in a form body instead. moto reads only the body's parameters when there is a form body
        // (MOTO_FORM_BODY_HIDES_URL_PARAMETERS), so the body repeats `Action`; AWS's handling of parameters split
        // between URL and body is not recorded.
        let form = format!(
            "{MOTO_FORM_BODY_HIDES_URL_PARAMETERS}QueueUrl={}&MessageBody={}",
            url_encode(&url),
            url_encode("in the body")
        );
        let response = Call::post(&uri, form)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(receive_all(&aws, &url).await, vec!["in the body".to_owned()]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_missing_queue_is_returned_raw() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let uri = format!("arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{}", unique("missing"));
        let response = Call::post(&uri, "Action=SendMessage&MessageBody=x")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        let text = String::from_utf8_lossy(&response.body);
        assert!(text.contains("NonExistentQueue"), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_put_get_query_update() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let ddb = aws_sdk_dynamodb::Client::new(aws.sdk_config());
        let table = unique("t");
        ddb.create_table()
            .table_name(&table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
        let action = |name: &str| format!("arn:aws:apigateway:{REGION}:dynamodb:action/{name}");

        // REC test_rest_api_to_dynamodb_integration[PutItem]: the service answers `{}`.
        let item = json!({"TableName": table, "Item": {"id": {"S": "test new"}, "note": {"S": "quote \" & ü"}}});
        let put = Call::post(&action("PutItem"), item.to_string())
            .send(&aws)
            .await
            .unwrap();
        assert_eq!((put.status, json_body(&put)), (StatusCode::OK, json!({})));

        let get = json!({"TableName": table, "Key": {"id": {"S": "test new"}}});
        let got = Call::post(&action("GetItem"), get.to_string())
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(json_body(&got)["Item"]["note"], json!({"S": "quote \" & ü"}));

        // REC …[Query]: {"Count", "Items", "ScannedCount"}.
        let query = json!({
            "TableName": table,
            "KeyConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":id": {"S": "test new"}},
        });
        let queried = Call::post(&action("Query"), query.to_string())
            .send(&aws)
            .await
            .unwrap();
        let queried = json_body(&queried);
        assert_eq!((&queried["Count"], &queried["ScannedCount"]), (&json!(1), &json!(1)));
        assert_eq!(queried["Items"][0]["id"], json!({"S": "test new"}));

        let update = json!({
            "TableName": table,
            "Key": {"id": {"S": "test new"}},
            "UpdateExpression": "SET hits = :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
            "ReturnValues": "ALL_NEW",
        });
        let updated = Call::post(&action("UpdateItem"), update.to_string())
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(json_body(&updated)["Attributes"]["hits"], json!({"N": "1"}));

        let stored = ddb
            .get_item()
            .table_name(&table)
            .key("id", AttributeValue::S("test new".to_owned()))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        assert_eq!(stored.get("hits"), Some(&AttributeValue::N("1".to_owned())));
        assert_eq!(stored.get("note"), Some(&AttributeValue::S("quote \" & ü".to_owned())));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_missing_table_is_returned_raw() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let uri = format!("arn:aws:apigateway:{REGION}:dynamodb:action/PutItem");
        let item = json!({"TableName": unique("missing"), "Item": {"id": {"S": "x"}}});
        let response = Call::post(&uri, item.to_string()).send(&aws).await.unwrap();
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        let body = json_body(&response);
        assert!(
            body["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("ResourceNotFoundException")),
            "{body}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinesis_put_record_and_put_records() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let kinesis = aws_sdk_kinesis::Client::new(aws.sdk_config());
        let stream = unique("s");
        kinesis
            .create_stream()
            .stream_name(&stream)
            .shard_count(1)
            .send()
            .await
            .unwrap();
        let uri = |action: &str| format!("arn:aws:apigateway:{REGION}:kinesis:action/{action}");

        // REC test_apigateway_to_kinesis: Data = $util.base64Encode($input.body); the answer has SequenceNumber
        // and ShardId.
        let payload = "{\"kinesis\": \"snapshot\", \"ü\": 1}";
        let record = json!({"StreamName": stream, "Data": base64(payload.as_bytes()), "PartitionKey": "test"});
        let put = Call::post(&uri("PutRecord"), record.to_string())
            .send(&aws)
            .await
            .unwrap();
        assert_eq!(put.status, StatusCode::OK, "{}", String::from_utf8_lossy(&put.body));
        let put = json_body(&put);
        assert!(put["SequenceNumber"].is_string() && put["ShardId"].is_string(), "{put}");

        let records = json!({
            "StreamName": stream,
            "Records": [
                {"Data": base64(b"one"), "PartitionKey": "a"},
                {"Data": base64(b"two"), "PartitionKey": "b"},
            ],
        });
        let put_many = Call::post(&uri("PutRecords"), records.to_string())
            .send(&aws)
            .await
            .unwrap();
        let put_many = json_body(&put_many);
        assert_eq!(put_many["FailedRecordCount"], json!(0), "{put_many}");
        assert_eq!(put_many["Records"].as_array().map(Vec::len), Some(2));

        let shard = kinesis
            .list_shards()
            .stream_name(&stream)
            .send()
            .await
            .unwrap()
            .shards
            .unwrap();
        let iterator = kinesis
            .get_shard_iterator()
            .stream_name(&stream)
            .shard_id(shard[0].shard_id())
            .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator
            .unwrap();
        let read = kinesis.get_records().shard_iterator(iterator).send().await.unwrap();
        let data: Vec<Vec<u8>> = read.records.iter().map(|r| r.data.clone().into_inner()).collect();
        assert_eq!(
            data,
            vec![payload.as_bytes().to_vec(), b"one".to_vec(), b"two".to_vec()]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_functions_start_execution() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let sfn = aws_sdk_sfn::Client::new(aws.sdk_config());
        let definition = json!({"StartAt": "p", "States": {"p": {"Type": "Pass", "End": true}}});
        let machine = sfn
            .create_state_machine()
            .name(unique("m"))
            .definition(definition.to_string())
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/sfn"))
            .send()
            .await
            .unwrap()
            .state_machine_arn;
        // REC test_apigateway_with_step_function_integration[StartExecution]: input is
        // "$util.escapeJavaScript($input.json('$'))"; the answer has executionArn and startDate.
        let input = "{\"test\":\"test-value\",\"ü\":\"\\\"quoted\\\"\"}";
        let request = json!({"input": input, "stateMachineArn": machine});
        let uri = format!("arn:aws:apigateway:{REGION}:states:action/StartExecution");
        let started = Call::post(&uri, request.to_string()).send(&aws).await.unwrap();
        assert_eq!(
            started.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&started.body)
        );
        let started = json_body(&started);
        let execution = started["executionArn"].as_str().unwrap().to_owned();
        assert!(started["startDate"].is_number(), "{started}");

        let described = sfn.describe_execution().execution_arn(&execution).send().await.unwrap();
        assert_eq!(described.input.as_deref(), Some(input));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_concurrent_and_loses_nothing() {
    const MESSAGES: usize = 1_000;
    const IN_FLIGHT: usize = 50;
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let (name, url) = create_queue(&aws).await;
        let uri = format!("arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{name}");
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..MESSAGES {
            let aws = aws.clone();
            let uri = uri.clone();
            let permits = permits.clone();
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                let body = format!("Action=SendMessage&MessageBody=message+{i}");
                let response = Call::post(&uri, body)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .send(&aws)
                    .await
                    .unwrap();
                assert_eq!(response.status, StatusCode::OK);
                let text = String::from_utf8_lossy(&response.body).into_owned();
                between(&text, "<MessageId>", "</MessageId>").unwrap().to_owned()
            });
        }
        let mut ids = HashSet::new();
        while let Some(id) = tasks.join_next().await {
            ids.insert(id.unwrap());
        }
        assert_eq!(ids.len(), MESSAGES);
        let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        assert_eq!(
            attributes[&QueueAttributeName::ApproximateNumberOfMessages],
            MESSAGES.to_string()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_role_is_assumed_through_sts_and_cached() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let role = create_role(&aws, "apigateway.amazonaws.com").await;

        let assumed = aws.credentials(Some(&role), REGION).await.unwrap();
        assert_ne!(assumed.access_key_id(), support::test_credentials().access_key_id());
        assert!(assumed.session_token().is_some() && assumed.expiry().is_some());
        let again = aws.credentials(Some(&role), REGION).await.unwrap();
        assert_eq!(
            again.access_key_id(),
            assumed.access_key_id(),
            "the session is reused until it nears expiry"
        );

        let (name, url) = create_queue(&aws).await;
        let target = IntegrationUri::parse(
            &format!("arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{name}"),
            ServiceTable::builtin(),
        )
        .unwrap();
        let target = target.resolve(&tollgate_aws::NoPlaceholders).unwrap();
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        let request = IntegrationRequest {
            method: &Method::POST,
            query: &[],
            headers: &headers,
            content_type: None,
            body: Bytes::from_static(b"Action=SendMessage&MessageBody=as+the+role"),
        };
        let sent = aws
            .send(&target, Some(&role), &request, INTEGRATION_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(sent.status, StatusCode::OK);
        assert_eq!(receive_all(&aws, &url).await, vec!["as the role".to_owned()]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_invoke_request_response_event_errors() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        use_lambda_without_docker(&moto.endpoint).await;
        let lambda = aws_sdk_lambda::Client::new(aws.sdk_config());
        let name = unique("fn");
        // The smallest valid zip: an empty archive's end-of-central-directory record.
        let mut zip = b"PK\x05\x06".to_vec();
        zip.resize(22, 0);
        let function = lambda
            .create_function()
            .function_name(&name)
            .runtime(aws_sdk_lambda::types::Runtime::Python312)
            .role(create_role(&aws, "lambda.amazonaws.com").await)
            .handler("index.handler")
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(zip.into())
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .function_arn
            .unwrap();
        let invoker = LambdaInvoker::new(&aws);
        let timeout = INTEGRATION_TIMEOUT;

        // moto's Docker-less Lambda echoes the payload.
        let payload = Bytes::from("{\"hello\": \"wörld\", \"q\": \"\\\"\"}");
        let outcome = invoker
            .invoke(
                &function,
                None,
                payload.clone(),
                InvocationType::RequestResponse,
                timeout,
            )
            .await
            .unwrap();
        assert_eq!(
            (outcome.status, &outcome.payload, &outcome.function_error),
            (200, &payload, &None)
        );

        let queued = invoker
            .invoke(&name, None, payload.clone(), InvocationType::Event, timeout)
            .await
            .unwrap();
        assert_eq!(queued.status, 202);

        let missing = invoker
            .invoke(&unique("nope"), None, payload, InvocationType::RequestResponse, timeout)
            .await;
        assert_eq!(missing.map(|o| o.status), Ok(MOTO_SIMPLE_LAMBDA_INVOKES_ANY_NAME));

        // The integration's role signs the call when given.
        let role = create_role(&aws, "apigateway.amazonaws.com").await;
        let as_role = invoker
            .invoke_as(
                Some(&role),
                &function,
                None,
                Bytes::from_static(b"{}"),
                InvocationType::RequestResponse,
                timeout,
            )
            .await
            .unwrap();
        assert_eq!((as_role.status, &as_role.payload[..]), (200, &b"{}"[..]));

        // A result over Lambda's 6 MB response limit is a function error (`X-Amz-Function-Error: Unhandled`),
        // which moto reproduces; the payload is Lambda's error document.
        let big = Bytes::from(format!("\"{}\"", "x".repeat(6_000_100)));
        let failed = invoker
            .invoke(&function, None, big, InvocationType::RequestResponse, timeout)
            .await
            .unwrap();
        assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
        let error: Value = serde_json::from_slice(&failed.payload).unwrap();
        assert_eq!(error["errorType"], json!("Function.ResponseSizeTooLarge"));
    })
    .await;
}

/// moto's Lambda runs functions in Docker unless told otherwise; these machines have no Docker.
async fn use_lambda_without_docker(endpoint: &str) {
    let status = std::process::Command::new("curl")
        .args([
            "-fsS",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
        ])
        .args(["-d", r#"{"lambda": {"use_docker": false}}"#])
        .arg(format!("{endpoint}/moto-api/config"))
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_endpoint_times_out() {
    // A listener that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let aws = AwsClient::builder()
        .endpoint_url(format!("http://{address}"))
        .credentials(support::test_credentials())
        .build()
        .unwrap();
    let uri = IntegrationUri::parse("arn:aws:apigateway:us-east-1:sqs:path/1/q", ServiceTable::builtin()).unwrap();
    let target = uri.resolve(&tollgate_aws::NoPlaceholders).unwrap();
    let request = IntegrationRequest {
        method: &Method::POST,
        query: &[],
        headers: &[],
        content_type: None,
        body: Bytes::from_static(b"Action=SendMessage"),
    };
    let result = bounded_result(aws.send(&target, None, &request, Duration::from_millis(200))).await;
    assert!(matches!(result, Err(SendError::Timeout)), "{result:?}");
    holder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_a_connect_error() {
    // Bound and never listening, and held to the end: no parallel test can take the port (a port that was merely
    // free a moment ago once answered another test's server, and the call got a reset instead of a refusal).
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let port = held.local_addr().unwrap().port();
    let aws = AwsClient::builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials(support::test_credentials())
        .build()
        .unwrap();
    let uri = IntegrationUri::parse(
        "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        ServiceTable::builtin(),
    )
    .unwrap();
    let target = uri.resolve(&tollgate_aws::NoPlaceholders).unwrap();
    let request = IntegrationRequest {
        method: &Method::POST,
        query: &[],
        headers: &[],
        content_type: None,
        body: Bytes::from_static(b"{}"),
    };
    let result = bounded_result(aws.send(&target, None, &request, INTEGRATION_TIMEOUT)).await;
    assert!(matches!(result, Err(SendError::Connect(_))), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_tls_handshake_is_a_connect_error() {
    // An `https://` endpoint whose server speaks plain HTTP: the rustls handshake fails.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    let aws = AwsClient::builder()
        .endpoint_url(format!("https://{address}"))
        .credentials(support::test_credentials())
        .build()
        .unwrap();
    let uri = IntegrationUri::parse("arn:aws:apigateway:us-east-1:sqs:path/1/q", ServiceTable::builtin()).unwrap();
    let target = uri.resolve(&tollgate_aws::NoPlaceholders).unwrap();
    let request = IntegrationRequest {
        method: &Method::POST,
        query: &[],
        headers: &[],
        content_type: None,
        body: Bytes::from_static(b"Action=SendMessage"),
    };
    let result = bounded_result(aws.send(&target, None, &request, INTEGRATION_TIMEOUT)).await;
    // rustls reads the plain-HTTP answer as a record of the wrong content type.
    assert!(
        matches!(&result, Err(SendError::Connect(message)) if message.contains("InvalidContentType")),
        "{result:?}"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_response_is_an_error_not_an_unbounded_read() {
    let moto = moto();
    let aws = AwsClient::builder()
        .endpoint_url(&moto.endpoint)
        .credentials(support::test_credentials())
        .region(REGION)
        .max_response_bytes(64)
        .build()
        .unwrap();
    bounded(async {
        let uri = format!("arn:aws:apigateway:{REGION}:sqs:action/ListQueues");
        let result = Call::post(&uri, "").send(&aws).await;
        assert!(
            matches!(result, Err(SendError::ResponseTooLarge { limit: 64 })),
            "{result:?}"
        );
    })
    .await;
}

/// Creates an IAM role through the generic path itself: IAM's query protocol on its global endpoint.
async fn create_role(aws: &AwsClient, principal: &str) -> String {
    let role_name = unique("role");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]})
    .to_string();
    let created = Call::post("arn:aws:apigateway:us-east-1:iam:action/CreateRole", "")
        .query("RoleName", &role_name)
        .query("AssumeRolePolicyDocument", &trust)
        .send(aws)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&created.body);
    assert_eq!(created.status, StatusCode::OK, "{text}");
    let arn = format!("arn:aws:iam::{ACCOUNT}:role/{role_name}");
    assert!(text.contains(&arn), "{text}");
    arn
}

/// `AwsClient::from_env` takes credentials, region and endpoints from the standard chain: `AWS_ENDPOINT_URL_SQS`
/// wins over `AWS_ENDPOINT_URL` for SQS, other services use the global one. The environment belongs to the
/// process, so the check runs in a child process of this test binary with a prepared environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_reads_credentials_region_and_endpoint_overrides() {
    const CHILD: &str = "TOLLGATE_AWS_TEST_FROM_ENV_QUEUE";
    if let Ok(queue) = std::env::var(CHILD) {
        bounded(from_env_child(queue)).await;
        return;
    }
    let moto = moto();
    let aws = client(&moto);
    let (queue, url) = bounded_result(create_queue(&aws)).await;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        "from_env_reads_credentials_region_and_endpoint_overrides",
        "--nocapture",
    ]);
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            child.env_remove(name);
        }
    }
    child
        .env(CHILD, &queue)
        .env("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT")
        .env("AWS_SECRET_ACCESS_KEY", "secret-from-environment")
        .env("AWS_REGION", REGION)
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed_port}"))
        .env("AWS_ENDPOINT_URL_SQS", &moto.endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/tollgate-aws-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/tollgate-aws-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let output = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(log.contains("1 passed"), "{log}");
    assert_eq!(receive_all(&aws, &url).await, vec!["from the environment".to_owned()]);
}

async fn from_env_child(queue: String) {
    let aws = AwsClient::from_env().await.unwrap();
    let credentials = aws.credentials(None, REGION).await.unwrap();
    assert_eq!(credentials.access_key_id(), "AKIDFROMENVIRONMENT");
    assert_eq!(
        aws.sdk_config().region().map(|r| r.as_ref().to_owned()),
        Some(REGION.to_owned())
    );
    let uri = format!("arn:aws:apigateway:{REGION}:sqs:path/{ACCOUNT}/{queue}");
    let sent = Call::post(&uri, "Action=SendMessage&MessageBody=from+the+environment")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(&aws)
        .await
        .unwrap();
    assert_eq!(sent.status, StatusCode::OK);
    let elsewhere = Call::post(&format!("arn:aws:apigateway:{REGION}:dynamodb:action/ListTables"), "{}")
        .send(&aws)
        .await;
    assert!(matches!(elsewhere, Err(SendError::Connect(_))), "{elsewhere:?}");
}

async fn bounded_result<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_BOUND, future)
        .await
        .expect("call exceeded its bound")
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
