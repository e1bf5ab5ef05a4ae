//! Inputs shared by the benchmarks.

use tollgate_mapping::{ContextState, MappingEngine, MappingTemplate, MethodRequest, RequestContext, TemplateInput};

/// A ~2 KB order: 12 line items, the shape a typical request template reshapes.
pub(crate) fn order_body() -> String {
    let items: Vec<String> = (0..12)
        .map(|i| {
            format!(
                r#"{{"sku":"SKU-{i:05}","name":"Item number {i} with a \"quoted\" name","quantity":{q},"price":{p}.99,"tags":["a","b"]}}"#,
                q = i % 4 + 1,
                p = 10 + i
            )
        })
        .collect();
    format!(
        r#"{{"orderId":"ord-123456","customer":{{"id":"cust-42","email":"ada@example.com","name":"Ada Lovelace"}},"items":[{}],"note":"Leave at the door, please"}}"#,
        items.join(",")
    )
}

pub(crate) const RESHAPE: &str = r#"#set($order = $input.path('$'))
{
  "id": "$order.orderId",
  "customer": "$util.escapeJavaScript($order.customer.name)",
  "requestId": "$context.requestId",
  "lines": [
#foreach($item in $order.items)
    {"sku": "$item.sku", "name": "$util.escapeJavaScript($item.name)", "qty": $item.quantity, "price": $item.price}#if($foreach.hasNext),#end
#end
  ]
}
"#;

/// A ~1 MB JSON document: an array of records.
pub(crate) fn large_body() -> String {
    let record = r#"{"id":123456,"name":"record name with some text","active":true,"score":12.5,"tags":["x","y","z"],"nested":{"a":1,"b":"two"}}"#;
    let count = (1 << 20) / record.len();
    format!("[{}]", vec![record; count].join(","))
}

/// Text for `escapeJavaScript`: mostly ASCII, some quotes, slashes and non-ASCII (≈ 74 KB).
pub(crate) fn escape_text() -> String {
    "Plain ASCII text with \"quotes\", it's / slashes \\ and a little ünïcödé — ".repeat(1000)
}

/// The 2 KB order the load route `POST /orders` sends (`xtask/load/order-2k.json`).
#[allow(dead_code)]
pub(crate) fn load_order_body() -> String {
    include_str!("../../../../xtask/load/order-2k.json").to_owned()
}

/// The request template of the load route `POST /orders` (`xtask/load/bench-api.yaml`).
#[allow(dead_code)]
pub(crate) const ORDERS_REQUEST: &str = r#"#set($o = $input.path('$'))
{
  "id": "$o.orderId",
  "placed": "$o.createdAt",
  "customer": {"id": "$o.customer.id", "name": "$util.escapeJavaScript($o.customer.name)", "tier": "$o.customer.tier"},
  "shipTo": "$util.escapeJavaScript($o.shipping.city), $o.shipping.country",
  "lines": [
#foreach($item in $o.items)
    {"sku": "$item.sku", "name": "$util.escapeJavaScript($item.name)", "qty": $item.qty, "price": $item.price}#if($foreach.hasNext),#end
#end
  ],
  "note": "$util.escapeJavaScript($o.note)",
  "requestId": "$context.requestId",
  "stage": "$context.stage"
}
"#;

/// The response template of the load route `POST /orders`, over the backend's echo of the request template's
/// output.
#[allow(dead_code)]
pub(crate) const ORDERS_RESPONSE: &str = r#"#set($b = $input.path('$'))
{
  "order": "$b.id",
  "customer": "$util.escapeJavaScript($b.customer.name)",
  "lineCount": $b.lines.size(),
  "lines": [
#foreach($line in $b.lines)
    {"sku": "$line.sku", "quantity": $line.qty}#if($foreach.hasNext),#end
#end
  ],
  "via": "tollgate-vtl"
}
"#;

/// The load route `POST /orders`: its request and response templates, and a template that only makes a body
/// template values (`#set($o = $input.path('$'))`).
pub(crate) struct Orders {
    pub(crate) request: MappingTemplate,
    pub(crate) response: MappingTemplate,
    pub(crate) values_only: MappingTemplate,
}

impl Orders {
    pub(crate) fn compile(engine: &MappingEngine) -> Orders {
        let compile = |name: &str, text: &str| engine.compile(name, text).expect("benchmark input is valid");
        Orders {
            request: compile("orders-request", ORDERS_REQUEST),
            response: compile("orders-response", ORDERS_RESPONSE),
            values_only: compile("values", "#set($o = $input.path('$'))"),
        }
    }
}

/// Renders a benchmark template over `body` (a failure is a broken benchmark input).
pub(crate) fn render(
    template: &MappingTemplate,
    method: &MethodRequest,
    context: &RequestContext,
    body: &str,
) -> String {
    let input = TemplateInput {
        method,
        body,
        context,
        stage_variables: &[],
    };
    template
        .render(&input, &mut ContextState::default())
        .expect("benchmark input is valid")
}
