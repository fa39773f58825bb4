//! Survey flows: the YAML model (`def`), the checker that compiles it into a `Flow` graph
//! (`check`), the flow's own texts as Fluent bundles (`text`) and conditions (`cond`).

pub mod check;
pub mod compute;
pub mod cond;
pub mod def;
pub mod indicators;
pub mod retention;
pub mod text;
pub mod transcript;

use crate::model::Lang;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;

pub use check::{Diagnostic, FlowError, compile, load};
pub use cond::{Cond, Lit, Op, Subject};
pub use retention::Retention;
pub use text::{Text, Texts};

/// Hashes question codes for [`Flow::index_of`], which conditions call on every walk of the
/// flow: FNV-1a, much cheaper than the default SipHash for short codes. The codes come from
/// the flow file, not from respondents, so hash flooding is no concern.
#[derive(Clone, Copy, Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Builds [`Fnv`] hashers.
pub type CodeHasher = std::hash::BuildHasherDefault<Fnv>;

/// A compiled, checked flow: questions in one flat list, in the order they are asked when no
/// `goto` intervenes, with repeat groups as ranges of that list.
#[derive(Debug)]
pub struct Flow {
    /// Stable id.
    pub id: String,
    /// Version stored with every answer.
    pub version: i64,
    /// Title.
    pub title: Text,
    /// Offered languages, default first.
    pub languages: Vec<Lang>,
    /// Last day open sessions may continue.
    pub closes: Option<NaiveDate>,
    /// How long the answers and personal data of a session are kept (`retention: 5y`);
    /// none: until staff delete them.
    pub retention: Option<Retention>,
    /// Greeting before consent.
    pub intro: Option<Text>,
    /// The four consent parts: purpose, data, retention, rights.
    pub consent: [Text; 4],
    /// Closing words.
    pub outro: Option<Text>,
    /// Whether anyone may start without a personal link.
    pub open: bool,
    /// What the export writes for missing answers.
    pub missing: MissingCodes,
    /// The export's column name for a roster field (`external_id` → `nimhsmsmh`,
    /// `extra.nisn` → `nisn`), as the flow's `export_fields` maps them.
    pub export_fields: Vec<(String, String)>,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Questions in order (including "other" follow-ups, right after their question).
    pub items: Vec<Question>,
    /// Repeat groups.
    pub groups: Vec<Group>,
    /// All texts, per language.
    pub texts: Texts,
    /// The YAML text it was compiled from, stored by (id, version) so a session started
    /// under this version can be continued with it after a newer one is deployed.
    pub source: String,
    by_code: HashMap<String, usize, CodeHasher>,
    /// Which questions feed the tracer indicators (`indicators:`), if declared.
    pub indicators: Option<indicators::Indicators>,
}

impl Flow {
    /// The flow's default language.
    pub fn default_lang(&self) -> Lang {
        self.languages.first().copied().unwrap_or_default()
    }

    /// The index of the question with this code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The question with this code.
    pub fn question(&self, code: &str) -> Option<&Question> {
        self.index_of(code).map(|i| &self.items[i])
    }

    /// How many entries are questions (computed values are never asked).
    pub fn asked_count(&self) -> usize {
        self.items.iter().filter(|q| !q.is_computed()).count()
    }

    /// Loads and compiles a flow file, returning every problem found.
    pub fn from_file(path: &Path) -> Result<Flow, FlowError> {
        load(path)
    }
}

/// A titled part of the flow.
#[derive(Debug)]
pub struct Section {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: Text,
    /// Said once before the section's first question.
    pub intro: Option<Text>,
}

/// A repeat group: items `start..end` asked again per item.
#[derive(Debug)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// First item index.
    pub start: usize,
    /// One past the last item index.
    pub end: usize,
    /// At most this many items.
    pub max: u32,
    /// The group is entered only when this holds.
    pub when: Option<Cond>,
    /// Shown before the first item.
    pub intro: Option<Text>,
    /// "Is there another?"
    pub more: Text,
    /// Words that answer "is there another?" with yes when echoed ("ada").
    pub echo: Vec<String>,
}

