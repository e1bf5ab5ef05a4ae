//! The embedding API: profiles, host roots and prepared calls, host objects, shared maps, limits and error
//! reports. Velocity's own behaviour is covered by the golden cases (`golden.rs`).

use std::any::Any;
use std::cell::Cell;

use tollgate_vtl::{
    Arg, Engine, ErrorKind, Host, HostError, HostObject, Limits, Map, Phase, Prepared, Profile, RootId, Schema,
    Template, Value, VarsHost,
};

fn vars(entries: &[(&str, Value)]) -> VarsHost {
    let m = Map::new();
    for (k, v) in entries {
        m.insert(*k, v.clone());
    }
    VarsHost::new(m)
}

fn render(engine: &Engine, src: &str, host: &dyn Host) -> String {
    engine
        .compile("t.vm", src)
        .expect("compiles")
        .render(host)
        .expect("renders")
}

#[test]
fn template_is_send_sync_and_cheap_to_share() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<Engine>();
}

#[test]
fn api_gateway_profile_renders_null_references_as_nothing() {
    // shared/spec/aws-rest-api.md §2: `$result`, `$result.nested` and a bare `$m.put(k, v)` render nothing.
    let aws = Engine::builder().profile(Profile::ApiGateway).build();
    let stock = Engine::new();
    let src = "[$result][$result.nested]#set($m = {})[$m.put('k', 'v')][$m]";
    assert_eq!(render(&aws, src, &vars(&[])), "[][][][{k=v}]");
    assert_eq!(
        render(&stock, src, &vars(&[])),
        "[$result][$result.nested][$m.put('k', 'v')][{k=v}]"
    );
}

#[test]
fn api_gateway_profile_caps_foreach_at_1000_iterations_and_stock_does_not() {
    let src = "#set($n = 0)#foreach($i in [1..1500])#set($n = $n + 1)#end$n";
    let aws = Engine::builder().profile(Profile::ApiGateway).build();
    assert_eq!(render(&aws, src, &vars(&[])), "1000");
    assert_eq!(render(&Engine::new(), src, &vars(&[])), "1500");
    let mut limits = Limits::velocity();
    limits.max_foreach = Some(3);
    let capped = Engine::builder().limits(limits).build();
    assert_eq!(render(&capped, src, &vars(&[])), "3");
}

/// A host with `$input` (an object with a prepared `json` call) and `$context` (a shared map).
#[derive(Debug)]
struct TestSchema {
    input: RootId,
}

const JSON_PATH: u32 = 1;

impl Schema for TestSchema {
    fn prepare_method(&self, root: RootId, name: &str, args: &[Arg<'_>]) -> Result<Option<Prepared>, HostError> {
        if root != self.input || name != "json" {
            return Ok(None);
        }
        match args {
            [Arg::Str(path)] if path.starts_with('$') => Ok(Some(Prepared::with_data(JSON_PATH, path.to_string()))),
            [Arg::Str(_)] => Err(HostError::at_arg(0, "a JSONPath starts with `$`")),
            _ => Ok(None),
        }
    }
}

struct TestHost {
    input: RootId,
    context: RootId,
    context_map: Map,
    root_calls: Cell<u32>,
}

impl Host for TestHost {
    fn root(&self, id: RootId) -> Value {
        self.root_calls.set(self.root_calls.get() + 1);
        if id == self.input {
            Value::object(Input)
        } else if id == self.context {
            Value::Map(self.context_map.clone())
        } else {
            Value::Null
        }
    }

    fn call_prepared(&self, call: &Prepared, args: &[Value]) -> Result<Value, HostError> {
        assert_eq!(call.id, JSON_PATH);
        let path = call.data::<String>().expect("the prepared JSONPath");
        assert_eq!(args.len(), 1);
        Ok(Value::from(format!("json({path})")))
    }
}

#[derive(Debug)]
struct Input;

impl HostObject for Input {
    fn property(&self, name: &str) -> Result<Value, HostError> {
        Ok(if name == "body" { Value::from("{}") } else { Value::Null })
    }

    fn call(&self, name: &str, args: &[Value]) -> Result<Value, HostError> {
        match (name, args) {
            ("path", [Value::Str(p)]) => Ok(Value::list([Value::from(p.to_string())])),
            ("fail", _) => Err(HostError::new("boom")),
            _ => Ok(Value::Null),
        }
    }

