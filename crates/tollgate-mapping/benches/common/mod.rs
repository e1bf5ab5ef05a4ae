//! Inputs shared by the benchmarks.

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
