//! `paths` → the resource tree (AWS's rules: one variable child per resource, greedy variables are leaves).

use super::context::{Ctx, join};
use super::operation;
use super::security::Schemes;
use crate::model::{HttpMethod, Model, PathSegment, RequestValidator, Resource, ResourceId};
use crate::source::Span;
use crate::value::Value;
use crate::{BasePathMode, ImportOptions};

/// Path item keys that declare operations, and the method each means.
const OPERATION_KEYS: &[(&str, HttpMethod)] = &[
    ("get", HttpMethod::Get),
    ("put", HttpMethod::Put),
    ("post", HttpMethod::Post),
    ("delete", HttpMethod::Delete),
    ("options", HttpMethod::Options),
    ("head", HttpMethod::Head),
    ("patch", HttpMethod::Patch),
    ("x-amazon-apigateway-any-method", HttpMethod::Any),
];

pub(crate) struct Builder<'c, 'a> {
    pub(crate) ctx: &'c mut Ctx<'a>,
    pub(crate) models: &'c [Model],
    pub(crate) schemes: &'c Schemes,
    pub(crate) validators: &'c [RequestValidator],
    pub(crate) default_validator: Option<String>,
    /// Segments the base path mode puts in front of every path.
    prefix: Vec<String>,
    pub(crate) resources: Vec<Resource>,
    /// Models made for inline schemas.
    pub(crate) inline_models: Vec<Model>,
}

impl<'c, 'a> Builder<'c, 'a> {
    pub(crate) fn new(
        ctx: &'c mut Ctx<'a>,
        models: &'c [Model],
        schemes: &'c Schemes,
        validators: &'c [RequestValidator],
        default_validator: Option<String>,
        base_path: Option<&str>,
    ) -> Builder<'c, 'a> {
        let paths_span = ctx.root.get("paths").map_or(Span::empty(0), Value::span);
        let root = Resource {
            id: ResourceId::ROOT,
            parent: None,
            path_part: String::new(),
            path: "/".to_owned(),
            children: Vec::new(),
            methods: Vec::new(),
            span: paths_span,
        };
        let prefix = base_prefix(ctx.options, base_path);
        let mut builder = Builder {
            ctx,
            models,
            schemes,
            validators,
            default_validator,
            prefix: prefix.clone(),
            resources: vec![root],
            inline_models: Vec::new(),
        };
        // The base path's resources exist even where no path is declared under them (AWS creates them).
        let mut at = ResourceId::ROOT;
        for segment in &prefix {
            match builder.child(at, segment, paths_span, "basePath") {
                Some(child) => at = child,
                None => break,
            }
        }
        builder
    }

    pub(crate) fn finish(self) -> (Vec<Resource>, Vec<Model>) {
        (self.resources, self.inline_models)
    }

    pub(crate) fn read_paths(&mut self, root: &'a Value) {
        let Some(paths) = root.get("paths") else {
            self.ctx.error(
                Span::new(root.span().start, root.span().start.saturating_add(1)),
                "",
                "the document has no `paths`",
                "expected a `paths` object (it may be empty)",
            );
            return;
        };
        let Some(members) = self.ctx.object(paths, "paths") else {
            return;
        };
        for member in members {
            let path = join("paths", &member.key);
            let Some(resource) = self.resource_for(&member.key, member.key_span, &path) else {
                continue;
            };
            let Some(item) = self.ctx.resolve(&member.value, &path) else {
                continue;
            };
            self.read_path_item(resource, item, &path);
        }
    }

    fn read_path_item(&mut self, resource: ResourceId, item: &'a Value, path: &str) {
        let Some(members) = self.ctx.object(item, path) else {
            return;
        };
        self.ctx.check_keys(
            members,
            path,
            &[
                "get",
                "put",
                "post",
                "delete",
                "options",
                "head",
                "patch",
                "parameters",
                "summary",
                "description",
                "servers",
                "$ref",
            ],
            &["x-amazon-apigateway-any-method"],
            "a path item",
        );
        if let Some(trace) = item.get("trace") {
            self.ctx.warning(
                trace.span(),
                &join(path, "trace"),
                "API Gateway has no TRACE method; ignored",
                "remove it",
            );
        }
        let shared_parameters: Vec<(&'a Value, String)> = match item.get("parameters") {
            Some(parameters) => {
                let parameters_path = join(path, "parameters");
                let items = self.ctx.array(parameters, &parameters_path).unwrap_or(&[]);
                items
                    .iter()
                    .enumerate()
                    .map(|(at, value)| (value, format!("{parameters_path}[{at}]")))
                    .collect()
            }
            None => Vec::new(),
        };
        for member in members {
            let Some((_, http_method)) = OPERATION_KEYS.iter().find(|(key, _)| *key == member.key) else {
                continue;
            };
            let operation_path = join(path, &member.key);
            let Some(method) = operation::read(
                self,
                resource,
                *http_method,
                &member.value,
                &operation_path,
                &shared_parameters,
            ) else {
                continue;
            };
            let Some(target) = self.resources.get_mut(resource.index()) else {
                continue;
            };
            if let Some(existing) = target
                .methods
                .iter()
                .find(|existing| existing.http_method == *http_method)
            {
                let first = existing.span;
                let diagnostic = crate::Diagnostic::error(
                    self.ctx.source,
                    member.key_span,
                    format!("method {http_method} declared twice for resource `{}`", target.path),
                )
                .with_label("second declaration")
                .with_path(operation_path.clone())
                .with_related(self.ctx.source, first, "first declared here");
                self.ctx.push(diagnostic);
                continue;
            }
            target.methods.push(method);
        }
    }

