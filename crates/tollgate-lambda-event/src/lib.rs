//! Amazon API Gateway Lambda proxy integration: the payload-1.0 event writer and proxy-response rules.
