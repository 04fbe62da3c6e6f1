//! Who is calling: password hashing, access and refresh tokens, and the extractors that
//! put a role check in front of every route.

pub mod account_feed;
pub mod device;
pub mod extract;
pub mod forwarded;
pub mod hashing;
pub mod password;
pub mod refresh;
pub mod standing;
pub mod tokens;

pub use extract::{AdminUser, AnyUser, AuthUser, ClientAddr};
