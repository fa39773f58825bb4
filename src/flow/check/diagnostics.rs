//! What the checker reports: a [`Diagnostic`] per problem, with the line and column where the
//! author has to look, and the "did you mean" hints its messages carry.

use super::Checker;
use crate::flow::def::S;
use std::path::{Path, PathBuf};

/// One problem in a flow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub col: u64,
    /// A plain sentence saying what is wrong.
    pub message: String,
}

/// Why a flow could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The file could not be read.
    #[error("{path}: cannot read the flow file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file has errors.
    #[error("{}", render(path, diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl FlowError {
    /// The error as staff read it, in `lang`: an unreadable file in their words
    /// (`cli-flow-io`); the checker's `file:line:col: sentence` lines as they are.
    pub fn text(&self, lang: crate::model::Lang) -> String {
        match self {
            FlowError::Io { path, source } => crate::i18n::staff_text(
                lang,
                "cli-flow-io",
                &[
                    ("path", &path.display().to_string()),
                    ("error", &crate::i18n::io_text(source, lang)),
                ],
            ),
            FlowError::Invalid { .. } => self.to_string(),
        }
    }
}

fn render(path: &Path, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{}:{}:{}: {}", path.display(), d.line, d.col, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// serde-saphyr renders a snippet after the message; the first line is the sentence.
pub(super) fn yaml_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("invalid flow file: {first}")
}

/// Where a YAML node was written: (line, column).
pub(super) fn pos<T>(s: &S<T>) -> (u64, u64) {
    (s.referenced.line(), s.referenced.column())
}

/// A position: (line, column).
pub(super) type At = (u64, u64);

impl Checker {
    pub(super) fn err(&mut self, at: (u64, u64), message: impl Into<String>) {
        self.diags.push(Diagnostic {
            line: at.0,
            col: at.1,
            message: message.into(),
        });
    }
}

/// " (did you mean `x`?)" when a close name exists.
pub(super) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}
