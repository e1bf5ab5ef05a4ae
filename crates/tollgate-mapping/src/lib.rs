//! The Amazon API Gateway mapping-template environment ($input, $util, $context, parameter mappings) on tollgate-vtl.
