//! API Gateway's resource-tree routing (spec §1), compiled once per deployment.
//!
//! The tree holds literal children, at most one variable child (`{x}` or a greedy `{x+}`) per resource, and the
//! methods defined on each resource. Matching is a depth-first search that prefers the literal child, then the
//! variable child, and backtracks on a dead end, so a literal wins only when the whole path resolves under it.
//! A resource "resolves" when it defines the request's method or `ANY`; a resource without that method is a dead
//! end too (what LocalStack's AWS-validated router does; AWS does not document it). Every node sits at one
//! depth, so the search visits each node at most once: matching is linear in the tree size, whatever the path.

use std::collections::HashMap;

/// The HTTP methods API Gateway routes, plus `ANY`, in a fixed order (the index of a resource's method slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteMethod {
    /// `DELETE`.
    Delete,
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
    /// `PATCH`.
    Patch,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `ANY` (`x-amazon-apigateway-any-method`): the seven methods above when none is defined explicitly.
    Any,
}

impl RouteMethod {
    const COUNT: usize = 8;

    /// The method named by a definition (`get`, `GET`, `x-amazon-apigateway-any-method` is `ANY`).
    pub fn from_name(name: &str) -> Option<RouteMethod> {
        const NAMES: [(&str, RouteMethod); 8] = [
            ("DELETE", RouteMethod::Delete),
            ("GET", RouteMethod::Get),
            ("HEAD", RouteMethod::Head),
            ("OPTIONS", RouteMethod::Options),
            ("PATCH", RouteMethod::Patch),
            ("POST", RouteMethod::Post),
            ("PUT", RouteMethod::Put),
            ("ANY", RouteMethod::Any),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, m)| *m)
    }

    /// The method of a request; `None` for methods API Gateway never routes (CONNECT, TRACE, extensions).
    pub fn from_request(method: &http::Method) -> Option<RouteMethod> {
        Some(match *method {
            http::Method::DELETE => RouteMethod::Delete,
            http::Method::GET => RouteMethod::Get,
            http::Method::HEAD => RouteMethod::Head,
            http::Method::OPTIONS => RouteMethod::Options,
            http::Method::PATCH => RouteMethod::Patch,
            http::Method::POST => RouteMethod::Post,
            http::Method::PUT => RouteMethod::Put,
            _ => return None,
        })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Why a resource path cannot go into the tree; the deployment compiler reports it at the path's location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// A segment is empty, holds characters API Gateway rejects, or mixes a parameter with text.
    InvalidSegment {
        /// The offending segment.
        segment: String,
    },
    /// A second variable child under one resource (AWS's "only one is allowed").
    SiblingVariable {
        /// The variable already present.
        existing: String,
        /// The one being added.
        added: String,
    },
    /// A resource under a greedy `{x+}` resource.
    ChildOfGreedy {
        /// The greedy segment.
        greedy: String,
    },
    /// The same method twice on one resource.
    DuplicateMethod,
    /// One path names the same parameter twice (`/{id}/x/{id}`).
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteError::InvalidSegment { segment } => write!(
                f,
                "invalid path segment `{segment}`: use alphanumerics and `_ - . , :`, or a whole-segment `{{param}}` / `{{param+}}`"
            ),
            RouteError::SiblingVariable { existing, added } => write!(
                f,
                "A sibling ({existing}) of this resource already has a variable path part -- only one is allowed (adding {added})"
            ),
            RouteError::ChildOfGreedy { greedy } => {
                write!(f, "a greedy path variable ({greedy}) cannot have child resources")
            }
            RouteError::DuplicateMethod => f.write_str("the method is defined twice on this resource"),
            RouteError::DuplicateParameter { name } => {
                write!(f, "the path parameter `{name}` appears twice in this path")
            }
        }
    }
}

#[derive(Debug, Default)]
struct Node {
    literals: HashMap<Box<str>, u32>,
    variable: Option<Variable>,
    methods: [Option<u32>; RouteMethod::COUNT],
}

impl Node {
    fn route_for(&self, method: RouteMethod) -> Option<u32> {
        let explicit = self.methods.get(method.index()).copied().flatten();
        explicit.or_else(|| self.methods.get(RouteMethod::Any.index()).copied().flatten())
    }
}

#[derive(Debug)]
struct Variable {
    name: Box<str>,
    greedy: bool,
    node: u32,
}

/// The compiled resource tree of one deployment.
#[derive(Debug)]
pub struct Router {
    nodes: Vec<Node>,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            nodes: vec![Node::default()],
        }
    }
}

/// A path parameter captured by a match: the name and the raw (never decoded) value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathParam<'p> {
    /// The parameter name, without braces or `+`.
    pub name: &'p str,
    /// The value exactly as it appeared in the request path.
    pub value: &'p str,
}

/// The result of a successful match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteMatch<'r, 'p> {
    /// The id registered with [`Router::insert`] for the resource and method.
    pub route: u32,
    /// The captured path parameters, outermost first.
    pub params: Vec<PathParam<'r>>,
    /// Marker for the path's lifetime when a parameter borrows it.
    pub path: &'p str,
}