/// One question as the engine asks it.
#[derive(Debug)]
pub struct Question {
    /// Stable code.
    pub code: String,
    /// Section index.
    pub section: usize,
    /// Repeat group index, if inside one.
    pub group: Option<usize>,
    /// Answer type and its parameters.
    pub kind: Kind,
    /// Question text.
    pub text: Text,
    /// Help text for `/bantuan`.
    pub help: Option<Text>,
    /// May be skipped.
    pub optional: bool,
    /// May be declined ("rahasia"): stored as [`crate::model::Value::Refused`].
    pub refusable: bool,
    /// Asked only when this holds (the section's condition folded in).
    pub when: Option<Cond>,
    /// Rules tried in order after answering.
    pub goto: Vec<Goto>,
    /// For an "other" follow-up: the question it follows and the option code that triggers it.
    pub follows: Option<(usize, String)>,
    /// An "are you sure?" range: an answer outside it is kept only once confirmed.
    pub soft: Option<Soft>,
}

impl Question {
    /// Whether this entry is computed (never asked).
    pub fn is_computed(&self) -> bool {
        matches!(self.kind, Kind::Computed { .. })
    }
}

/// A soft check: values outside `bounds` are implausible, not impossible (income "4").
#[derive(Debug)]
pub struct Soft {
    /// The plausible range.
    pub bounds: Bounds,
    /// Why the value looks wrong, said with the "are you sure?".
    pub message: Option<Text>,
}

/// A `goto` rule.
#[derive(Debug)]
pub struct Goto {
    /// Applies when this holds (always when `None`).
    pub when: Option<Cond>,
    /// Where to continue.
    pub to: Target,
}

/// A `goto` destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The item with this index.
    Item(usize),
    /// The end of the survey.
    End,
}

/// An option of a choice question.
#[derive(Debug)]
pub struct Choice {
    /// Exported code.
    pub code: String,
    /// Label.
    pub label: Text,
    /// The label formatted in each of the flow's languages (in the order of `languages`),
    /// then the aliases, once at compile time: typed answers are matched against all of them.
    pub labels: Vec<String>,
    /// The author's aliases (`Jatim`), also matched as labels (already in `labels`).
    pub aliases: Vec<String>,
    /// Multiple choice: the export column of this option, when the author named it (`f401`).
    pub export: Option<String>,
    /// Excludes every other option (multiple choice).
    pub exclusive: bool,
    /// Code of the "please say which" follow-up.
    pub other: Option<String>,
}

/// Numeric bounds.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    /// Inclusive lower bound.
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
    /// Inclusive lower bound: the answer to this earlier question (`min: { answer: f7 }`),
    /// not applied when that question has no answer.
    pub min_answer: Option<String>,
    /// Inclusive upper bound: the answer to this earlier question (`max: { answer: f6 }`).
    pub max_answer: Option<String>,
}

impl Bounds {
    /// Whether `x` lies within the bounds.
    pub fn contains(&self, x: f64) -> bool {
        self.min.is_none_or(|m| x >= m) && self.max.is_none_or(|m| x <= m)
    }
}

/// A compiled `pattern` of a text question and what to say when an answer does not match.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as written.
    pub source: String,
    /// The compiled expression, anchored at both ends.
    pub regex: regex_automata::meta::Regex,
    /// The author's explanation, if any.
    pub message: Option<Text>,
}

/// The export codes of missing answers (all blank unless the flow sets them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingCodes {
    /// An optional question that was skipped.
    pub skipped: String,
    /// A question a completed session's path did not ask.
    pub not_asked: String,
    /// A `refusable` question the respondent declined to answer.
    pub refused: String,
}

