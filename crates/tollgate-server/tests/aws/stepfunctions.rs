//! Step Functions StartExecution through the gateway, signed with a role assumed through STS (`credentials` with a
//! stage variable); the execution's input read back.

use http::{Method, StatusCode};
use serde_json::json;

use crate::common::{assert_only_gateway_headers, bounded, start_gateway};
use crate::moto::{ACCOUNT, client, moto, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_execution_with_an_assumed_role() {
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
        let gateway = start_gateway(&moto, &[], &[("stateMachineArn", &machine), ("role", "apigateway-sfn")]);

        // The template sends the body as the execution's input: "$util.escapeJavaScript($input.body)" (the
        // recorded template escapes `$input.json('$')`; the raw body keeps the client's bytes).
        let input = "{\n  \"order\": \"a&b=c\",\n  \"note\": \"say \\\"hi\\\" / 100% grüße 日本 🚀\"\n}";
        let answer = gateway.post_json("/executions", input).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_only_gateway_headers(&answer);
        let execution = answer.json()["execution"].as_str().unwrap().to_owned();
        assert!(execution.starts_with("arn:aws:states:us-east-1:"), "{execution}");

        let described = sfn.describe_execution().execution_arn(&execution).send().await.unwrap();
        assert_eq!(described.input.as_deref(), Some(input));
        assert_eq!(described.state_machine_arn, machine);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_role_signs_the_request() {
    let moto = moto();
    bounded(async {
        let role = unique("apigateway");
        let gateway = start_gateway(&moto, &[], &[("role", &role)]);
        let answer = gateway.send(Method::GET, "/whoami", &[], "").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        // STS names the caller: the role assumed with session name `tollgate` (moto answers XML, AWS JSON).
        let caller = format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/tollgate");
        assert!(answer.text().contains(&caller), "{}", answer.text());
    })
    .await;
}