    /// Finds or creates the resource for a `paths` key, reporting what AWS would reject.
    fn resource_for(&mut self, key: &str, span: Span, path: &str) -> Option<ResourceId> {
        let Some(rest) = key.strip_prefix('/') else {
            self.ctx.error(
                span,
                path,
                format!("path `{key}` does not start with `/`"),
                "expected a path such as /pets",
            );
            return None;
        };
        let mut rest = rest;
        if rest.ends_with('/') {
            self.ctx.warning(
                span,
                path,
                format!("trailing `/` in path `{key}`"),
                "API Gateway resources have no empty segment; read without it",
            );
            rest = rest.trim_end_matches('/');
        }
        let segments: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut valid = true;
        for segment in &segments {
            if let Err(label) = check_segment(segment) {
                self.ctx.error(
                    span,
                    path,
                    format!("invalid path segment `{segment}` in `{key}`"),
                    label,
                );
                valid = false;
            }
        }
        if !valid {
            return None;
        }
        let mut at = ResourceId::ROOT;
        let prefix = self.prefix.clone();
        for segment in prefix.iter().map(String::as_str).chain(segments.iter().copied()) {
            at = self.child(at, segment, span, path)?;
        }
        if let Some(resource) = self.resources.get_mut(at.index())
            && (resource.id != ResourceId::ROOT || segments.is_empty())
        {
            resource.span = span;
        }
        Some(at)
    }

    /// The child `part` of `parent`, created if missing.
    fn child(&mut self, parent: ResourceId, part: &str, span: Span, path: &str) -> Option<ResourceId> {
        let parent_resource = self.resources.get(parent.index())?;
        if let Some(existing) = parent_resource.children.iter().find(|child| {
            self.resources
                .get(child.index())
                .is_some_and(|child| child.path_part == part)
        }) {
            return Some(*existing);
        }
        if let PathSegment::Greedy(_) = parent_resource.segment() {
            self.ctx.error(
                span,
                path,
                format!("resource `{}` cannot have children", parent_resource.path),
                format!(
                    "a greedy path variable (`{}`) matches all remaining segments",
                    parent_resource.path_part
                ),
            );
            return None;
        }
        if PathSegment::parse(part).is_variable() {
            let sibling = parent_resource
                .children
                .iter()
                .filter_map(|child| self.resources.get(child.index()))
                .find(|child| child.segment().is_variable());
            if let Some(sibling) = sibling {
                let diagnostic = crate::Diagnostic::error(
                    self.ctx.source,
                    span,
                    format!(
                        "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                        sibling.path_part
                    ),
                )
                .with_label(format!(
                    "`{part}` is a second variable child of `{}`",
                    parent_resource.path
                ))
                .with_path(path.to_owned())
                .with_related(
                    self.ctx.source,
                    sibling.span,
                    format!("`{}` declared here", sibling.path),
                );
                self.ctx.push(diagnostic);
                return None;
            }
        }
        let id = ResourceId(u32::try_from(self.resources.len()).ok()?);
        let full_path = if parent_resource.path == "/" {
            format!("/{part}")
        } else {
            format!("{}/{part}", parent_resource.path)
        };
        self.resources.push(Resource {
            id,
            parent: Some(parent),
            path_part: part.to_owned(),
            path: full_path,
            children: Vec::new(),
            methods: Vec::new(),
            span,
        });
        if let Some(parent_resource) = self.resources.get_mut(parent.index()) {
            parent_resource.children.push(id);
        }
        Some(id)
    }
}

/// The base path segments to put before every path under the import mode.
fn base_prefix(options: &ImportOptions, base_path: Option<&str>) -> Vec<String> {
    let segments: Vec<String> = base_path
        .unwrap_or("")
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect();
    match options.base_path {
        BasePathMode::Ignore => Vec::new(),
        BasePathMode::Prepend => segments,
        BasePathMode::Split => segments.into_iter().skip(1).collect(),
    }
}

/// AWS: a path part is letters, digits and `._-,:` (AWS also documents `,` and `:`), or a whole-segment
/// `{name}` / `{name+}`.
fn check_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err("empty segment (`//`)".to_owned());
    }
    if let Some(inner) = segment.strip_prefix('{') {
        let Some(inner) = inner.strip_suffix('}') else {
            return Err("a path parameter is a whole segment: `{name}` or `{name+}`".to_owned());
        };
        let name = inner.strip_suffix('+').unwrap_or(inner);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err("a path parameter name is letters, digits and `._-`".to_owned());
        }
        return Ok(());
    }
    if segment
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-,:".contains(c))
    {
        return Ok(());
    }
    Err("Resource's path part only allow a-zA-Z0-9._-,: and curly braces at the beginning and the end and an optional plus sign before the closing brace".to_owned())
}