/// One scale of a grid.
#[derive(Debug, Clone)]
pub struct GridScale {
    /// What the scale asks ("A: at graduation").
    pub label: Text,
    /// Lowest point.
    pub from: i64,
    /// Highest point.
    pub to: i64,
    /// Meaning of the lowest point.
    pub low: Option<Text>,
    /// Meaning of the highest point.
    pub high: Option<Text>,
}

/// The export codes of a yes/no question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YesNoCodes {
    /// Exported for yes.
    pub yes: String,
    /// Exported for no.
    pub no: String,
}

impl Default for YesNoCodes {
    fn default() -> Self {
        YesNoCodes {
            yes: "1".into(),
            no: "0".into(),
        }
    }
}

/// The unit of time a number question counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Days.
    Days,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
    /// Years.
    Years,
}

impl TimeUnit {
    /// The names a flow file may use.
    pub const NAMES: [&'static str; 4] = ["days", "weeks", "months", "years"];

    /// Reads a flow file's name.
    pub fn from_name(s: &str) -> Option<TimeUnit> {
        match s {
            "days" => Some(TimeUnit::Days),
            "weeks" => Some(TimeUnit::Weeks),
            "months" => Some(TimeUnit::Months),
            "years" => Some(TimeUnit::Years),
            _ => None,
        }
    }

    /// The unit as the understanding library names it.
    pub fn as_understood(self) -> crate::understand::Period {
        match self {
            TimeUnit::Days => crate::understand::Period::Days,
            TimeUnit::Weeks => crate::understand::Period::Weeks,
            TimeUnit::Months => crate::understand::Period::Months,
            TimeUnit::Years => crate::understand::Period::Years,
        }
    }
}

/// A date bound: a fixed day, or a distance from the day the answer is given (so "no start
/// month in the future" stays true however long a survey runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// This day.
    Fixed(NaiveDate),
    /// Today (in WIB) moved by whole months and days.
    Today {
        /// Months added (negative: earlier).
        months: i32,
        /// Days added.
        days: i32,
    },
}

impl DateBound {
    /// Reads `today`, `today-10y`, `today+6m`, `today-30d` or `2020-01-01`.
    pub fn parse(s: &str) -> Option<DateBound> {
        let s = s.trim();
        let Some(rest) = s.strip_prefix("today") else {
            return NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(DateBound::Fixed);
        };
        let rest = rest.trim();
        if rest.is_empty() {
            return Some(DateBound::Today { months: 0, days: 0 });
        }
        let (sign, rest) = match rest.as_bytes()[0] {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return None,
        };
        let rest = rest.trim();
        let unit = rest.chars().last()?;
        let n: i32 = rest[..rest.len() - unit.len_utf8()].trim().parse().ok()?;
        if n > 1000 {
            return None;
        }
        let n = sign * n;
        match unit {
            'y' => Some(DateBound::Today {
                months: n * 12,
                days: 0,
            }),
            'm' => Some(DateBound::Today { months: n, days: 0 }),
            'd' => Some(DateBound::Today { months: 0, days: n }),
            _ => None,
        }
    }

    /// The day this bound stands for, given today's date.
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        match self {
            DateBound::Fixed(d) => d,
            DateBound::Today { months, days } => {
                let moved = if months >= 0 {
                    today.checked_add_months(chrono::Months::new(months.unsigned_abs()))
                } else {
                    today.checked_sub_months(chrono::Months::new(months.unsigned_abs()))
                };
                let moved = moved.unwrap_or(today);
                moved
                    .checked_add_signed(chrono::Duration::days(i64::from(days)))
                    .unwrap_or(moved)
            }
        }
    }
}

/// The accepted range of a date or month-year question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    /// Earliest.
    pub not_before: Option<DateBound>,
    /// Latest.
    pub not_after: Option<DateBound>,
}

