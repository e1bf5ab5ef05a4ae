//! Stages: AWS's limits and method-settings lookup.

use tollgate_model::{MethodSettings, Stage};

#[test]
fn stage_rules_follow_aws_limits() {
    let mut stage = Stage::new("prod");
    stage
        .variables
        .insert("backendHost".to_owned(), "127.0.0.1:9000".to_owned());
    assert!(stage.validate().is_ok());

    let mut bad = Stage::new("pro d");
    bad.variables.insert("bad-name".to_owned(), "ok".to_owned());
    bad.variables.insert("ok".to_owned(), "has space".to_owned());
    let messages: Vec<String> = bad.validate().unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "stage name `pro d` must be 1 to 128 letters, digits, `-` or `_`",
            "stage variable name `bad-name` must be 1 to 64 letters, digits or `_`",
            "stage variable `ok`: value must be at most 512 letters, digits or `-._~:/?#&=,`",
        ]
    );
}

#[test]
fn method_settings_fall_back_to_the_stage_default() {
    let mut stage = Stage::new("dev");
    let mut default = MethodSettings::default();
    default.throttling_rate_limit = Some(10.0);
    let mut pets = MethodSettings::default();
    pets.caching_enabled = true;
    stage.method_settings.insert("*/*".to_owned(), default.clone());
    stage.method_settings.insert("pets/GET".to_owned(), pets.clone());
    assert_eq!(stage.method_settings_for("/pets", "GET"), pets);
    assert_eq!(stage.method_settings_for("/pets", "POST"), default);
    assert_eq!(
        Stage::new("x").method_settings_for("/", "GET"),
        MethodSettings::default()
    );
}
