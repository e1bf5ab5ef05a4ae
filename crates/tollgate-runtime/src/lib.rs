//! The Tollgate gateway runtime: compiled deployments, routing, integrations, gateway responses.
