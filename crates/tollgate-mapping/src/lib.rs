//! The Amazon API Gateway mapping-template environment ($input, $util, $context, parameter mappings) on tollgate-vtl.

pub mod context;
pub mod event;
pub mod gateway_response;
pub mod json;
pub mod jsonpath;
pub mod param_mapping;
pub mod request;
pub mod selection;
pub mod util_functions;
