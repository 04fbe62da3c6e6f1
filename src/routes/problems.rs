//! The error side of `/openapi.json`: every route lists the problem+json responses it can
//! give, each with its `code` values. Routes annotate what is theirs (a 409 and why);
//! what follows from how a route is reached is added here, so it cannot be forgotten:
//! authentication (401, 403), a JSON body (400, 413), and the database (500, 503).

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

const PROBLEM_JSON: &str = "application/problem+json";

/// The codes a status stands for when a route names none of its own.
fn default_codes(status: &str) -> &'static str {
    match status {
        "400" => "`validation_failed`",
        "401" => "`unauthorized`, `token_expired` (with `WWW-Authenticate: Bearer`)",
        "403" => "`forbidden`",
        "404" => "`not_found`",
        "405" => "`method_not_allowed` (with `Allow`)",
        "409" => "`attempt_in_progress`, `attempt_closed`",
        "410" => "`revoked`",
        "413" => "`payload_too_large`",
        "429" => "`rate_limited` (with `Retry-After`)",
        "503" => "`unavailable` (with `Retry-After` when the write queue is full)",
        _ => "`internal`",
    }
}

pub fn describe(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in operations.into_iter().flatten() {
            describe_operation(path, op);
        }
    }
}

fn describe_operation(path: &str, op: &mut Operation) {
    let schemes: Vec<String> = op
        .security
        .iter()
        .flatten()
        .filter_map(|req| serde_json::to_value(req).ok())
        .filter_map(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .flatten()
        .collect();
    let mut implied: Vec<&str> = vec!["500", "503"];
    if !schemes.is_empty() {
        implied.push("401");
        // Every signed-in route but the caller's own account is for one role.
        let any_role = [
            "/v1/me",
            "/v1/me/password",
            "/v1/auth/logout",
            "/v1/auth/verify-email/resend",
        ];
        if !any_role.contains(&path) {
            implied.push("403");
        }
    }
    if op.request_body.is_some() {
        implied.extend(["400", "413"]);
    }
    for status in implied {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(default_codes(status))));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if status.as_str() < "400" {
            continue;
        }
        if let RefOr::T(response) = response {
            if !response.description.contains('`') {
                let codes = default_codes(status);
                response.description = if response.description.is_empty() {
                    codes.to_string()
                } else {
                    format!("{codes}: {}", response.description)
                };
            }
            response.content.clear();
            response.content.insert(
                PROBLEM_JSON.to_string(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
        }
    }
}