    fn write_string(&self, out: &mut String) {
        out.push_str("<input>");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn test_engine() -> (Engine, RootId, RootId) {
    let mut b = Engine::builder().profile(Profile::ApiGateway);
    let input = b.root("input");
    let context = b.root("context");
    (b.schema(TestSchema { input }).build(), input, context)
}

#[test]
fn host_roots_prepared_calls_and_objects() {
    let (engine, input, context) = test_engine();
    let host = TestHost {
        input,
        context,
        context_map: Map::new(),
        root_calls: Cell::new(0),
    };
    let src = "$input.json('$.a') $input.body $input.path('$.x') $input $input.json($dyn)";
    assert_eq!(render(&engine, src, &host), "json($.a) {} [$.x] <input> ");
    // The root is fetched once per render however often it is used.
    assert_eq!(host.root_calls.get(), 1);
}

#[test]
fn host_compile_errors_point_at_the_argument() {
    let (engine, _, _) = test_engine();
    let errors = engine
        .compile("req.vm", "{\n  \"a\": $input.json('a.b')\n}")
        .unwrap_err();
    let e = errors.first().unwrap();
    assert_eq!(e.kind(), ErrorKind::Host);
    assert_eq!(e.line_col(), Some((2, 20)));
    assert_eq!(
        errors.report(),
        "error: a JSONPath starts with `$`\n --> req.vm:2:20\n  |\n2 |   \"a\": $input.json('a.b')\n  |                    ^^^^^\n"
    );
}

#[test]
fn host_map_receives_what_the_template_sets() {
    let (engine, input, context) = test_engine();
    let overrides = Map::new();
    let context_map = Map::new();
    context_map.insert(
        "requestOverride",
        Value::map([("header", Value::Map(overrides.clone()))]),
    );
    let host = TestHost {
        input,
        context,
        context_map: context_map.clone(),
        root_calls: Cell::new(0),
    };
    let src = "#set($context.requestOverride.header.X-Id = 'a')\
               #set($context['requestOverride'].header['y'] = 'b')\
               $context.requestOverride.header.put('z', 'c')#set($context.custom = 1)";
    assert_eq!(render(&engine, src, &host), "");
    assert_eq!(overrides.to_vec().len(), 3);
    assert_eq!(Value::Map(overrides).to_java_string(), "{X-Id=a, y=b, z=c}");
    assert_eq!(context_map.get_str("custom").unwrap().to_java_string(), "1");
}

#[test]
fn a_template_that_assigns_a_root_name_does_not_prepare_it() {
    let (engine, input, context) = test_engine();
    let host = TestHost {
        input,
        context,
        context_map: Map::new(),
        root_calls: Cell::new(0),
    };
    assert_eq!(render(&engine, "#set($input = {'json': 5})$input.json", &host), "5");
}

#[test]
fn host_method_errors_are_render_errors_with_position() {
    let (engine, input, context) = test_engine();
    let host = TestHost {
        input,
        context,
        context_map: Map::new(),
        root_calls: Cell::new(0),
    };
    let e = engine
        .compile("t.vm", "a\n  $input.fail()")
        .unwrap()
        .render(&host)
        .unwrap_err();
    assert_eq!(e.phase(), Phase::Render);
    assert_eq!(e.kind(), ErrorKind::Invocation);
    // Velocity reports a failing method at its name.
    assert_eq!(e.line_col(), Some((2, 10)));
    assert_eq!(e.to_string(), "t.vm:2:10: boom");
}

#[test]
fn values_convert_from_rust_and_print_as_java() {
    let m = Value::map([
        ("s", Value::from("x")),
        ("i", Value::integer(1)),
        ("l", Value::integer(1 << 40)),
        ("d", Value::from(2.5)),
        ("b", Value::from(true)),
        ("n", Value::Null),
        ("list", Value::list([Value::Int(1), Value::from("a")])),
    ]);
    assert_eq!(
        m.to_java_string(),
        "{s=x, i=1, l=1099511627776, d=2.5, b=true, n=null, list=[1, a]}"
    );
}

#[test]
fn shared_lists_show_mutations_everywhere_as_in_java() {
    let out = render(&Engine::new(), "#set($a = [1])#set($b = [$a])$a.add(2)$b", &vars(&[]));
    assert_eq!(out, "true[[1, 2]]");
}

#[test]
fn huge_ranges_are_bounded_not_allocated() {
    let engine = Engine::builder().profile(Profile::ApiGateway).build();
    let e = engine
        .compile("t.vm", "#set($r = [1..2000000000])$r.size()")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CollectionLimit);
    // In #foreach the API Gateway cap stops the loop first.
    let out = render(&engine, "#foreach($i in [1..2000000000])#end done", &vars(&[]));
    assert_eq!(out, " done");
}

#[test]
fn output_fuel_and_depth_limits_stop_renders() {
    let mut limits = Limits::velocity();
    limits.max_output_bytes = 100;
    let small = Engine::builder().limits(limits).build();
    let e = small
        .compile("t.vm", "#foreach($i in [1..1000])xxxxxxxxxx#end")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutputLimit);

