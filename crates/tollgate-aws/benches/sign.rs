//! Building and signing AWS integration requests (no network): what each AWS integration call costs before I/O.

// Fixed, valid inputs: an unwrap failing here is a broken benchmark, reported as such.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Method;
use tollgate_aws::{
    Credentials, Endpoint, IntegrationRequest, IntegrationUri, NoPlaceholders, PlaceholderValues, ServiceTable,
    build_request, sign_request,
};

fn benches(c: &mut Criterion) {
    let table = ServiceTable::builtin();
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "bench",
    );
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);

    let sqs = IntegrationUri::parse("arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders", table).unwrap();
    let sqs_target = sqs.resolve(&NoPlaceholders).unwrap().into_owned();
    let sqs_endpoint = Endpoint::public(&sqs_target);
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let sqs_body = Bytes::from(format!(
        "Action=SendMessage&MessageBody={}",
        "%7B%22id%22%3A42%7D".repeat(20)
    ));
    let sqs_request = IntegrationRequest {
        method: &Method::POST,
        query: &[],
        headers: &form,
        content_type: Some("application/json"),
        body: sqs_body,
    };

    let ddb = IntegrationUri::parse("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", table).unwrap();
    let ddb_target = ddb.resolve(&NoPlaceholders).unwrap().into_owned();
    let ddb_endpoint = Endpoint::public(&ddb_target);
    let item = Bytes::from(r#"{"TableName":"orders","Item":{"id":{"S":"42"},"note":{"S":"a small order"}}}"#);
    let ddb_request = IntegrationRequest {
        method: &Method::POST,
        query: &[],
        headers: &[],
        content_type: None,
        body: item,
    };

    c.bench_function("build/sqs_path", |b| {
        b.iter(|| build_request(black_box(&sqs_target), &sqs_endpoint, black_box(&sqs_request)).unwrap())
    });
    c.bench_function("build_sign/sqs_path", |b| {
        b.iter(|| {
            let mut wire = build_request(black_box(&sqs_target), &sqs_endpoint, black_box(&sqs_request)).unwrap();
            sign_request(&mut wire, &credentials, time).unwrap();
            wire
        })
    });
    c.bench_function("build_sign/dynamodb_action", |b| {
        b.iter(|| {
            let mut wire = build_request(black_box(&ddb_target), &ddb_endpoint, black_box(&ddb_request)).unwrap();
            sign_request(&mut wire, &credentials, time).unwrap();
            wire
        })
    });

    let staged = IntegrationUri::parse(
        "arn:aws:apigateway:us-east-1:sqs:path/${stageVariables.account}/${stageVariables.queue}",
        table,
    )
    .unwrap();
    let stage = [("account", "123456789012"), ("queue", "orders")];
    let vars = PlaceholderValues {
        stage_variables: &stage,
        path_parameters: &[],
    };
    c.bench_function("resolve/stage_variables", |b| {
        b.iter(|| staged.resolve(black_box(&vars)).unwrap())
    });
    c.bench_function("resolve/static", |b| {
        b.iter(|| sqs.resolve(black_box(&NoPlaceholders)).unwrap())
    });
    c.bench_function("parse/lambda_uri", |b| {
        b.iter(|| {
            IntegrationUri::parse(
                black_box("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Calc/invocations"),
                table,
            )
            .unwrap()
        })
    });
}

criterion_group!(sign, benches);
criterion_main!(sign);
