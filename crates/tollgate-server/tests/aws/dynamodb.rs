//! DynamoDB PutItem, GetItem, Query and UpdateItem through the gateway (JSON protocol: API Gateway adds
//! `X-Amz-Target: DynamoDB_20120810.<Action>` and `application/x-amz-json-1.0`), and a missing table's 400
//! selected by `4\d{2}` and mapped.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use http::{Method, StatusCode};
use serde_json::json;
use tollgate_aws::AwsClient;

use crate::common::{TRICKY, assert_only_gateway_headers, bounded, start_gateway};
use crate::moto::{client, moto, unique};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

/// A table keyed by `owner` (hash) and `id` (range).
async fn create_table(aws: &AwsClient) -> String {
    let ddb = aws_sdk_dynamodb::Client::new(aws.sdk_config());
    let table = unique("t");
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    ddb.create_table()
        .table_name(&table)
        .attribute_definitions(attribute("owner"))
        .attribute_definitions(attribute("id"))
        .key_schema(key("owner", KeyType::Hash))
        .key_schema(key("id", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    table
}

async fn stored(aws: &AwsClient, table: &str, owner: &str, id: &str) -> HashMap<String, AttributeValue> {
    let ddb = aws_sdk_dynamodb::Client::new(aws.sdk_config());
    ddb.get_item()
        .table_name(table)
        .key("owner", AttributeValue::S(owner.to_owned()))
        .key("id", AttributeValue::S(id.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no item {owner}/{id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_get_query_update() {
    let moto = moto();
    let aws = client(&moto);
    bounded(async {
        let table = create_table(&aws).await;
        let gateway = start_gateway(&moto, &[], &[("table", &table)]);

        // PutItem: DynamoDB answers `{}` (REC test_rest_api_to_dynamodb_integration[PutItem]), passed through.
        let put = gateway
            .send(
                Method::PUT,
                "/owners/ann/items/a1",
                &JSON,
                &json!({"note": TRICKY}).to_string(),
            )
            .await;
        assert_eq!((put.status, put.text().as_str()), (StatusCode::OK, "{}"));
        assert_only_gateway_headers(&put);
        let item = stored(&aws, &table, "ann", "a1").await;
        assert_eq!(item["note"], AttributeValue::S(TRICKY.to_owned()));
        let second = gateway
            .send(Method::PUT, "/owners/ann/items/a2", &JSON, r#"{"note": "second"}"#)
            .await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.text());

        // GetItem, re-shaped by the response template.
        let got = gateway.send(Method::GET, "/owners/ann/items/a1", &[], "").await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        assert_only_gateway_headers(&got);
        assert_eq!(got.json(), json!({"id": "a1", "note": TRICKY}));

        // Query: {"Count", "Items", "ScannedCount"} (REC …[Query]) into a list.
        let listed = gateway.send(Method::GET, "/owners/ann/items", &[], "").await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
        assert_eq!(
            listed.json(),
            json!({"count": 2, "items": [{"id": "a1", "note": TRICKY}, {"id": "a2", "note": "second"}]})
        );

        // UpdateItem with ReturnValues ALL_NEW.
        let note = "patched & \"quoted\"\nü 🚀";
        let updated = gateway
            .send(
                Method::PATCH,
                "/owners/ann/items/a2",
                &JSON,
                &json!({"note": note}).to_string(),
            )
            .await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
        assert_eq!(updated.json(), json!({"note": note, "hits": 1}));
        let item = stored(&aws, &table, "ann", "a2").await;
        assert_eq!(item["note"], AttributeValue::S(note.to_owned()));
        assert_eq!(item["hits"], AttributeValue::N("1".to_owned()));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_table_is_selected_by_4xx_and_mapped() {
    let moto = moto();
    bounded(async {
        let gateway = start_gateway(&moto, &[], &[("table", &unique("t"))]);
        let answer = gateway.send(Method::GET, "/missing/x", &[], "").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text());
        assert_only_gateway_headers(&answer);
        // DynamoDB's 400 `{"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", …}`.
        assert_eq!(answer.text().trim(), r#"{"error": "ResourceNotFoundException"}"#);
    })
    .await;
}
