//! Reading a usage-plans file: the located tree from `tollgate_model::parse_document`, walked once, every
//! problem reported with its place and key path. Limits follow AWS's control plane (key values of 20–128
//! characters, one usage plan per key and stage, TTLs 0–3600, quota periods DAY/WEEK/MONTH).

use std::collections::{BTreeMap, HashMap};

use tollgate_model::{Diagnostic, MethodSettings, SourceFile, Span, UnauthorizedCacheControlHeaderStrategy, Value};

use super::{
    ACCOUNT_DEFAULT_THROTTLE, ApiKeyConfig, MethodThrottle, PlanConfig, PlanStage, QuotaConfig, QuotaPeriod,
    StageConfig, UsagePlans,
};
use crate::state::{Quota, Throttle};

/// Largest accepted file.
const MAX_BYTES: usize = 1024 * 1024;

/// AWS `cacheClusterSize` values (GB), and the byte budget each gives the embedded cache.
const CACHE_SIZES: [(&str, u64); 8] = [
    ("0.5", 512 << 20),
    ("1.6", 1_638 << 20),
    ("6.1", 6_246 << 20),
    ("13.5", 13_824 << 20),
    ("28.4", 29_082 << 20),
    ("58.2", 59_597 << 20),
    ("118", 118 << 30),
    ("237", 237 << 30),
];

const HTTP_METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY"];

pub(super) fn parse(file_name: &str, bytes: &[u8]) -> (Option<UsagePlans>, Vec<Diagnostic>) {
    let document = tollgate_model::parse_document(file_name, bytes, MAX_BYTES);
    let mut reader = Reader {
        source: &document.source,
        diagnostics: document.diagnostics.clone(),
    };
    let plans = document.root.as_ref().map(|root| reader.root(root));
    let mut diagnostics = reader.diagnostics;
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    let fatal = diagnostics.iter().any(Diagnostic::is_error);
    let plans = plans
        .filter(|_| !fatal)
        .map(|(account, api_keys, plans, stages)| UsagePlans {
            source: document.source.clone(),
            account_throttle: account,
            api_keys,
            plans,
            stages,
        });
    (plans, diagnostics)
}

type Parts = (Option<Throttle>, Vec<ApiKeyConfig>, Vec<PlanConfig>, Vec<StageConfig>);

struct Reader<'s> {
    source: &'s SourceFile,
    diagnostics: Vec<Diagnostic>,
}

/// An object's members, checked against the fields a resource has.
struct Fields<'v> {
    members: Vec<(&'v str, &'v Value)>,
}

