//! The JSON columns of an attempt's rows (option orders, selections, domain scores) and
//! the stored question kind, read back with their faults as internal errors.

use crate::db::attempts::VersionRow;
use crate::domain::kinds::QuestionKind;
use crate::error::{ApiError, ApiResult};
use serde::{de::DeserializeOwned, Serialize};

pub fn kind_of(version: &VersionRow) -> ApiResult<QuestionKind> {
    parse_kind(&version.kind)
}

pub fn parse_kind(kind: &str) -> ApiResult<QuestionKind> {
    QuestionKind::parse(kind).ok_or_else(|| ApiError::internal(format!("stored kind {kind:?}")))
}

pub fn decode<T: DeserializeOwned>(json: &str) -> ApiResult<T> {
    serde_json::from_str(json).map_err(ApiError::internal)
}

pub fn encode<T: Serialize>(value: &T) -> String {
    // Only vectors of strings and integers, and small structs of them, are encoded here.
    serde_json::to_string(value).unwrap_or_default()
}