    let mut limits = Limits::velocity();
    limits.fuel = 1000;
    let starved = Engine::builder().limits(limits).build();
    let e = starved
        .compile("t.vm", "#foreach($i in [1..5000])$i#end")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OutOfFuel);

    let e = Engine::new()
        .compile("t.vm", "#macro(r)#r()#end#r()")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RecursionLimit);
}

/// The error `source` fails with under `limits`.
fn render_error(limits: Limits, source: &str, vars: &VarsHost) -> tollgate_vtl::Error {
    Engine::builder()
        .limits(limits)
        .build()
        .compile("t.vm", source)
        .expect("compiles")
        .render(vars)
        .expect_err("fails")
}

/// A run of one-character `replaceAll`s renders in one pass; the limits still apply as if the calls ran one by
/// one (each call burns fuel, the result counts against the output and collection limits).
#[test]
fn fused_replace_runs_keep_the_limits() {
    const RUN: &str = r#"$s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("a", "aaaa")"#;
    let s = Value::from(r#"a"b\c"#);
    let out = render(&Engine::new(), RUN, &vars(&[("s", s.clone())]));
    assert_eq!(out, r#"aaaa\"b\\c"#);

    let mut limits = Limits::velocity();
    limits.max_output_bytes = 9;
    let e = render_error(limits, RUN, &vars(&[("s", s.clone())]));
    assert_eq!(e.kind(), ErrorKind::OutputLimit);

    // Fuel for the reference and two of the three calls: the third call runs out.
    let mut limits = Limits::velocity();
    limits.fuel = 3;
    let e = render_error(limits, RUN, &vars(&[("s", s.clone())]));
    assert_eq!(e.kind(), ErrorKind::OutOfFuel);

    // The second call's result (7 bytes) fits; the third's (10) does not: the error points at the third call.
    let mut limits = Limits::velocity();
    limits.max_collection_len = 8;
    let e = render_error(limits, RUN, &vars(&[("s", s)]));
    assert_eq!(e.kind(), ErrorKind::Invocation);
    let third = RUN.rfind(".replaceAll").unwrap() + 1;
    assert_eq!(e.span().map(|s| s.start as usize), Some(third), "{}", e.report());
}

#[test]
fn template_size_and_nesting_are_capped_at_compile_time() {
    let mut limits = Limits::velocity();
    limits.max_template_bytes = 10;
    let e = Engine::builder()
        .limits(limits)
        .build()
        .compile("t.vm", "01234567890")
        .unwrap_err();
    assert_eq!(e.first().unwrap().kind(), ErrorKind::TemplateTooLarge);

    let deep = format!("#set($a = {}1{})", "[".repeat(500), "]".repeat(500));
    let e = Engine::new().compile("t.vm", &deep).unwrap_err();
    assert_eq!(e.first().unwrap().kind(), ErrorKind::NestingTooDeep);
}

#[test]
fn every_compile_error_is_reported_in_one_pass() {
    let errors = Engine::new()
        .compile("t.vm", "#set($a = )\nok\n#set($b = )\n#end\n")
        .unwrap_err();
    let lines: Vec<u32> = errors.iter().filter_map(|e| e.line_col()).map(|(l, _)| l).collect();
    assert_eq!(lines, [1, 3, 4]);
}

#[test]
fn parse_and_include_read_no_files() {
    let e = Engine::new()
        .compile("t.vm", "#parse('x.vm')")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("reads no files"), "{}", e.message());
}

/// Sets a flag when dropped.
#[derive(Debug)]
struct DropProbe(std::rc::Rc<Cell<bool>>);

impl Drop for DropProbe {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

impl HostObject for DropProbe {
    fn write_string(&self, out: &mut String) {
        out.push_str("probe");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn cycles_built_by_a_template_are_freed_when_the_render_ends() {
    let dropped = std::rc::Rc::new(Cell::new(false));
    let kept = Map::new();
    let t = Engine::new()
        .compile(
            "t.vm",
            "#set($l = [])#set($ok = $l.add($l))#set($ok = $l.add($probe))\
             #set($m = {})$!m.put('self', $m)$!kept.put('inner', $m)",
        )
        .unwrap();
    {
        let host = vars(&[
            ("kept", Value::Map(kept.clone())),
            ("probe", Value::object(DropProbe(dropped.clone()))),
        ]);
        assert_eq!(t.render(&host).unwrap(), "");
    }
    // The list cycle was garbage: emptied, so the probe inside it was dropped.
    assert!(dropped.get(), "a cycle built by the template leaked");
    // `$m` is still reachable from the host's map: it survives, cycle and all.
    assert_eq!(kept.get_str("inner").unwrap().to_java_string(), "{self=(this Map)}");
}

#[test]
fn a_cycle_guard_frees_cycles_made_through_host_values() {
    let dropped = std::rc::Rc::new(Cell::new(false));
    let t = Engine::new()
        .compile("t.vm", "$!body.put('self', $body)$!body.put('p', $probe)")
        .unwrap();
    {
        let _guard = tollgate_vtl::CycleGuard::new();
        let body = Map::new();
        let host = vars(&[
            ("body", Value::Map(body)),
            ("probe", Value::object(DropProbe(dropped.clone()))),
        ]);
        assert_eq!(t.render(&host).unwrap(), "");
    }
    assert!(dropped.get(), "a cycle through a host map leaked");
}

#[test]
fn api_gateway_profile_treats_a_missing_value_as_equal_to_the_empty_string() {
    // shared/spec/aws-rest-api.md §2 [rec]: a missing JSONPath result equals both `$null` and `""`;
    // an empty list equals neither.
    let aws = Engine::builder().profile(Profile::ApiGateway).build();
    let src = "#if($missing == '')a#end#if($missing == $null)b#end#if('' != $missing)c#end#if($list == '')d#end";
    let host = vars(&[("list", Value::list([]))]);
    assert_eq!(render(&aws, src, &host), "ab");
    assert_eq!(render(&Engine::new(), src, &host), "bc");
}

#[test]
fn adversarial_nesting_is_an_error_not_a_stack_overflow() {
    // A 2 MiB stack, as a tokio worker thread has; a stack overflow would abort the whole test binary.
    let parens = format!("{}1{}", "(".repeat(60), ")".repeat(60));
    let ifs = |n: usize| format!("{}x{}", "#if(true)".repeat(n), "#end".repeat(n));
    let templates = [
        format!("#set($s = '#set($z = {parens})#evaluate($s)')#evaluate($s)"),
        format!(
            "#macro(r $n)#if($n > 0){}#set($m = $n - 1)#r($m)#end#end#r(19)",
            ifs(28)
        ),
        format!("#macro(r $n){}#r($n)#end#r(1)", ifs(60)),
        "#define($d)$d$d#end$d".to_owned(),
        format!(
            "#set($s = \"{}\")$s",
            "#if(true)".repeat(30) + "$s" + &"#end".repeat(30)
        ),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let aws = Engine::builder().profile(Profile::ApiGateway).build();
            templates
                .iter()
                .map(|src| {
                    aws.compile("deep.vm", src)
                        .map_err(|e| e.to_string())
                        .and_then(|t| t.render(&vars(&[])).map(|_| ()).map_err(|e| e.to_string()))
                })
                .collect::<Vec<_>>()
        })
        .unwrap();
    let results = handle.join().expect("no stack overflow");
    assert_eq!(results.len(), 5);
}

#[test]
fn unclosed_blocks_fail_fast() {
    // Found by fuzzing: a grammar that let unclosed blocks fail would re-parse every enclosing one (2^n steps:
    // this test would not finish). Each of these is a compile error.
    let shapes = [
        "#if(1)",
        "#foreach($a in $b)",
        "#if(1)#else",
        "#macro(m)#define($d)",
        "$a.b(",
        "#set($a = [",
    ];
    for shape in shapes {
        let src = shape.repeat(60);
        let result = Engine::new().compile("t.vm", &src);
        assert!(result.is_err(), "{shape}");
    }
}

/// A macro argument `"…"` is rendered again at every use (call by name), also where the engine renders it into a
/// buffer for `toString()` and literal replacements: the result and the effects equal the general path's.
#[test]
fn interpolated_macro_arguments_render_at_every_use() {
    let fast = r#"#macro(m $v)$v.toString().replaceAll("a", "b")|$v.toString().replaceAll("a", "b")#end#set($l = [])#m("a$l.add(1)$l.size()") $l"#;
    // `trim()` instead of `toString()`: the general path (a String value made, then the calls).
    let general = fast.replace("toString()", "trim()");
    let out = render(&Engine::new(), fast, &vars(&[]));
    assert_eq!(out, render(&Engine::new(), &general, &vars(&[])));
    assert_eq!(out, "btrue1|btrue2 [1, 1]");
}

/// Macro calls whose arguments are literals or references to template variables are inlined at compile time;
/// these cases pin what Velocity's call-by-name does, inlined or not.
#[test]
fn macro_calls_keep_call_by_name_semantics() {
    let engine = Engine::new();
    let cases = [
        // An undefined argument prints as the argument's text; a property of it as the parameter's.
        ("#macro(m $v)[$v][$!v][$v.x]#end#m($nope)", "[$nope][][$v.x]"),
        // A literal is true as a parameter in a condition (and false written as a literal).
        (
            "#macro(m $v)#if($v)yes#{else}no#end#end#m(\"x\")#m(false)#if(\"x\")yes#{else}no#end",
            "yesnono",
        ),
        (
            "#macro(m $a $b $c $d)$a|$b|$c|$d#end#m(\"s\" 1 2.5 true)",
            "s|1|2.5|true",
        ),
        // Every use evaluates the argument again.
        ("#macro(m $x)$x $x#end#m($l.add(2)) $l", "true true [1, 2, 2]"),
        ("#macro(m $x)$x.size()#end#m($l)", "1"),
        // Calls in a macro body, and recursion.
        ("#macro(a $x)<#b($x)>#end#macro(b $y)[$y]#end#a($v)", "<[val]>"),
        (
            "#macro(r $n)#if($n > 0)$n#set($m = $n - 1)#r($m)#end#end#set($k = 3)#r($k)",
            "321",
        ),
        // A parameter the body sets is a local of the call.
        (
            "#macro(m $p)#set($p = \"in\")$p#end#set($q = \"out\")#m($q) $q",
            "in out",
        ),
        // Fewer arguments than parameters.
        ("#macro(m $a $b)$a$b#end#set($b = \"B\")#m(\"x\")", "xB"),
        // `#break` ends the macro only.
        ("#macro(m $x)$x#break x#end#m($v)!", "val!"),
    ];
    for (src, want) in cases {
        let host = vars(&[("v", Value::from("val")), ("l", Value::list([Value::from(1)]))]);
        assert_eq!(render(&engine, src, &host), want, "{src}");
    }

    // Macros calling macros many times: inlined until the compile-time budget is spent, then called; the output is
    // the same either way.
    let ten = |m: &str| format!("#{m}($x)").repeat(10);
    let src = format!(
        "#macro(a $x){}#end#macro(b $x){}#end#macro(c $x){}#end#macro(d $x)$x#end#a($v)",
        ten("b"),
        ten("c"),
        ten("d")
    );
    let host = vars(&[("v", Value::from("v"))]);
    assert_eq!(render(&engine, &src, &host), "v".repeat(1000));

    // The macro-depth limit counts inlined calls.
    let mut limits = Limits::velocity();
    limits.max_macro_depth = 2;
    let e = Engine::builder()
        .limits(limits)
        .build()
        .compile("t.vm", "#macro(a)#b()#end#macro(b)#c()#end#macro(c)x#end#a()")
        .unwrap()
        .render(&vars(&[]))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RecursionLimit);
}

/// A known divergence from Velocity 1.7, pinned: a `#define` block made by one template's render and shown by
/// another template's render, through a host map the embedder reuses between them. Velocity renders a block in
/// the context of the render that shows it (`Block.Reference.render`), so inside a loop the block sees that
/// loop's `$foreach`: `[0],[1]` here. A loop whose body only tests `$foreach.hasNext` makes no scope object in
/// Tollgate (compile/lazy.rs; docs/performance.md, "Ninth round"), so a block from elsewhere sees the enclosing
/// `$foreach` instead, none here. A template alone cannot get there (such loops need a template without
/// `#define`, `#evaluate` or macros that could show one), and the mapping environment builds fresh variables for
/// every request.
#[test]
fn known_divergence_a_block_from_another_render_inside_a_loop_without_scope_object() {
    let engine = Engine::new();
    let shared = Map::new();
    let host = vars(&[("m", Value::Map(shared.clone()))]);
    render(
        &engine,
        "#define($b)[$foreach.index]#end#set($ignored = $m.put('b', $b))",
        &host,
    );
    assert!(
        matches!(shared.get_str("b"), Some(Value::Block(_))),
        "{:?}",
        shared.get_str("b")
    );
    let shown = render(
        &engine,
        "#foreach($x in [1, 2])$m.b#if($foreach.hasNext),#end#end",
        &host,
    );
    assert_eq!(shown, "[$foreach.index],[$foreach.index]", "Velocity 1.7: [0],[1]");
    // The same loop made to keep its scope object (`$foreach` used as a value in its body) shows what Velocity
    // shows.
    let scoped = render(
        &engine,
        "#foreach($x in [1, 2])#set($f = $foreach)$m.b#if($foreach.hasNext),#end#end",
        &host,
    );
    assert_eq!(scoped, "[0],[1]");
}