impl<'v> Fields<'v> {
    fn get(&self, name: &str) -> Option<&'v Value> {
        self.members.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Reader<'_> {
    fn error(&mut self, span: Span, path: &str, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(self.source, span, message).with_path(path));
    }

    fn warning(&mut self, span: Span, path: &str, message: impl Into<String>, note: &str) {
        self.diagnostics.push(
            Diagnostic::warning(self.source, span, message)
                .with_path(path)
                .with_note(note),
        );
    }

    /// The members of an object; unknown keys are errors, `ignored` ones (AWS fields without a data-plane
    /// effect, present in exported resources) are skipped.
    fn fields<'v>(&mut self, value: &'v Value, path: &str, known: &[&str], ignored: &[&str]) -> Option<Fields<'v>> {
        let Some(members) = value.as_object() else {
            self.error(
                value.span(),
                path,
                format!("expected an object, found {}", value.kind_name()),
            );
            return None;
        };
        let mut fields = Fields { members: Vec::new() };
        for member in members {
            if known.contains(&member.key.as_str()) {
                fields.members.push((&member.key, &member.value));
            } else if !ignored.contains(&member.key.as_str()) {
                let message = format!("unknown field `{}`", member.key);
                self.diagnostics.push(
                    Diagnostic::error(self.source, member.key_span, message)
                        .with_path(join(path, &member.key))
                        .with_label(format!("expected one of {}", known.join(", "))),
                );
            }
        }
        Some(fields)
    }

    fn array<'v>(&mut self, value: &'v Value, path: &str) -> &'v [Value] {
        match value.as_array() {
            Some(items) => items,
            None => {
                self.error(
                    value.span(),
                    path,
                    format!("expected a list, found {}", value.kind_name()),
                );
                &[]
            }
        }
    }

    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                self.error(
                    value.span(),
                    path,
                    format!("expected a string, found {}", value.kind_name()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        match value.as_bool() {
            Some(flag) => Some(flag),
            None => {
                self.error(
                    value.span(),
                    path,
                    format!("expected true or false, found {}", value.kind_name()),
                );
                None
            }
        }
    }

    fn rate(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value.as_number().and_then(|n| n.as_f64()) {
            Some(rate) if rate.is_finite() && rate >= 0.0 => Some(rate),
            _ => {
                self.error(
                    value.span(),
                    path,
                    "expected a number of requests per second, 0 or more",
                );
                None
            }
        }
    }

    fn integer(&mut self, value: &Value, path: &str, min: i64, max: i64) -> Option<u64> {
        match value.as_number().and_then(|n| n.as_i64()) {
            Some(n) if (min..=max).contains(&n) => u64::try_from(n).ok(),
            _ => {
                self.error(
                    value.span(),
                    path,
                    format!("expected a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    fn identifier(&mut self, value: &Value, path: &str) -> Option<String> {
        let text = self.string(value, path)?;
        let valid = !text.is_empty()
            && text.len() <= 128
            && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            self.error(
                value.span(),
                path,
                format!("`{text}` must be 1 to 128 letters, digits, `-`, `_` or `.`"),
            );
            return None;
        }
        Some(text)
    }

    fn root(&mut self, root: &Value) -> Parts {
        let mut account = Some(ACCOUNT_DEFAULT_THROTTLE);
        let (mut keys, mut plans, mut stages) = (Vec::new(), Vec::new(), Vec::new());
        let Some(fields) = self.fields(root, "", &["apiKeys", "usagePlans", "stages", "account"], &[]) else {
            return (account, keys, plans, stages);
        };
        if let Some(value) = fields.get("account") {
            account = self.account(value);
        }
        if let Some(value) = fields.get("apiKeys") {
            keys = self.api_keys(value);
        }
        if let Some(value) = fields.get("usagePlans") {
            plans = self.plans(value, &keys);
        }
        if let Some(value) = fields.get("stages") {
            stages = self.stages(value);
        }
        (account, keys, plans, stages)
    }

    fn account(&mut self, value: &Value) -> Option<Throttle> {
        let fields = self.fields(
            value,
            "account",
            &["throttleSettings"],
            &["cloudwatchRoleArn", "features", "apiKeyVersion"],
        )?;
        match fields.get("throttleSettings") {
            None => Some(ACCOUNT_DEFAULT_THROTTLE),
            // A Tollgate extension: AWS always has an account limit; `null` lifts it (load tests).
            Some(value) if value.is_null() => None,
            Some(value) => self.throttle(value, "account.throttleSettings"),
        }
    }

    fn throttle(&mut self, value: &Value, path: &str) -> Option<Throttle> {
        let fields = self.fields(value, path, &["rateLimit", "burstLimit"], &[])?;
        let rate = match fields.get("rateLimit") {
            Some(v) => self.rate(v, &join(path, "rateLimit")),
            None => {
                self.error(value.span(), path, "a throttle needs `rateLimit` (requests per second)");
                None
            }
        };
        let burst = match fields.get("burstLimit") {
            Some(v) => self.integer(v, &join(path, "burstLimit"), 0, i64::from(i32::MAX)),
            None => {
                self.error(value.span(), path, "a throttle needs `burstLimit` (requests at once)");
                None
            }
        };
        Some(Throttle {
            rate_limit: rate?,
            burst_limit: u32::try_from(burst?).ok()?,
        })
    }

    fn api_keys(&mut self, value: &Value) -> Vec<ApiKeyConfig> {
        let mut keys: Vec<ApiKeyConfig> = Vec::new();
        let mut values: HashMap<String, Span> = HashMap::new();
        for (index, item) in self.array(value, "apiKeys").iter().enumerate() {
            let path = format!("apiKeys[{index}]");
            let Some(fields) = self.fields(
                item,
                &path,
                &["id", "name", "value", "enabled", "stageKeys"],
                &["description", "customerId", "tags", "createdDate", "lastUpdatedDate"],
            ) else {
                continue;
            };
            let id = self.id_or_name(&fields, item, &path, "an API key");
            let value = match fields.get("value") {
                Some(v) => self.key_value(v, &join(&path, "value")).map(|text| (text, v.span())),
                None => {
                    self.error(
                        item.span(),
                        &path,
                        "an API key needs its `value` (clients send it in `x-api-key`)",
                    );
                    None
                }
            };
            let enabled = match fields.get("enabled") {
                Some(v) => self.boolean(v, &join(&path, "enabled")),
                None => {
                    self.warning(
                        item.span(),
                        &path,
                        "this API key is disabled: it has no `enabled`",
                        "AWS creates API keys disabled unless `enabled: true`; a disabled key gets 403",
                    );
                    Some(false)
                }
            };
            if let Some(v) = fields.get("stageKeys") {
                self.warning(
                    v.span(),
                    &join(&path, "stageKeys"),
                    "`stageKeys` is ignored",
                    "AWS deprecated stage keys for usage plans: list the key in a usage plan's `apiKeys`",
                );
            }
            let (Some(id), Some((value, value_span)), Some(enabled)) = (id, value, enabled) else {
                continue;
            };
            if let Some(first) = keys.iter().find(|k| k.id == id) {
                let first = first.span;
                self.diagnostics.push(
                    Diagnostic::error(self.source, item.span(), format!("duplicate API key id `{id}`"))
                        .with_path(path.clone())
                        .with_related(self.source, first, "first defined here"),
                );
                continue;
            }
            if let Some(first) = values.get(&value) {
                let first = *first;
                self.diagnostics.push(
                    Diagnostic::error(self.source, value_span, "two API keys have the same value")
                        .with_path(join(&path, "value"))
                        .with_related(self.source, first, "the same value here")
                        .with_note("AWS requires API key values to be unique"),
                );
                continue;
            }
            values.insert(value.clone(), value_span);
            keys.push(ApiKeyConfig {
                id,
                value,
                enabled,
                span: item.span(),
            });
        }
        keys
    }

    /// `id`, else `name` (AWS generates ids; in a file the name is the natural handle).
    fn id_or_name(&mut self, fields: &Fields<'_>, item: &Value, path: &str, what: &str) -> Option<String> {
        if let Some(v) = fields.get("id") {
            return self.identifier(v, &join(path, "id"));
        }
        if let Some(v) = fields.get("name") {
            return self.identifier(v, &join(path, "name"));
        }
        self.error(item.span(), path, format!("{what} needs an `id` or a `name`"));
        None
    }

    fn key_value(&mut self, value: &Value, path: &str) -> Option<String> {
        let text = self.string(value, path)?;
        let length = text.chars().count();
        if !(20..=128).contains(&length) {
            self.error(
                value.span(),
                path,
                format!("an API key value must be 20 to 128 characters, this one has {length}"),
            );
            return None;
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            self.error(
                value.span(),
                path,
                "an API key value must be visible ASCII characters (it travels in an HTTP header)",
            );
            return None;
        }
        Some(text)
    }

    fn plans(&mut self, value: &Value, keys: &[ApiKeyConfig]) -> Vec<PlanConfig> {
        let mut plans: Vec<PlanConfig> = Vec::new();
        let mut plan_spans: Vec<Span> = Vec::new();
        // (stage, key) → the plan that has it, for AWS's one-plan-per-key-and-stage rule.
        let mut bound: HashMap<(String, String), String> = HashMap::new();
        for (index, item) in self.array(value, "usagePlans").iter().enumerate() {
            let path = format!("usagePlans[{index}]");
            let Some(fields) = self.fields(
                item,
                &path,
                &["id", "name", "throttle", "quota", "apiStages", "apiKeys"],
                &["description", "tags", "productCode"],
            ) else {
                continue;
            };
            let id = self.id_or_name(&fields, item, &path, "a usage plan");
            let throttle = fields
                .get("throttle")
                .and_then(|v| self.throttle(v, &join(&path, "throttle")));
            let quota = fields.get("quota").and_then(|v| self.quota(v, &join(&path, "quota")));
            let stages = fields
                .get("apiStages")
                .map(|v| self.plan_stages(v, &join(&path, "apiStages")))
                .unwrap_or_default();
            let plan_keys = fields
                .get("apiKeys")
                .map(|v| self.plan_keys(v, &join(&path, "apiKeys"), keys))
                .unwrap_or_default();
            let Some(id) = id else { continue };
            if let Some(at) = plans.iter().position(|p| p.id == id) {
                let first = plan_spans.get(at).copied().unwrap_or(item.span());
                self.diagnostics.push(
                    Diagnostic::error(self.source, item.span(), format!("duplicate usage plan id `{id}`"))
                        .with_path(path.clone())
                        .with_related(self.source, first, "first defined here"),
                );
                continue;
            }
            for stage in &stages {
                for (key, span) in &plan_keys {
                    let slot = (stage.stage.clone(), key.clone());
                    if let Some(other) = bound.get(&slot) {
                        let message = format!(
                            "API key `{key}` is already in usage plan `{other}` for stage `{}`",
                            stage.stage
                        );
                        self.diagnostics.push(
                            Diagnostic::error(self.source, *span, message)
                                .with_path(join(&path, "apiKeys"))
                                .with_note("AWS allows a key in one usage plan per API stage"),
                        );
                    } else {
                        bound.insert(slot, id.clone());
                    }
                }
            }
            plan_spans.push(item.span());
            plans.push(PlanConfig {
                id,
                throttle,
                quota,
                stages,
                keys: plan_keys.into_iter().map(|(key, _)| key).collect(),
            });
        }
        plans
    }

    fn quota(&mut self, value: &Value, path: &str) -> Option<QuotaConfig> {
        let fields = self.fields(value, path, &["limit", "offset", "period"], &[])?;
        let limit = match fields.get("limit") {
            Some(v) => self.integer(v, &join(path, "limit"), 0, i64::from(i32::MAX)),
            None => {
                self.error(value.span(), path, "a quota needs `limit` (requests per period)");
                None
            }
        };
        let offset = match fields.get("offset") {
            Some(v) => self.integer(v, &join(path, "offset"), 0, i64::from(i32::MAX)),
            None => Some(0),
        };
        let period = match fields.get("period") {
            Some(v) => {
                let text = self.string(v, &join(path, "period"))?;
                let period = QuotaPeriod::parse(&text);
                if period.is_none() {
                    self.error(
                        v.span(),
                        &join(path, "period"),
                        format!("unknown quota period `{text}`; expected DAY, WEEK or MONTH"),
                    );
                }
                period
            }
            None => {
                self.error(value.span(), path, "a quota needs `period`: DAY, WEEK or MONTH");
                None
            }
        };
        let (limit, offset) = (limit?, offset?);
        if offset > limit {
            self.error(
                value.span(),
                path,
                format!("the quota offset {offset} is larger than its limit {limit}"),
            );
            return None;
        }
        Some(QuotaConfig {
            quota: Quota { limit, offset },
            period: period?,
        })
    }

    fn plan_stages(&mut self, value: &Value, path: &str) -> Vec<PlanStage> {
        let mut stages: Vec<PlanStage> = Vec::new();
        for (index, item) in self.array(value, path).iter().enumerate() {
            let path = format!("{path}[{index}]");
            let Some(fields) = self.fields(item, &path, &["stage", "throttle", "apiId"], &[]) else {
                continue;
            };
            let stage = match fields.get("stage") {
                Some(v) => self.stage_name(v, &join(&path, "stage")),
                None => {
                    self.error(item.span(), &path, "an API stage needs its `stage` name");
                    None
                }
            };
            let method_throttles = match fields.get("throttle") {
                Some(v) => self.method_throttles(v, &join(&path, "throttle")),
                None => Vec::new(),
            };
            let Some(stage) = stage else { continue };
            if stages.iter().any(|s| s.stage == stage) {
                self.error(
                    item.span(),
                    &path,
                    format!("stage `{stage}` is listed twice in this plan"),
                );
                continue;
            }
            stages.push(PlanStage {
                stage,
                method_throttles,
            });
        }
        stages
    }

    fn method_throttles(&mut self, value: &Value, path: &str) -> Vec<MethodThrottle> {
        let Some(members) = value.as_object() else {
            self.error(
                value.span(),
                path,
                "expected an object of \"/{resourcePath}/{METHOD}\": {rateLimit, burstLimit}",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for member in members {
            let entry_path = join(path, &member.key);
            let method = self.method_key(&member.key, member.key_span, &entry_path, false);
            let throttle = self.throttle(&member.value, &entry_path);
            if let (Some((resource_path, http_method)), Some(throttle)) = (method, throttle) {
                out.push(MethodThrottle {
                    resource_path,
                    http_method,
                    throttle,
                    span: member.key_span,
                });
            }
        }
        out
    }

    /// `/pets/{petId}/GET`, also in AWS's stage forms `pets/GET` and `~1pets/GET`: (resource path, METHOD).
    fn method_key(&mut self, key: &str, span: Span, path: &str, stage_form: bool) -> Option<(String, String)> {
        let parsed = key.rsplit_once('/').and_then(|(resource, method)| {
            let method = method.to_ascii_uppercase();
            if !HTTP_METHODS.contains(&method.as_str()) {
                return None;
            }
            let resource = resource.replace("~1", "/");
            if !stage_form && !resource.starts_with('/') {
                return None;
            }
            let resource = if resource.is_empty() || resource == "/" {
                "/".to_owned()
            } else if resource.starts_with('/') {
                resource
            } else {
                format!("/{resource}")
            };
            Some((resource, method))
        });
        if parsed.is_none() {
            self.diagnostics.push(
                Diagnostic::error(self.source, span, format!("`{key}` is not a method"))
                    .with_path(path)
                    .with_label("expected /{resourcePath}/{METHOD}, e.g. /pets/GET")
                    .with_note(format!("METHOD is one of {}", HTTP_METHODS.join(", "))),
            );
        }
        parsed
    }

    fn plan_keys(&mut self, value: &Value, path: &str, keys: &[ApiKeyConfig]) -> Vec<(String, Span)> {
        let mut out: Vec<(String, Span)> = Vec::new();
        for (index, item) in self.array(value, path).iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(id) = self.string(item, &item_path) else {
                continue;
            };
            if !keys.iter().any(|k| k.id == id) {
                self.error(item.span(), &item_path, format!("no API key has the id `{id}`"));
                continue;
            }
            if out.iter().any(|(k, _)| *k == id) {
                self.error(item.span(), &item_path, format!("API key `{id}` is listed twice"));
                continue;
            }
            out.push((id, item.span()));
        }
        out
    }

    fn stage_name(&mut self, value: &Value, path: &str) -> Option<String> {
        let text = self.string(value, path)?;
        self.stage_name_text(text, value.span(), path)
    }

    fn stage_name_text(&mut self, text: String, span: Span, path: &str) -> Option<String> {
        let valid = !text.is_empty()
            && text.len() <= 128
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            self.error(
                span,
                path,
                format!("stage name `{text}` must be 1 to 128 letters, digits, `-` or `_`"),
            );
            return None;
        }
        Some(text)
    }

    fn stages(&mut self, value: &Value) -> Vec<StageConfig> {
        let Some(members) = value.as_object() else {
            self.error(value.span(), "stages", "expected an object of stage name: settings");
            return Vec::new();
        };
        let mut stages = Vec::new();
        for member in members {
            let path = join("stages", &member.key);
            let Some(name) = self.stage_name_text(member.key.clone(), member.key_span, &path) else {
                continue;
            };
            if let Some(stage) = self.stage(&name, &member.value, &path) {
                stages.push(stage);
            }
        }
        stages
    }

    fn stage(&mut self, name: &str, value: &Value, path: &str) -> Option<StageConfig> {
        let fields = self.fields(
            value,
            path,
            &["methodSettings", "cacheClusterEnabled", "cacheClusterSize"],
            &[
                "description",
                "tracingEnabled",
                "stageName",
                "deploymentId",
                "cacheClusterStatus",
                "tags",
            ],
        )?;
        let cache_enabled = match fields.get("cacheClusterEnabled") {
            Some(v) => self.boolean(v, &join(path, "cacheClusterEnabled")),
            None => Some(false),
        };
        let cache_bytes = match fields.get("cacheClusterSize") {
            Some(v) => self.cache_size(v, &join(path, "cacheClusterSize")),
            None => Some(CACHE_SIZES[0].1),
        };
        let mut stage = StageConfig {
            name: name.to_owned(),
            cache_enabled: cache_enabled.unwrap_or(false),
            cache_bytes: cache_bytes.unwrap_or(CACHE_SIZES[0].1),
            method_settings: BTreeMap::new(),
            explicit_caching: Vec::new(),
            method_spans: Vec::new(),
        };
        if let Some(settings) = fields.get("methodSettings") {
            self.method_settings(settings, &join(path, "methodSettings"), &mut stage);
        }
        // Reported above; the whole file is refused then.
        cache_enabled.and(cache_bytes).map(|_| stage)
    }

    fn cache_size(&mut self, value: &Value, path: &str) -> Option<u64> {
        let text = match (value.as_str(), value.as_number()) {
            (Some(text), _) => text.to_owned(),
            (None, Some(number)) => number.as_str().to_owned(),
            _ => String::new(),
        };
        let size = CACHE_SIZES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, bytes)| *bytes);
        if size.is_none() {
            let names: Vec<&str> = CACHE_SIZES.iter().map(|(name, _)| *name).collect();
            self.error(
                value.span(),
                path,
                format!(
                    "`{text}` is not a cache cluster size; expected one of {} (GB)",
                    names.join(", ")
                ),
            );
        }
        size
    }

    fn method_settings(&mut self, value: &Value, path: &str, stage: &mut StageConfig) {
        let Some(members) = value.as_object() else {
            self.error(
                value.span(),
                path,
                "expected an object of \"{resourcePath}/{METHOD}\" or \"*/*\": settings",
            );
            return;
        };
        let mut partials: Vec<(String, Partial, Span)> = Vec::new();
        let mut default = Partial::default();
        for member in members {
            let entry_path = join(path, &member.key);
            let Some(partial) = self.partial(&member.value, &entry_path) else {
                continue;
            };
            if member.key == "*/*" {
                default = partial;
                continue;
            }
            let Some((resource, method)) = self.method_key(&member.key, member.key_span, &entry_path, true) else {
                continue;
            };
            let key = format!("{resource}/{method}");
            if partials.iter().any(|(k, _, _)| *k == key) {
                self.error(
                    member.key_span,
                    &entry_path,
                    format!("method settings for `{key}` are given twice"),
                );
                continue;
            }
            if partial.caching_enabled.is_some() {
                stage.explicit_caching.push(key.clone());
            }
            stage.method_spans.push((resource, method, member.key_span));
            partials.push((key, partial, member.key_span));
        }
        let caching_anywhere =
            default.caching_enabled == Some(true) || partials.iter().any(|(_, p, _)| p.caching_enabled == Some(true));
        if caching_anywhere && !stage.cache_enabled {
            self.warning(
                value.span(),
                path,
                format!(
                    "caching is enabled for methods of stage `{}`, which has no cache cluster",
                    stage.name
                ),
                "AWS caches only when the stage has `cacheClusterEnabled: true`",
            );
        }
        stage
            .method_settings
            .insert("*/*".to_owned(), default.over(&Partial::default(), true));
        for (key, partial, _) in partials {
            // AWS caches methods other than GET only when their own settings say so.
            let inherits_caching = key.ends_with("/GET") || key.ends_with("/ANY");
            stage
                .method_settings
                .insert(key, partial.over(&default, inherits_caching));
        }
    }

    fn partial(&mut self, value: &Value, path: &str) -> Option<Partial> {
        let fields = self.fields(
            value,
            path,
            &[
                "throttlingRateLimit",
                "throttlingBurstLimit",
                "cachingEnabled",
                "cacheTtlInSeconds",
                "requireAuthorizationForCacheControl",
                "unauthorizedCacheControlHeaderStrategy",
            ],
            &[
                "cacheDataEncrypted",
                "metricsEnabled",
                "loggingLevel",
                "dataTraceEnabled",
            ],
        )?;
        let mut partial = Partial::default();
        if let Some(v) = fields.get("throttlingRateLimit") {
            partial.rate = Some(self.rate(v, &join(path, "throttlingRateLimit"))?);
        }
        if let Some(v) = fields.get("throttlingBurstLimit") {
            let burst = self.integer(v, &join(path, "throttlingBurstLimit"), 0, i64::from(i32::MAX))?;
            partial.burst = u32::try_from(burst).ok();
        }
        if let Some(v) = fields.get("cachingEnabled") {
            partial.caching_enabled = Some(self.boolean(v, &join(path, "cachingEnabled"))?);
        }
        if let Some(v) = fields.get("cacheTtlInSeconds") {
            let ttl = self.integer(v, &join(path, "cacheTtlInSeconds"), 0, 3600)?;
            partial.ttl = u32::try_from(ttl).ok();
        }
        if let Some(v) = fields.get("requireAuthorizationForCacheControl") {
            partial.require_authorization = Some(self.boolean(v, &join(path, "requireAuthorizationForCacheControl"))?);
        }
        if let Some(v) = fields.get("unauthorizedCacheControlHeaderStrategy") {
            let field = join(path, "unauthorizedCacheControlHeaderStrategy");
            let text = self.string(v, &field)?;
            partial.strategy = Some(match text.as_str() {
                "FAIL_WITH_403" => UnauthorizedCacheControlHeaderStrategy::FailWith403,
                "SUCCEED_WITH_RESPONSE_HEADER" => UnauthorizedCacheControlHeaderStrategy::SucceedWithResponseHeader,
                "SUCCEED_WITHOUT_RESPONSE_HEADER" => {
                    UnauthorizedCacheControlHeaderStrategy::SucceedWithoutResponseHeader
                }
                _ => {
                    self.error(
                        v.span(),
                        &field,
                        format!(
                            "unknown strategy `{text}`; expected FAIL_WITH_403, SUCCEED_WITH_RESPONSE_HEADER or \
                             SUCCEED_WITHOUT_RESPONSE_HEADER"
                        ),
                    );
                    return None;
                }
            });
        }
        Some(partial)
    }
}

/// Method settings as written: unset fields come from `*/*`, then AWS's defaults.
#[derive(Clone, Copy, Debug, Default)]
struct Partial {
    rate: Option<f64>,
    burst: Option<u32>,
    caching_enabled: Option<bool>,
    ttl: Option<u32>,
    require_authorization: Option<bool>,
    strategy: Option<UnauthorizedCacheControlHeaderStrategy>,
}

impl Partial {
    fn over(&self, base: &Partial, inherit_caching: bool) -> MethodSettings {
        let mut settings = MethodSettings::default();
        settings.throttling_rate_limit = self.rate.or(base.rate);
        settings.throttling_burst_limit = self.burst.or(base.burst);
        let inherited = if inherit_caching { base.caching_enabled } else { None };
        settings.caching_enabled = self.caching_enabled.or(inherited).unwrap_or(false);
        if let Some(ttl) = self.ttl.or(base.ttl) {
            settings.cache_ttl_seconds = ttl;
        }
        if let Some(require) = self.require_authorization.or(base.require_authorization) {
            settings.require_authorization_for_cache_control = require;
        }
        if let Some(strategy) = self.strategy.or(base.strategy) {
            settings.unauthorized_cache_control_header_strategy = strategy;
        }
        settings
    }
}
