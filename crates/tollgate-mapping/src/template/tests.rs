use super::*;

fn render(engine: &MappingEngine, source: &str, body: &str) -> Result<String, RenderError> {
    let method = MethodRequest::default();
    let context = RequestContext::example();
    let input = TemplateInput {
        method: &method,
        body,
        context: &context,
        stage_variables: &[],
    };
    engine
        .compile("t", source)
        .map_err(|e| e.0.into_iter().next().unwrap())?
        .render(&input, &mut ContextState::default())
}

#[test]
fn json_work_is_bounded_per_render() {
    let body = format!("[{}]", vec!["1"; 1000].join(","));
    let engine = MappingEngine::new().with_json_work_budget(50_000);
    // One conversion of the 1,001-node body fits; fifty in a loop do not.
    assert!(render(&engine, "$input.path('$').size()", &body).is_ok());
    let err = render(&engine, "#foreach($i in [1..50])#set($x = $input.path('$'))#end", &body).unwrap_err();
    assert!(err.message().contains("work budget"), "{}", err.report());
    let err = render(
        &engine,
        "#foreach($i in [1..50])#set($x = $input.json('$..*'))#end",
        &body,
    )
    .unwrap_err();
    assert!(err.message().contains("work budget"), "{}", err.report());
    let parse = "#foreach($i in [1..50])#set($x = $util.parseJson($input.body))#end";
    assert!(
        render(&engine, parse, &body)
            .unwrap_err()
            .message()
            .contains("work budget")
    );
}

#[test]
fn each_render_starts_with_a_full_budget() {
    let body = format!("[{}]", vec!["1"; 1000].join(","));
    let engine = MappingEngine::new().with_json_work_budget(5_000);
    let template = engine.compile("t", "$input.path('$').size()").unwrap();
    let method = MethodRequest::default();
    let context = RequestContext::example();
    let input = TemplateInput {
        method: &method,
        body: &body,
        context: &context,
        stage_variables: &[],
    };
    for _ in 0..10 {
        assert_eq!(template.render(&input, &mut ContextState::default()).unwrap(), "1000");
    }
}
