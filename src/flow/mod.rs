//! Survey flows: the YAML model (`def`), the checker that compiles it into a `Flow` graph
//! (`check`), the flow's own texts as Fluent bundles (`text`) and conditions (`cond`).

pub mod check;
pub mod cond;
pub mod def;
pub mod text;
pub mod transcript;

use crate::model::Lang;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;

pub use check::{Diagnostic, FlowError, compile, load};
pub use cond::{Cond, Lit, Op, Subject};
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
    /// Greeting before consent.
    pub intro: Option<Text>,
    /// The four consent parts: purpose, data, retention, rights.
    pub consent: [Text; 4],
    /// Closing words.
    pub outro: Option<Text>,
    /// Whether anyone may start without a personal link.
    pub open: bool,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Questions in order (including "other" follow-ups, right after their question).
    pub items: Vec<Question>,
    /// Repeat groups.
    pub groups: Vec<Group>,
    /// All texts, per language.
    pub texts: Texts,
    by_code: HashMap<String, usize, CodeHasher>,
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
    /// Asked only when this holds (the section's condition folded in).
    pub when: Option<Cond>,
    /// Rules tried in order after answering.
    pub goto: Vec<Goto>,
    /// For an "other" follow-up: the question it follows and the option code that triggers it.
    pub follows: Option<(usize, String)>,
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
    /// once at compile time: typed answers are matched against every language's labels.
    pub labels: Vec<String>,
    /// Excludes every other option (multiple choice).
    pub exclusive: bool,
    /// Code of the "please say which" follow-up.
    pub other: Option<String>,
}

/// Numeric bounds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bounds {
    /// Inclusive lower bound.
    pub min: Option<f64>,
    /// Inclusive upper bound.
    pub max: Option<f64>,
}

impl Bounds {
    /// Whether `x` lies within the bounds.
    pub fn contains(&self, x: f64) -> bool {
        self.min.is_none_or(|m| x >= m) && self.max.is_none_or(|m| x <= m)
    }
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
    },
    /// Whole number.
    Integer {
        /// Bounds.
        bounds: Bounds,
        /// Unit.
        unit: Option<Text>,
    },
    /// Number with fraction.
    Decimal {
        /// Bounds.
        bounds: Bounds,
        /// Unit.
        unit: Option<Text>,
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
    /// Yes or no.
    YesNo,
    /// A date.
    Date,
    /// A month and year.
    MonthYear,
    /// A phone number.
    Phone,
    /// An email address.
    Email,
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
            Kind::YesNo => "yesno",
            Kind::Date => "date",
            Kind::MonthYear => "month_year",
            Kind::Phone => "phone",
            Kind::Email => "email",
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
