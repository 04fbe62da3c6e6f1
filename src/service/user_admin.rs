//! Accounts as a program administrator runs them: finding users, seeing what they hold,
//! changing a role, disabling and re-enabling. Every change is in the audit trail with
//! the acting admin, in the transaction that makes it.

use crate::db::{self, audit, proctoring as proctoring_rows, tokens, users};
use crate::domain::account::Role;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Cursor, Page, Paging};
use crate::service::{attempts, certificates, proctoring};
use crate::state::AppState;
use crate::views::{UserDetailView, UserView};

/// Who to list: part of an address or name, and a role.
#[derive(Debug, Default)]
pub struct UserSearch {
    pub text: Option<String>,
    pub role: Option<Role>,
}

/// A page of accounts, oldest first.
pub async fn list(
    state: &AppState,
    search: UserSearch,
    paging: Paging,
) -> ApiResult<Page<UserView>> {
    state
        .db
        .read(move |conn| {
            let after = paging.after.clone().map(|c| (c.at, c.id));
            let rows = users::page(
                conn,
                search.text.as_deref().filter(|t| !t.trim().is_empty()),
                search.role.map(Role::as_str),
                after,
                paging.limit,
            )?;
            let page = Page::from_rows(rows, &paging, |u| Cursor {
                at: u.created_at,
                id: u.id.clone(),
            });
            Ok(page.map(UserView::from))
        })
        .await
}

/// One account with its attempts (newest first, up to 200), certificates and
/// accommodations. 404 for an unknown id.
pub async fn detail(state: &AppState, id: String) -> ApiResult<UserDetailView> {
    let user_id = id.clone();
    let (user, accommodations) = state
        .db
        .read(move |conn| {
            let user = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
            let accommodations = proctoring_rows::accommodations_for(conn, &user_id)?;
            Ok((user, accommodations))
        })
        .await?;
    let all = Paging {
        limit: crate::paging::MAX_LIMIT,
        after: None,
    };
    let attempts = attempts::list_mine(state, id.clone(), all).await?.items;
    let certificates = certificates::list_mine(state, id).await?;
    Ok(UserDetailView {
        created_at: crate::views::instant(&db::from_db_time(user.created_at)),
        user: UserView::from(user),
        attempts,
        certificates,
        accommodations: accommodations
            .into_iter()
            .map(proctoring::accommodation_view)
            .collect(),
    })
}

/// What an administrator changes of an account; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes a role or disables/re-enables an account. Disabling ends every session of the
/// account at once. An admin may do neither to their own account (it could leave the
/// program with no admin). 404 for an unknown id; 400 for one's own account.
pub async fn change(
    state: &AppState,
    admin_id: String,
    user_id: String,
    change: AccountChange,
) -> ApiResult<UserView> {
    if admin_id == user_id {
        return Err(ApiError::Validation(
            "an administrator cannot change the role of, or disable, their own account".into(),
        ));
    }
    let now = db::to_db_time(state.clock.now());
    let id = user_id.clone();
    let view = state
        .db
        .write(move |conn| {
            let user = users::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            let mut entry = audit::Entry {
                actor: &admin_id,
                subject_user_id: Some(&id),
                ..Default::default()
            };
            if let Some(role) = change.role.filter(|r| r.as_str() != user.role) {
                users::set_role(conn, &id, role.as_str())?;
                let changed = audit::Entry {
                    action: "user.role_changed",
                    from: Some(&user.role),
                    to: Some(role.as_str()),
                    ..entry.clone()
                };
                audit::append(conn, now, changed)?;
            }
            match change.disabled {
                Some(true) if user.disabled_at.is_none() => {
                    users::set_disabled(conn, &id, Some(now))?;
                    tokens::revoke_user(conn, &id, None, now)?;
                    entry.action = "user.disabled";
                    audit::append(conn, now, entry)?;
                }
                Some(false) if user.disabled_at.is_some() => {
                    users::set_disabled(conn, &id, None)?;
                    entry.action = "user.enabled";
                    audit::append(conn, now, entry)?;
                }
                _ => {}
            }
            let changed = users::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            Ok(UserView::from(changed))
        })
        .await?;
    state.standings.forget(&user_id);
    Ok(view)
}