/// The answer type of a question.
#[derive(Debug)]
pub enum Kind {
    /// Free text with length bounds (in characters).
    Text {
        /// Minimum length.
        min_len: Option<u32>,
        /// Maximum length.
        max_len: Option<u32>,
        /// A pattern the whole answer must match.
        pattern: Option<Pattern>,
    },
    /// Whole number.
    Integer {
        /// Bounds.
        bounds: Bounds,
        /// Unit.
        unit: Option<Text>,
        /// The time unit the number counts, so "1 tahun" in a months question is 12.
        time_unit: Option<TimeUnit>,
    },
    /// Number with fraction.
    Decimal {
        /// Bounds.
        bounds: Bounds,
        /// Unit.
        unit: Option<Text>,
        /// See `Integer`.
        time_unit: Option<TimeUnit>,
    },
    /// Rupiah.
    Money {
        /// Bounds.
        bounds: Bounds,
    },
    /// One option.
    Single {
        /// Options.
        options: Vec<Choice>,
    },
    /// Several options.
    Multi {
        /// Options.
        options: Vec<Choice>,
        /// Minimum picks.
        min: u32,
        /// Maximum picks.
        max: u32,
    },
    /// Likert scale.
    Likert {
        /// Lowest point.
        from: i64,
        /// Highest point.
        to: i64,
        /// Meaning of the lowest point.
        low: Text,
        /// Meaning of the highest point.
        high: Text,
    },
    /// One row of a grid: rated on each of the grid's scales in one answer ("4 5").
    Grid {
        /// The grid's code (`f17`), shared by its rows.
        grid: String,
        /// The grid's question, said with every row.
        stem: Text,
        /// This row's place in the grid, from 1.
        row: usize,
        /// How many rows the grid has.
        rows: usize,
        /// The scales, in the order the answer gives them.
        scales: Vec<GridScale>,
        /// The export column of each scale, in scale order.
        exports: Vec<String>,
    },
    /// Yes or no.
    YesNo {
        /// Words that answer yes when echoed ("ada", "pernah"); "tidak"/"belum" before them
        /// answers no. Read from the question text, or named by the author.
        echo: Vec<String>,
        /// Export codes of yes and no (default `1` and `0`).
        codes: YesNoCodes,
    },
    /// A date.
    Date {
        /// Also accepts a month and year alone ("September 2024"), stored as a month-year.
        month_ok: bool,
        /// Earliest and latest accepted day.
        range: DateRange,
    },
    /// A month and year.
    MonthYear {
        /// Earliest and latest accepted month (compared by month).
        range: DateRange,
    },
    /// A row of a long list shipped with Jejak (`lookup`), found by typing a few letters.
    Lookup {
        /// The list.
        list: crate::lookup::ListId,
        /// The earlier lookup question (item index) whose answer filters the rows.
        within: Option<usize>,
        /// Code of the text question asked when the answer is not in the list.
        other: Option<String>,
    },
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// Not asked: worked out from earlier answers whenever it is needed (conditions, piping,
    /// export). Nothing computed is stored: the value follows its inputs when they change
    /// (`/ubah`, `/kembali`) without a second copy to keep in step, and no migration is needed.
    Computed {
        /// The expression.
        expr: compute::Expr,
        /// The expression as written (for the codebook).
        source: String,
        /// Unit shown after the value (`bulan`).
        unit: Option<Text>,
    },
}

impl Kind {
    /// The type name used in flow files and the codebook.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Text { .. } => "text",
            Kind::Integer { .. } => "integer",
            Kind::Decimal { .. } => "decimal",
            Kind::Money { .. } => "money",
            Kind::Single { .. } => "single",
            Kind::Multi { .. } => "multi",
            Kind::Likert { .. } => "likert",
            Kind::Grid { .. } => "grid",
            Kind::YesNo { .. } => "yesno",
            Kind::Date { .. } => "date",
            Kind::MonthYear { .. } => "month_year",
            Kind::Lookup { .. } => "lookup",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Computed { .. } => "compute",
        }
    }

    /// The options of a choice question.
    pub fn options(&self) -> &[Choice] {
        match self {
            Kind::Single { options } | Kind::Multi { options, .. } => options,
            _ => &[],
        }
    }
}
