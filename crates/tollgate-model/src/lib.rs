//! Amazon API Gateway REST API model and OpenAPI (x-amazon-apigateway-*) import with located diagnostics.
