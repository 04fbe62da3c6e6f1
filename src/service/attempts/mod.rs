//! Taking an exam: starting it, answering, submitting, reading it back, and finalising
//! it exactly once, whoever gets there first.

mod answering;
mod fast_save;
pub mod finalise;
pub mod labs;
mod open;
mod practice;
mod start;
mod stored;
mod views;

pub use answering::{save_answer, submit, SaveAnswer};
pub use finalise::{finalize, sweep, CloseReason};
pub use open::{settle, settle_candidate, touch, Reach};
pub use start::{may_start, redraw, start, FormKind};
pub use stored::{decode, kind_of};
pub use views::{get, list_mine, result, result_view};
