//! What answers a request no route takes: 405 with `Allow` when the path exists under
//! other methods (RFC 9110 §15.5.6), else 404. The route table is read from this API's own
//! OpenAPI document, so it lists exactly the routes that are registered.

use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::BTreeSet;

/// Path templates (`/v1/attempts/{id}`) and the methods each answers.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, BTreeSet<String>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, has)| *has)
                .map(|(m, _)| m.to_string())
                .collect();
                (segments(path), methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods `path` answers; empty when no route has this path.
    pub fn allowed(&self, path: &str) -> BTreeSet<String> {
        let asked = segments(path);
        let mut allowed = BTreeSet::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == asked.len()
                && template.iter().zip(&asked).all(|(t, a)| {
                    (t.starts_with('{') && t.ends_with('}') && !a.is_empty()) || t == a
                });
            if matches {
                allowed.extend(methods.iter().cloned());
            }
        }
        allowed
    }
}

/// A path's segments as routing sees them: `/v1/me/` is not `/v1/me`.
fn segments(path: &str) -> Vec<String> {
    path.split('/').map(str::to_string).collect()
}

/// The default service.
pub async fn unrouted(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() {
        return Err(ApiError::NotFound);
    }
    Err(ApiError::MethodNotAllowed {
        allow: allowed.into_iter().collect::<Vec<_>>().join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let route = |p: &str, m: &[&str]| (segments(p), m.iter().map(|s| s.to_string()).collect());
        RouteTable {
            routes: vec![
                route("/v1/attempts/{id}", &["GET"]),
                route("/v1/attempts/{id}/submit", &["POST"]),
                route("/v1/certifications/{code}/attempts", &["POST"]),
            ],
        }
    }

    #[test]
    fn a_known_path_lists_its_methods() {
        let allowed: Vec<String> = table().allowed("/v1/attempts/abc").into_iter().collect();
        assert_eq!(allowed, vec!["GET"]);
        let allowed: Vec<String> = table()
            .allowed("/v1/attempts/abc/submit")
            .into_iter()
            .collect();
        assert_eq!(allowed, vec!["POST"]);
    }

    #[test]
    fn an_unknown_path_has_no_methods() {
        assert!(table().allowed("/v1/attempts").is_empty());
        assert!(table().allowed("/v1/attempts/abc/nothing").is_empty());
        assert!(table().allowed("/v1/attempts//submit").is_empty());
        assert!(table().allowed("/v1/attempts/abc/").is_empty());
    }
}
