//! The fixed targets of a load run: the two references (direct backend, nginx) for each request shape, and the
//! gateway's routes of `xtask/load/bench-api.yaml`.

use super::setup::STAGE;

/// Which process serves a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Server {
    Direct,
    Nginx,
    Tollgate,
}

/// What the client sends: ratios compare a gateway route with the references of the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `GET`, no body.
    Get,
    /// `POST` of the 2 KB JSON order (`xtask/load/order-2k.json`).
    Post2k,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    pub(crate) server: Server,
    pub(crate) shape: Shape,
    /// Path after the stage for gateway targets; the whole path otherwise.
    pub(crate) path: &'static str,
    /// The AWS_PROXY route: measured only when the build runs local functions.
    pub(crate) needs_functions: bool,
}

impl Target {
    pub(crate) fn method(&self) -> &'static str {
        match self.shape {
            Shape::Get => "GET",
            Shape::Post2k => "POST",
        }
    }

    pub(crate) fn full_path(&self) -> String {
        match self.server {
            Server::Tollgate => format!("/{STAGE}{}", self.path),
            _ => self.path.to_owned(),
        }
    }

    pub(crate) fn is_reference(&self) -> bool {
        self.server != Server::Tollgate
    }
}

/// Every target, references first.
pub(crate) const ALL: &[Target] = &[
    Target {
        name: "direct",
        what: "bare hyper backend, GET (the physical limit)",
        server: Server::Direct,
        shape: Shape::Get,
        path: "/",
        needs_functions: false,
    },
    Target {
        name: "nginx",
        what: "nginx reverse proxy -> backend, GET",
        server: Server::Nginx,
        shape: Shape::Get,
        path: "/proxy",
        needs_functions: false,
    },
    Target {
        name: "direct-2k",
        what: "bare hyper backend, POST 2 KB echoed",
        server: Server::Direct,
        shape: Shape::Post2k,
        path: "/echo",
        needs_functions: false,
    },
    Target {
        name: "nginx-2k",
        what: "nginx reverse proxy -> backend, POST 2 KB echoed",
        server: Server::Nginx,
        shape: Shape::Post2k,
        path: "/echo",
        needs_functions: false,
    },
    Target {
        name: "mock",
        what: "tollgate MOCK + response template",
        server: Server::Tollgate,
        shape: Shape::Get,
        path: "/mock",
        needs_functions: false,
    },
    Target {
        name: "http-proxy",
        what: "tollgate HTTP_PROXY -> backend",
        server: Server::Tollgate,
        shape: Shape::Get,
        path: "/proxy",
        needs_functions: false,
    },
    Target {
        name: "http-vtl",
        what: "tollgate HTTP + request/response VTL (LocalStack's /vtl)",
        server: Server::Tollgate,
        shape: Shape::Get,
        path: "/vtl?q=hi",
        needs_functions: false,
    },
    Target {
        name: "http-vtl-2k",
        what: "tollgate HTTP + VTL reshaping a 2 KB order both ways",
        server: Server::Tollgate,
        shape: Shape::Post2k,
        path: "/orders",
        needs_functions: false,
    },
    Target {
        name: "aws-proxy",
        what: "tollgate AWS_PROXY -> local function",
        server: Server::Tollgate,
        shape: Shape::Get,
        path: "/lambda",
        needs_functions: true,
    },
];

/// The targets `--only` selects (all when empty), plus the references of the shapes they use.
pub(crate) fn select(only: &[String]) -> anyhow::Result<Vec<Target>> {
    for name in only {
        if !ALL.iter().any(|t| t.name == name) {
            let names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
            anyhow::bail!("unknown target `{name}`; targets: {}", names.join(", "));
        }
    }
    if only.is_empty() {
        return Ok(ALL.to_vec());
    }
    let chosen: Vec<&Target> = ALL.iter().filter(|t| only.iter().any(|n| n == t.name)).collect();
    Ok(ALL
        .iter()
        .filter(|t| {
            chosen
                .iter()
                .any(|c| c.name == t.name || (t.is_reference() && c.shape == t.shape))
        })
        .copied()
        .collect())
}

/// The reference of a shape served by `server`.
pub(crate) fn reference(server: Server, shape: Shape) -> Option<&'static Target> {
    ALL.iter().find(|t| t.server == server && t.shape == shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_adds_the_references_of_the_same_shape() {
        let names = |only: &[&str]| -> Vec<&str> {
            let only: Vec<String> = only.iter().map(|s| (*s).to_owned()).collect();
            select(&only).unwrap().iter().map(|t| t.name).collect()
        };
        assert_eq!(names(&["mock"]), ["direct", "nginx", "mock"]);
        assert_eq!(names(&["http-vtl-2k"]), ["direct-2k", "nginx-2k", "http-vtl-2k"]);
        assert_eq!(names(&[]).len(), ALL.len());
        assert!(select(&["nope".to_owned()]).is_err());
    }
}
