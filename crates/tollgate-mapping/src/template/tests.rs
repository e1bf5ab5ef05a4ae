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

/// `$input.path('$')` of a body nobody parsed yet builds its values straight from the text (arrays of scalars
/// stay text until read); once `$input.json` has parsed the body, the same call converts the parsed tree. Both
/// must give the same values.
#[test]
fn values_from_text_match_values_from_the_tree() {
    let bodies = [
        r#"{"tags":["a","b\"c\u00e9",1.50,-0,1e2,12345678901,123456789012345678901234,true,false,null],"none":[]}"#,
        r#"{"a":1,"b":{"c":[1,[2,3],{"d":"e"}]},"a":[4,5],"f":[[],[[]],{}]}"#,
        r#"[["x","y"],{"k":["v"]},"s",7]"#,
        r#"  [ 1 , 2.50 , "three" ]  "#,
        r#""just a string""#,
        "12.0",
        "[]",
        "{}",
        r#"{"bad":[1,2,}"#,
        r#"{"bad":["unterminated]}"#,
        r#"["\u0001"]"#,
        "[1,2] trailing",
    ];
    let templates = [
        "$o",
        "$o.tags $o.tags.size() $o.tags.get(1) $o.tags.get(3) $o.tags.empty $o.none.isEmpty() $o.none",
        "#foreach($t in $o.tags)[$t]#end $o.tags.contains('a') $o.tags.indexOf(true)",
        "$o.a $o.b.c $o.b.c.get(1).size() $o.f $o.f.get(1).get(0)",
        "#foreach($x in $o)$x|#end $o.get(0).get(1) $o.get(3)",
        "$o.size() #if($o)yes#end",
        "$o.tags.add('z') $o.tags $o.tags.toString()",
    ];
    let engine = MappingEngine::new();
    for body in bodies {
        for template in templates {
            let direct = format!("#set($o = $input.path('$')){template}");
            let tree = format!("#set($parsed = $input.json('$.none'))#set($o = $input.path('$')){template}");
            let (direct, tree) = (render(&engine, &direct, body), render(&engine, &tree, body));
            assert_eq!(
                direct.as_ref().map_err(RenderError::message),
                tree.as_ref().map_err(RenderError::message),
                "{template} over {body}"
            );
        }
    }
    // `$util.parseJson` reads its text the same way.
    let parsed = render(
        &engine,
        "#set($o = $util.parseJson($input.body))$o.tags $o.tags.size() $o",
        bodies[0],
    )
    .unwrap();
    let tree = render(
        &engine,
        "#set($parsed = $input.json('$.none'))#set($o = $input.path('$'))$o.tags $o.tags.size() $o",
        bodies[0],
    )
    .unwrap();
    assert_eq!(parsed, tree);
}
