//! Results for staff: exports of the answers (CSV, XLSX) and response rates.

pub mod cell;
pub mod codebook;
pub mod export;
pub mod indicators;
pub mod response;
pub mod xlsx;
