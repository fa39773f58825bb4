//! The compiled `indicators:` section of a flow: which question feeds which built-in tracer
//! indicator (`report::indicators` computes them). Checked by `check::indicators`, so every
//! code named here is a question of the flow of the right type.

/// The questions behind the indicators; an indicator whose inputs are absent is not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indicators {
    /// The status question and what its codes mean.
    pub status: Option<StatusMap>,
    /// Yes/no: first job within 6 months of graduating.
    pub within_6_months: Option<String>,
    /// Number questions with the months to the first job (the first answered counts).
    pub waiting_months: Vec<String>,
    /// Horizontal fit (job ↔ field of study).
    pub horizontal_fit: Option<Fit>,
    /// Vertical fit (job ↔ level of education).
    pub vertical_fit: Option<Fit>,
    /// Monthly income in rupiah (a money or whole-number question).
    pub income: Option<String>,
    /// The province question of the place of work, then optionally the city/regency.
    pub place_of_work: Vec<String>,
    /// The competency grid: its row codes, first scale "at graduation", second "needed".
    pub competency: Option<Competency>,
}

/// The status question (f8) and its option codes per status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusMap {
    /// The question code.
    pub code: String,
    /// Codes meaning working for someone else.
    pub working: Vec<String>,
    /// Codes meaning self-employed.
    pub self_employed: Vec<String>,
    /// Codes meaning studying further.
    pub studying: Vec<String>,
}

/// When an answer counts as fitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// The point (a Likert point, a whole number, or a numeric option code) is at most `max`.
    AtMost {
        /// The question code.
        code: String,
        /// The highest fitting point.
        max: i64,
    },
    /// The chosen option code is `value`.
    Equals {
        /// The question code.
        code: String,
        /// The fitting option code.
        value: String,
    },
}

impl Fit {
    /// The question the fit reads.
    pub fn code(&self) -> &str {
        match self {
            Fit::AtMost { code, .. } | Fit::Equals { code, .. } => code,
        }
    }
}

/// The competency grid (f17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competency {
    /// The grid's code.
    pub grid: String,
    /// Its rows' codes, in order.
    pub rows: Vec<String>,
}
