//! Keyset pagination for lists that grow: `?limit=` (default 50, at most 200) and an
//! opaque `?cursor=`; the body stays a JSON array and the next page's URL is sent in a
//! `Link: <…>; rel="next"` header (RFC 8288), absent on the last page.
//!
//! A cursor names the last row served by its sort key (an instant and a tie-breaking id),
//! so a page is the same whatever rows are added before it, and no offset is counted.

use crate::error::{ApiError, ApiResult};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The query parameters every paginated list takes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page: 1 to 200, default 50.
    pub limit: Option<i64>,
    /// From the `Link` header of the previous page; opaque.
    pub cursor: Option<String>,
}

/// Where a page starts and how long it is.
#[derive(Clone, Debug)]
pub struct Paging {
    pub limit: i64,
    /// The sort key of the last row of the previous page.
    pub after: Option<Cursor>,
}

/// A row's sort key: its instant, then its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: NaiveDateTime,
    pub id: String,
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.at.format(TIME_FORMAT), self.id))
    }

    pub fn decode(raw: &str) -> Option<Cursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        let (at, id) = text.split_once('|')?;
        Some(Cursor {
            at: NaiveDateTime::parse_from_str(at, TIME_FORMAT).ok()?,
            id: id.to_string(),
        })
    }
}

impl PageQuery {
    /// Errors: 400 `validation_failed` for a limit outside 1–200 or a cursor not ours.
    pub fn paging(&self) -> ApiResult<Paging> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::Validation(format!(
                "limit is 1 to {MAX_LIMIT}, not {limit}"
            )));
        }
        let after = match &self.cursor {
            Some(raw) => Some(Cursor::decode(raw).ok_or_else(|| {
                ApiError::Validation("cursor is not one this server gave out".into())
            })?),
            None => None,
        };
        Ok(Paging { limit, after })
    }
}

/// One page of a list, and the cursor of the next when there is one.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page from `rows` fetched with `limit + 1`: the extra row only says that more follow.
    pub fn from_rows(mut rows: Vec<T>, paging: &Paging, key: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() as i64 > paging.limit;
        rows.truncate(paging.limit as usize);
        let next = if more { rows.last().map(key) } else { None };
        Page { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// The `Link` header value for the next page: this request's path and query with the
/// cursor replaced. `query` is the raw query string of the request.
pub fn next_link(path: &str, query: &str, next: &Cursor) -> String {
    let mut pairs: Vec<(String, String)> = url_pairs(query)
        .into_iter()
        .filter(|(k, _)| k != "cursor")
        .collect();
    pairs.push(("cursor".into(), next.encode()));
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("<{path}?{}>; rel=\"next\"", query.join("&"))
}

/// The query's pairs as sent (still percent-encoded, which is what the link repeats).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            at: NaiveDateTime::parse_from_str("2026-12-02T10:00:00.123456", TIME_FORMAT)
                .expect("an instant"),
            id: "0193-abc".into(),
        }
    }

    #[test]
    fn a_cursor_survives_the_round_trip() {
        assert_eq!(Cursor::decode(&cursor().encode()), Some(cursor()));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(
            Cursor::decode(&URL_SAFE_NO_PAD.encode("no separator")),
            None
        );
    }

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        let q = |limit| PageQuery {
            limit: Some(limit),
            cursor: None,
        };
        assert!(q(0).paging().is_err());
        assert!(q(201).paging().is_err());
        assert_eq!(q(200).paging().expect("in range").limit, 200);
        assert_eq!(
            PageQuery::default().paging().expect("the default").limit,
            DEFAULT_LIMIT
        );
    }

    #[test]
    fn the_extra_row_says_more_follow() {
        let paging = Paging {
            limit: 2,
            after: None,
        };
        let key = |n: &i64| Cursor {
            at: cursor().at,
            id: n.to_string(),
        };
        let page = Page::from_rows(vec![1, 2, 3], &paging, key);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next.expect("more follow").id, "2");
        let last = Page::from_rows(vec![1, 2], &paging, key);
        assert!(last.next.is_none());
    }

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let link = next_link(
            "/v1/proctor/attempts",
            "status=paused&cursor=old&limit=5",
            &cursor(),
        );
        assert_eq!(
            link,
            format!(
                "</v1/proctor/attempts?status=paused&limit=5&cursor={}>; rel=\"next\"",
                cursor().encode()
            )
        );
    }
}
