//! AWS service integrations for Tollgate: integration URIs, wire requests, SigV4 signing, Lambda invoke.
