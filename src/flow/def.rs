//! The flow file as written: a serde model of the YAML with the source position of every
//! value an author can get wrong. The checker (`check`) turns this into a compiled `Flow`.
//!
//! Conditions are structured YAML (`{ answer: f8, in: ["1", "3"] }`) rather than an expression
//! language, so that each part has its own position and is type-checked against the question
//! it names. Enums are avoided where positions matter: serde-saphyr loses spans inside
//! untagged or internally tagged enums, so alternatives are optional fields of one struct.

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// A value together with where it was written.
pub type S<T> = Spanned<T>;

/// A text in each language: `{ id: "…", en: "…" }`, each a Fluent pattern.
pub type TextDef = S<BTreeMap<String, S<String>>>;

/// The whole file: a `flow:` header and its `sections:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDef {
    /// Metadata.
    pub flow: S<MetaDef>,
    /// The questions, in sections.
    pub sections: S<Vec<S<SectionDef>>>,
    /// Which questions feed the tracer indicators (`jejak report indicators`).
    #[serde(default)]
    pub indicators: Option<S<IndicatorsDef>>,
}

/// The `indicators:` section: which question feeds which built-in indicator. Every part is
/// optional; an indicator whose inputs are not named is not reported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsDef {
    /// The status question (f8) and which of its option codes mean what.
    #[serde(default)]
    pub status: Option<S<StatusDef>>,
    /// A yes/no question: got the first job within 6 months (f504).
    #[serde(default)]
    pub within_6_months: Option<S<String>>,
    /// Number questions holding the months to the first job, the first answered one counts
    /// (`[f502, f506]`).
    #[serde(default)]
    pub waiting_months: Option<S<Vec<S<String>>>>,
    /// Horizontal fit: a Likert or single-choice question, fitting when its point is at most
    /// `max` (f14 ≤ 3).
    #[serde(default)]
    pub horizontal_fit: Option<S<FitDef>>,
    /// Vertical fit: a single-choice question, fitting when its code `equals` (f15 = 2).
    #[serde(default)]
    pub vertical_fit: Option<S<FitDef>>,
    /// The monthly income in rupiah (a `money` question, f505).
    #[serde(default)]
    pub income: Option<S<String>>,
    /// Where the respondent works: the province question first (f5a1), then optionally the
    /// city/regency (f5a2).
    #[serde(default)]
    pub place_of_work: Option<S<Vec<S<String>>>>,
    /// A grid whose first scale is "at graduation" and second "needed at work" (f17): the
    /// competency gap per row is needed − at graduation.
    #[serde(default)]
    pub competency: Option<S<String>>,
}

/// `status: { answer: f8, working: ["1"], self_employed: ["3"], studying: ["4"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusDef {
    /// The single-choice question.
    pub answer: S<String>,
    /// Option codes meaning "working" (employed by someone else).
    #[serde(default)]
    pub working: Option<S<Vec<S<String>>>>,
    /// Option codes meaning "self-employed" (wirausaha).
    #[serde(default)]
    pub self_employed: Option<S<Vec<S<String>>>>,
    /// Option codes meaning "studying further".
    #[serde(default)]
    pub studying: Option<S<Vec<S<String>>>>,
}

/// A fit test: `{ answer: f14, max: 3 }` or `{ answer: f15, equals: "2" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitDef {
    /// The question.
    pub answer: S<String>,
    /// Fits when the point (or numeric option code) is at most this.
    #[serde(default)]
    pub max: Option<S<i64>>,
    /// Fits when the option code is this one.
    #[serde(default)]
    pub equals: Option<S<String>>,
}

