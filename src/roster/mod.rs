//! The alumni roster: reading staff's CSV/XLSX lists (`read`, `header`, `row`, `zone`),
//! loading them into the store (`import`), exporting personal invitation links and QR codes
//! (`invite`), and the identity check behind an open link (`identity`).

pub mod header;
pub mod identity;
pub mod import;
pub mod invite;
pub mod read;
pub mod row;
pub mod zone;
