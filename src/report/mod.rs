//! Results for staff: exports of the answers (and, later, response rates and indicators).

pub mod export;