/// The `flow:` header.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaDef {
    /// Stable id (`tracer-smk`): sessions and exports refer to it.
    pub id: S<String>,
    /// Bumped when questions change; stored with every answer.
    pub version: S<i64>,
    /// Title per language.
    pub title: TextDef,
    /// Languages offered, the flow's default first (`[id, en]`).
    pub languages: S<Vec<S<String>>>,
    /// Optional last day (`2027-06-30`) after which open sessions expire.
    #[serde(default)]
    pub closes: Option<S<String>>,
    /// Optional retention (`5y`, `18m`, `90d`): how long after a session's last activity
    /// (its completion, for a completed one) its answers and personal data are kept.
    #[serde(default)]
    pub retention: Option<S<String>>,
    /// Optional greeting shown before the consent text.
    #[serde(default)]
    pub intro: Option<TextDef>,
    /// The consent text required by UU 27/2022.
    pub consent: S<ConsentDef>,
    /// Optional closing text, shown with the thanks.
    #[serde(default)]
    pub outro: Option<TextDef>,
    /// Whether anyone may start without a roster token (used by channels).
    #[serde(default)]
    pub open: Option<S<bool>>,
    /// What the export writes for answers that are missing (blank by default).
    #[serde(default)]
    pub missing: Option<S<MissingDef>>,
    /// The export's names for roster fields, as the national files name them:
    /// `{ external_id: nimhsmsmh, school: kdptimsmh, cohort: tahun_lulus }`; an extra roster
    /// column is `extra.<name>`. Fields not named keep their own names.
    #[serde(default)]
    pub export_fields: Option<S<BTreeMap<String, S<String>>>>,
}

/// The export codes of missing answers: `missing: { skipped: 8, not_asked: 9, refused: 7 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingDef {
    /// An optional question the respondent skipped (`/lewati`).
    #[serde(default)]
    pub skipped: Option<S<ScalarDef>>,
    /// A question the respondent's path did not ask (its `when` did not hold, a `goto`
    /// jumped over it), in a completed session.
    #[serde(default)]
    pub not_asked: Option<S<ScalarDef>>,
    /// A `refusable` question the respondent declined to answer.
    #[serde(default)]
    pub refused: Option<S<ScalarDef>>,
}

/// The parts of a consent request under UU 27/2022 (PDP): all four are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentDef {
    /// Why the data is collected and by whom.
    pub purpose: TextDef,
    /// What is collected.
    pub data: TextDef,
    /// How long it is kept.
    pub retention: TextDef,
    /// The respondent's rights (see, fix, delete, withdraw).
    pub rights: TextDef,
}

/// A section: a titled run of questions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// Section id, usable as a `goto` target.
    pub id: S<String>,
    /// Title per language.
    pub title: TextDef,
    /// Condition for the whole section.
    #[serde(default)]
    pub when: Option<S<CondDef>>,
    /// Said once before the section's first question (what "A" and "B" mean before a grid).
    #[serde(default)]
    pub intro: Option<TextDef>,
    /// Questions and repeat groups.
    pub questions: S<Vec<S<ItemDef>>>,
}

