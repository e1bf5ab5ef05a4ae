//! Creates the resources of an `examples/aws-SERVICE.yaml` API in a local AWS (moto, LocalStack) and prints the
//! stage variables the API needs, one `NAME=VALUE` per line. `examples/run-against-moto.sh` runs it.
//!
//! ```text
//! cargo run -p tollgate-aws --example setup-moto -- http://127.0.0.1:5000 sqs|dynamodb|kinesis|stepfunctions
//! ```
//!
//! Running it twice against the same endpoint reuses what exists.

use std::process::ExitCode;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use tollgate_aws::{AwsClient, Credentials};

/// moto's (and LocalStack's) default account.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
/// The resources' names (the examples' documentation uses them).
const QUEUE: &str = "orders";
const TABLE: &str = "notes";
const STREAM: &str = "events";
const STATE_MACHINE: &str = "orders";

type Failure = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, service] = args.as_slice() else {
        eprintln!("usage: setup-moto ENDPOINT_URL sqs|dynamodb|kinesis|stepfunctions");
        return ExitCode::from(64);
    };
    let aws = match AwsClient::builder()
        .endpoint_url(endpoint)
        .credentials(Credentials::new("test", "test", None, None, "setup-moto"))
        .region(REGION)
        .build()
    {
        Ok(aws) => aws,
        Err(err) => {
            eprintln!("setup-moto: {err}");
            return ExitCode::from(64);
        }
    };
    let result = match service.as_str() {
        "sqs" => sqs(&aws).await,
        "dynamodb" => dynamodb(&aws).await,
        "kinesis" => kinesis(&aws).await,
        "stepfunctions" => stepfunctions(&aws).await,
        other => {
            eprintln!("setup-moto: unknown service `{other}` (sqs, dynamodb, kinesis, stepfunctions)");
            return ExitCode::from(64);
        }
    };
    match result {
        Ok(variables) => {
            for (name, value) in variables {
                println!("{name}={value}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("setup-moto: {service}: {}", chain(&*err));
            ExitCode::FAILURE
        }
    }
}

fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

async fn sqs(aws: &AwsClient) -> Result<Vec<(&'static str, String)>, Failure> {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    // CreateQueue with the same name and attributes returns the existing queue.
    let url = sqs
        .create_queue()
        .queue_name(QUEUE)
        .send()
        .await?
        .queue_url
        .unwrap_or_default();
    Ok(vec![
        ("account", ACCOUNT.to_owned()),
        ("queue", QUEUE.to_owned()),
        ("queueUrl", url),
    ])
}

async fn dynamodb(aws: &AwsClient) -> Result<Vec<(&'static str, String)>, Failure> {
    let ddb = aws_sdk_dynamodb::Client::new(aws.sdk_config());
    let exists = ddb.describe_table().table_name(TABLE).send().await.is_ok();
    if !exists {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
        ddb.create_table()
            .table_name(TABLE)
            .attribute_definitions(attribute("owner")?)
            .attribute_definitions(attribute("id")?)
            .key_schema(key("owner", KeyType::Hash)?)
            .key_schema(key("id", KeyType::Range)?)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await?;
    }
    Ok(vec![("table", TABLE.to_owned())])
}

async fn kinesis(aws: &AwsClient) -> Result<Vec<(&'static str, String)>, Failure> {
    let kinesis = aws_sdk_kinesis::Client::new(aws.sdk_config());
    if kinesis
        .describe_stream_summary()
        .stream_name(STREAM)
        .send()
        .await
        .is_err()
    {
        kinesis
            .create_stream()
            .stream_name(STREAM)
            .shard_count(1)
            .send()
            .await?;
    }
    // A new stream is CREATING for a moment on AWS (moto makes it ACTIVE at once).
    for _ in 0..60 {
        let summary = kinesis.describe_stream_summary().stream_name(STREAM).send().await?;
        let active = summary
            .stream_description_summary
            .is_some_and(|s| s.stream_status == aws_sdk_kinesis::types::StreamStatus::Active);
        if active {
            return Ok(vec![("stream", STREAM.to_owned())]);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("stream {STREAM} did not become ACTIVE within 30 s").into())
}

async fn stepfunctions(aws: &AwsClient) -> Result<Vec<(&'static str, String)>, Failure> {
    let sfn = aws_sdk_sfn::Client::new(aws.sdk_config());
    let arn = format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE}");
    if sfn
        .describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .is_err()
    {
        // One Pass state: the order goes through unchanged, with a status added.
        let definition = r#"{"StartAt": "Accept", "States": {"Accept": {"Type": "Pass", "Result": "accepted", "ResultPath": "$.status", "End": true}}}"#;
        sfn.create_state_machine()
            .name(STATE_MACHINE)
            .definition(definition)
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/stepfunctions-orders"))
            .send()
            .await?;
    }
    Ok(vec![
        ("account", ACCOUNT.to_owned()),
        ("stateMachine", STATE_MACHINE.to_owned()),
    ])
}
