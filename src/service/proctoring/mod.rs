//! Proctoring: events from the candidate's client, the console, proctors' actions and
//! reviews, accommodations, and the audit trail that tells each attempt's story.

mod actions;
mod console;
mod events;
mod records;

pub use actions::{act, review, ProctorAction, ReviewDecision};
pub use console::{list, ConsoleFilter};
pub use events::{post_event, sweep_silence, timeline, NewEvent};
pub use records::{
    accommodate, accommodation_view, audit_trail, lab_review, AuditQuery, NewAccommodation,
};