/// One entry of a section: a question, or (with `repeat:`) a repeat group.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    /// Question code (`f8`); exports use it as the column name.
    #[serde(default)]
    pub code: Option<S<String>>,
    /// Answer type (`single`, `money`, …).
    #[serde(rename = "type", default)]
    pub kind: Option<S<String>>,
    /// The question text.
    #[serde(default)]
    pub text: Option<TextDef>,
    /// Extra help shown on `/bantuan`.
    #[serde(default)]
    pub help: Option<TextDef>,
    /// May be skipped with `/lewati`.
    #[serde(default)]
    pub optional: Option<S<bool>>,
    /// The respondent may decline to answer ("rahasia", "tidak mau menjawab", a button):
    /// stored as refused, exported with `missing.refused`.
    #[serde(default)]
    pub refusable: Option<S<bool>>,
    /// Asked only when this holds.
    #[serde(default)]
    pub when: Option<S<CondDef>>,
    /// Where to go after answering: first matching rule wins, else the next question.
    #[serde(default)]
    pub goto: Option<S<Vec<S<GotoDef>>>>,
    /// Bounds: value for numbers and money, picks for multiple choice. A number, or for
    /// numbers and money an earlier answer (`max: { answer: f6 }`).
    #[serde(default)]
    pub min: Option<S<BoundDef>>,
    /// See `min`.
    #[serde(default)]
    pub max: Option<S<BoundDef>>,
    /// Numbers and money: a plausible range; an answer outside it is kept only after an
    /// "are you sure?".
    #[serde(default)]
    pub soft: Option<S<SoftDef>>,
    /// Makes this entry computed, not asked: `"months_between(tgl_lulus, f5_mulai)"`,
    /// `"f6 - f7"` (see `flow::compute`).
    #[serde(default)]
    pub compute: Option<S<String>>,
    /// Text length bounds.
    #[serde(default)]
    pub min_length: Option<S<u32>>,
    /// See `min_length`.
    #[serde(default)]
    pub max_length: Option<S<u32>>,
    /// Unit shown after numbers (`bulan`).
    #[serde(default)]
    pub unit: Option<TextDef>,
    /// For a number of days, weeks, months or years (`months`): answers written in another
    /// time unit ("1 tahun", "6 bln", "2,5 thn") are converted into this one.
    #[serde(default)]
    pub time_unit: Option<S<String>>,
    /// Date and month-year bounds: `today`, `today-10y`, `today+6m`, or `2020-01-01`.
    #[serde(default)]
    pub not_before: Option<S<String>>,
    /// See `not_before`.
    #[serde(default)]
    pub not_after: Option<S<String>>,
    /// A date question that also accepts a month and year alone ("September 2024"): `month`.
    #[serde(default)]
    pub precision: Option<S<String>>,
    /// A text answer must match this regular expression (whole answer, spaces removed at
    /// the ends), e.g. `"[0-9]{16}"` for a NIK.
    #[serde(default)]
    pub pattern: Option<S<String>>,
    /// What the respondent is told when `pattern` does not match.
    #[serde(default)]
    pub pattern_message: Option<TextDef>,
    /// Yes/no: the export code of each value, `{ yes: 1, no: 2 }` (default 1 and 0).
    #[serde(default)]
    pub codes: Option<S<YesNoCodesDef>>,
    /// Yes/no: the word respondents echo to say yes ("ada", "pernah"), when it cannot be
    /// read from the question text (the word after "Apakah" / "Apakah Anda").
    #[serde(default)]
    pub echo: Option<S<Vec<S<String>>>>,
    /// Options of single and multiple choice.
    #[serde(default)]
    pub options: Option<S<Vec<S<OptionDef>>>>,
    /// Likert scale.
    #[serde(default)]
    pub scale: Option<S<ScaleDef>>,
    /// Grid: the scales every row is rated on ("at graduation", "needed at work").
    #[serde(default)]
    pub scales: Option<S<Vec<S<GridScaleDef>>>>,
    /// Grid: the rows, each asked in its own message.
    #[serde(default)]
    pub rows: Option<S<Vec<S<GridRowDef>>>>,
    /// Lookup: the shipped list asked from (`provinces`, `regencies`, `kbli`, `kbji`).
    #[serde(default)]
    pub list: Option<S<String>>,
    /// Lookup: only the rows under an earlier lookup's answer (`within: { answer: f5a1 }`:
    /// the kabupaten/kota of the province answered).
    #[serde(default)]
    pub within: Option<S<WithinDef>>,
    /// Lookup: "not in the list" falls back to this text question.
    #[serde(default)]
    pub other: Option<S<OtherDef>>,
    /// Repeat group id (makes this entry a group).
    #[serde(default)]
    pub repeat: Option<S<String>>,
    /// The group's "is there another?" question.
    #[serde(default)]
    pub more: Option<TextDef>,
    /// The group's questions.
    #[serde(default)]
    pub questions: Option<S<Vec<S<ItemDef>>>>,
}

/// An option of a single or multiple choice question.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// The exported code (`"1"`, `"3"`, matching the national questionnaire where it has one).
    pub code: S<String>,
    /// Label per language.
    pub label: TextDef,
    /// In multiple choice: picking it excludes every other option ("none of these").
    #[serde(default)]
    pub exclusive: Option<S<bool>>,
    /// "Other, please say which": asks a text follow-up stored under this code.
    #[serde(default)]
    pub other: Option<S<OtherDef>>,
    /// Other words respondents use for this option ("Jatim", "DKI"), matched like labels.
    #[serde(default)]
    pub aliases: Option<S<Vec<S<String>>>>,
    /// Multiple choice: the export column of this option (`f401`), instead of
    /// `<question>_<option code>`.
    #[serde(default)]
    pub export: Option<S<String>>,
}

/// What a lookup is filtered by.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithinDef {
    /// The earlier lookup question whose answer is the parent code.
    pub answer: S<String>,
}

/// The export codes of a yes/no question.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YesNoCodesDef {
    /// Exported for yes.
    pub yes: S<ScalarDef>,
    /// Exported for no.
    pub no: S<ScalarDef>,
}

/// The follow-up of an "other" option.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherDef {
    /// Code of the follow-up answer (`f1102`).
    pub code: S<String>,
    /// The follow-up question.
    pub text: TextDef,
}

