//! Chat channels: each translates platform messages into engine inputs and engine replies
//! into platform messages. The console is the first; Telegram and WhatsApp follow the same
//! shape, through `conversation::Conversations`.

pub mod console;