impl Router {
    /// Adds `method` on the resource at `path` (e.g. `/pets/{id}`, `/{proxy+}`, `/`) with the caller's `route` id.
    pub fn insert(&mut self, path: &str, method: RouteMethod, route: u32) -> Result<(), RouteError> {
        let mut node = 0usize;
        let mut names: Vec<&str> = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            if let Some(Segment::Variable { name, .. }) = classify(segment) {
                if names.contains(&name) {
                    return Err(RouteError::DuplicateParameter { name: name.to_owned() });
                }
                names.push(name);
            }
            node = self.child(node, segment)?;
        }
        let slot = self
            .nodes
            .get_mut(node)
            .and_then(|n| n.methods.get_mut(method.index()))
            .ok_or(RouteError::DuplicateMethod)?;
        if slot.is_some() {
            return Err(RouteError::DuplicateMethod);
        }
        *slot = Some(route);
        Ok(())
    }

    fn child(&mut self, parent: usize, segment: &str) -> Result<usize, RouteError> {
        let kind = classify(segment).ok_or_else(|| RouteError::InvalidSegment {
            segment: segment.to_owned(),
        })?;
        let next = u32::try_from(self.nodes.len()).map_err(|_| RouteError::InvalidSegment {
            segment: segment.to_owned(),
        })?;
        let Some(node) = self.nodes.get_mut(parent) else {
            return Err(RouteError::InvalidSegment {
                segment: segment.to_owned(),
            });
        };
        let child = match kind {
            Segment::Literal => {
                if let Some(&id) = node.literals.get(segment) {
                    return Ok(id as usize);
                }
                node.literals.insert(segment.into(), next);
                next
            }
            Segment::Variable { name, greedy } => {
                if let Some(var) = &node.variable {
                    if var.name.as_ref() == name && var.greedy == greedy {
                        return Ok(var.node as usize);
                    }
                    return Err(RouteError::SiblingVariable {
                        existing: display_variable(&var.name, var.greedy),
                        added: segment.to_owned(),
                    });
                }
                node.variable = Some(Variable {
                    name: name.into(),
                    greedy,
                    node: next,
                });
                next
            }
        };
        self.nodes.push(Node::default());
        Ok(child as usize)
    }

    /// Checks the tree invariants that need the whole tree: a greedy resource has no children.
    pub fn validate(&self) -> Result<(), RouteError> {
        for node in &self.nodes {
            if let Some(var) = &node.variable
                && var.greedy
                && let Some(child) = self.nodes.get(var.node as usize)
                && (!child.literals.is_empty() || child.variable.is_some())
            {
                return Err(RouteError::ChildOfGreedy {
                    greedy: display_variable(&var.name, true),
                });
            }
        }
        Ok(())
    }

    /// Finds the route for `method` and the post-stage `path` (leading slashes already stripped or not; both work).
    ///
    /// Empty segments (`a//b`) are skipped for literal and `{x}` matching; a greedy parameter captures the raw
    /// rest of the path from its first segment, with one trailing slash dropped (spec §1 slash table).
    pub fn find<'r, 'p: 'r>(&'r self, method: RouteMethod, path: &'p str) -> Option<RouteMatch<'r, 'p>> {
        let path = path.trim_start_matches('/');
        let mut params = Vec::new();
        let route = self.search(0, method, path, &mut params)?;
        Some(RouteMatch { route, params, path })
    }

    fn search<'r, 'p: 'r>(
        &'r self,
        node_id: usize,
        method: RouteMethod,
        rest: &'p str,
        params: &mut Vec<PathParam<'r>>,
    ) -> Option<u32> {
        let node = self.nodes.get(node_id)?;
        let rest = rest.trim_start_matches('/');
        if rest.is_empty() {
            return node.route_for(method);
        }
        let (segment, after) = rest.split_once('/').unwrap_or((rest, ""));
        if let Some(&child) = node.literals.get(segment)
            && let Some(route) = self.search(child as usize, method, after, params)
        {
            return Some(route);
        }
        let var = node.variable.as_ref()?;
        if var.greedy {
            let child = self.nodes.get(var.node as usize)?;
            let route = child.route_for(method)?;
            let value = rest.strip_suffix('/').unwrap_or(rest);
            params.push(PathParam { name: &var.name, value });
            return Some(route);
        }
        params.push(PathParam {
            name: &var.name,
            value: segment,
        });
        if let Some(route) = self.search(var.node as usize, method, after, params) {
            return Some(route);
        }
        params.pop();
        None
    }
}

enum Segment<'s> {
    Literal,
    Variable { name: &'s str, greedy: bool },
}

fn classify(segment: &str) -> Option<Segment<'_>> {
    if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        return valid.then_some(Segment::Variable { name, greedy });
    }
    let valid = segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-.,:".contains(&b));
    valid.then_some(Segment::Literal)
}

fn display_variable(name: &str, greedy: bool) -> String {
    if greedy {
        format!("{{{name}+}}")
    } else {
        format!("{{{name}}}")
    }
}

#[cfg(test)]
mod tests;