/// A Likert scale: integer points from `from` to `to`, labelled ends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleDef {
    /// Lowest point (usually 1).
    pub from: S<i64>,
    /// Highest point (usually 5).
    pub to: S<i64>,
    /// Meaning of the lowest point.
    pub low: TextDef,
    /// Meaning of the highest point.
    pub high: TextDef,
}

/// One scale of a grid: integer points from `from` to `to`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridScaleDef {
    /// What this scale asks ("A: at graduation"); said in the hint and the summary.
    pub label: TextDef,
    /// Lowest point (usually 1).
    #[serde(default)]
    pub from: Option<S<i64>>,
    /// Highest point (usually 5).
    #[serde(default)]
    pub to: Option<S<i64>>,
    /// Meaning of the lowest point.
    #[serde(default)]
    pub low: Option<TextDef>,
    /// Meaning of the highest point.
    #[serde(default)]
    pub high: Option<TextDef>,
}

/// One row of a grid: a question of its own, answered with one point per scale.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridRowDef {
    /// The row's code (`f17_etika`): its answer key, usable in piping.
    pub code: S<String>,
    /// What is rated ("Etika").
    pub label: TextDef,
    /// The export column of each scale, in scale order (`[f1761, f1762]`); by default
    /// `<row code>_<scale number>`.
    #[serde(default)]
    pub export: Option<S<Vec<S<String>>>>,
}

/// A goto rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GotoDef {
    /// Applies when this holds (always when absent).
    #[serde(default)]
    pub when: Option<S<CondDef>>,
    /// A question code, a section id, or `end`.
    pub to: S<String>,
}

/// A bound: a number, or an earlier answer. Untagged, so the parts inside have no position
/// of their own; errors point at the whole bound, which is one short line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum BoundDef {
    /// A fixed number.
    Num(f64),
    /// The answer to an earlier question.
    Answer(RefDef),
}

impl BoundDef {
    /// The fixed number, if this bound is one.
    pub fn num(&self) -> Option<f64> {
        match self {
            BoundDef::Num(x) => Some(*x),
            BoundDef::Answer(_) => None,
        }
    }
}

/// `{ answer: f6 }`: the answer to another question, as a value to compare with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefDef {
    /// The question code.
    pub answer: String,
}

/// `soft: { min: 500000, message: { id: …, en: … } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftDef {
    /// Lowest plausible value.
    #[serde(default)]
    pub min: Option<S<f64>>,
    /// Highest plausible value.
    #[serde(default)]
    pub max: Option<S<f64>>,
    /// Why an answer outside looks wrong.
    #[serde(default)]
    pub message: Option<TextDef>,
}

/// A scalar written in a condition.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ScalarDef {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Anything quoted, option codes, dates.
    Str(String),
    /// Another answer (`lte: { answer: f6 }`).
    Answer(RefDef),
}

/// A condition: exactly one of `all`, `any`, `not`, or a test of one `answer` / `field`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CondDef {
    /// Every sub-condition holds.
    #[serde(default)]
    pub all: Option<S<Vec<S<CondDef>>>>,
    /// At least one sub-condition holds.
    #[serde(default)]
    pub any: Option<S<Vec<S<CondDef>>>>,
    /// The sub-condition does not hold.
    #[serde(default)]
    pub not: Option<Box<S<CondDef>>>,
    /// The question code tested.
    #[serde(default)]
    pub answer: Option<S<String>>,
    /// The respondent field tested (`cohort`, `programme`, `extra.x`).
    #[serde(default)]
    pub field: Option<S<String>>,
    /// Equal to.
    #[serde(default)]
    pub eq: Option<S<ScalarDef>>,
    /// Not equal to.
    #[serde(default)]
    pub ne: Option<S<ScalarDef>>,
    /// One of.
    #[serde(rename = "in", default)]
    pub in_: Option<S<Vec<S<ScalarDef>>>>,
    /// Multiple choice includes this option.
    #[serde(default)]
    pub has: Option<S<ScalarDef>>,
    /// Greater than.
    #[serde(default)]
    pub gt: Option<S<ScalarDef>>,
    /// Greater than or equal.
    #[serde(default)]
    pub gte: Option<S<ScalarDef>>,
    /// Less than.
    #[serde(default)]
    pub lt: Option<S<ScalarDef>>,
    /// Less than or equal.
    #[serde(default)]
    pub lte: Option<S<ScalarDef>>,
    /// Was answered (true) / was skipped or not asked (false).
    #[serde(default)]
    pub answered: Option<S<bool>>,
}
