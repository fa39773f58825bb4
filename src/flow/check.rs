//! The flow checker: turns the YAML model into a compiled `Flow`, or into every problem it can
//! find, each with the line and column where the author has to look.
//!
//! It works in one pass over the questions in order (so "earlier question" is simply "already
//! seen"), then resolves `goto` targets and checks the question graph: what no path reaches,
//! and loops with no way out.

use super::cond::{Cond, Lit, Op, Subject};
use super::def::{CondDef, FileDef, ItemDef, OptionDef, S, ScalarDef, TextDef};
use super::text::{Text, TextsBuilder};
use super::{Bounds, Choice, Flow, Goto, Group, Kind, Question, Section, Target};
use crate::model::{Lang, RespondentFields};
use chrono::NaiveDate;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
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

fn render(path: &Path, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{}:{}:{}: {}", path.display(), d.line, d.col, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads and compiles a flow file.
pub fn load(path: &Path) -> Result<Flow, FlowError> {
    let src = std::fs::read_to_string(path).map_err(|source| FlowError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    compile(&src).map_err(|diagnostics| FlowError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
    })
}

/// Compiles flow YAML; on failure returns every problem found, sorted by position.
pub fn compile(src: &str) -> Result<Flow, Vec<Diagnostic>> {
    let file: FileDef = match serde_saphyr::from_str(src) {
        Ok(f) => f,
        Err(e) => {
            let (line, col) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            return Err(vec![Diagnostic {
                line,
                col,
                message: yaml_message(&e.to_string()),
            }]);
        }
    };
    let mut cx = Checker::new(&file);
    for (name, at, first) in duplicate_names(&file) {
        cx.err(at, format!("`{name}` is already used on line {} (codes, section ids and group ids must be unique)", first.0));
    }
    let flow = cx.flow(&file);
    if cx.diags.is_empty() {
        Ok(flow)
    } else {
        let mut d = cx.diags;
        d.sort_by_key(|d| (d.line, d.col));
        d.dedup();
        Err(d)
    }
}

/// serde-saphyr renders a snippet after the message; the first line is the sentence.
fn yaml_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("invalid flow file: {first}")
}

fn pos<T>(s: &S<T>) -> (u64, u64) {
    (s.referenced.line(), s.referenced.column())
}

/// What the checker knows about a question seen so far.
struct Seen {
    index: usize,
    group: Option<usize>,
}

struct PendingGoto {
    from: usize,
    rules: Vec<(Option<Cond>, S<String>)>,
}

struct Checker {
    diags: Vec<Diagnostic>,
    langs: Vec<Lang>,
    texts: TextsBuilder,
    /// Every name (code, section id, group id) defined anywhere, with its position.
    all_names: HashMap<String, (u64, u64)>,
    /// Questions seen so far in order, by code.
    seen: HashMap<String, Seen>,
    items: Vec<Question>,
    item_pos: Vec<(u64, u64)>,
    groups: Vec<Group>,
    sections: Vec<Section>,
    section_start: HashMap<String, usize>,
    gotos: Vec<PendingGoto>,
    /// Where each resolved goto rule was written, by source item.
    goto_pos: Vec<(usize, (u64, u64))>,
    next_text: usize,
}

const TYPES: [&str; 12] = [
    "text",
    "integer",
    "decimal",
    "money",
    "single",
    "multi",
    "likert",
    "yesno",
    "date",
    "month_year",
    "phone",
    "email",
];

impl Checker {
    fn new(file: &FileDef) -> Self {
        Checker {
            diags: Vec::new(),
            langs: Vec::new(),
            texts: TextsBuilder::new(&[]),
            all_names: collect_names(file),
            seen: HashMap::new(),
            items: Vec::new(),
            item_pos: Vec::new(),
            groups: Vec::new(),
            sections: Vec::new(),
            section_start: HashMap::new(),
            gotos: Vec::new(),
            goto_pos: Vec::new(),
            next_text: 0,
        }
    }

    fn err(&mut self, at: (u64, u64), message: impl Into<String>) {
        self.diags.push(Diagnostic {
            line: at.0,
            col: at.1,
            message: message.into(),
        });
    }

    fn flow(&mut self, file: &FileDef) -> Flow {
        let meta = &file.flow.value;
        let mut langs = Vec::new();
        for l in &meta.languages.value {
            match Lang::from_tag(&l.value) {
                Some(lang) if l.value.len() <= 3 => {
                    if langs.contains(&lang) {
                        self.err(pos(l), format!("language `{}` is listed twice", l.value));
                    } else {
                        langs.push(lang);
                    }
                }
                _ => self.err(
                    pos(l),
                    format!(
                        "unknown language `{}`: the bot speaks `id` (Indonesian) and `en` (English)",
                        l.value
                    ),
                ),
            }
        }
        if langs.is_empty() {
            if meta.languages.value.is_empty() {
                self.err(
                    pos(&meta.languages),
                    "`languages` is empty: list at least `id`",
                );
            }
            langs.push(Lang::Id);
        }
        self.langs = langs.clone();
        self.texts = TextsBuilder::new(&langs);

        let id = meta.id.value.clone();
        if !valid_name(&id, true) {
            self.err(
                pos(&meta.id),
                format!(
                    "flow id `{id}` must be letters, digits, `-` or `_`, starting with a letter"
                ),
            );
        }
        if meta.version.value < 1 {
            self.err(pos(&meta.version), "`version` must be 1 or more");
        }
        let closes = meta.closes.as_ref().and_then(|c| {
            let d = NaiveDate::parse_from_str(c.value.trim(), "%Y-%m-%d").ok();
            if d.is_none() {
                self.err(
                    pos(c),
                    format!("`closes` must be a date like 2027-06-30, not `{}`", c.value),
                );
            }
            d
        });
        let fields = HashSet::new();
        let title = self.text(&meta.title, "flow-title", &fields, false);
        let intro = meta
            .intro
            .as_ref()
            .map(|t| self.text(t, "flow-intro", &fields, false));
        let c = &meta.consent.value;
        let consent = [
            self.text(&c.purpose, "consent-purpose", &fields, false),
            self.text(&c.data, "consent-data", &fields, false),
            self.text(&c.retention, "consent-retention", &fields, false),
            self.text(&c.rights, "consent-rights", &fields, false),
        ];

        if file.sections.value.is_empty() {
            self.err(pos(&file.sections), "the flow has no sections");
        }
        for sdef in &file.sections.value {
            self.section(sdef);
        }
        let outro_scope: HashSet<String> = self.seen.keys().cloned().collect();
        let outro = meta
            .outro
            .as_ref()
            .map(|t| self.text(t, "flow-outro", &outro_scope, false));
        self.resolve_gotos();
        self.check_graph();

        let by_code = self
            .items
            .iter()
            .enumerate()
            .map(|(i, q)| (q.code.clone(), i))
            .collect();
        let texts = std::mem::replace(&mut self.texts, TextsBuilder::new(&[])).build();
        for q in &mut self.items {
            if let Kind::Single { options } | Kind::Multi { options, .. } = &mut q.kind {
                for o in options {
                    o.labels = langs
                        .iter()
                        .map(|l| texts.format(*l, &o.label, None))
                        .collect();
                }
            }
        }
        Flow {
            id,
            version: meta.version.value,
            title,
            languages: langs,
            closes,
            intro,
            consent,
            outro,
            open: meta.open.as_ref().is_some_and(|o| o.value),
            sections: std::mem::take(&mut self.sections),
            items: std::mem::take(&mut self.items),
            groups: std::mem::take(&mut self.groups),
            texts,
            by_code,
        }
    }

    /// Checks a text in every language and adds it to the bundles.
    fn text(
        &mut self,
        def: &TextDef,
        id_hint: &str,
        earlier: &HashSet<String>,
        in_group: bool,
    ) -> Text {
        let id = format!("{id_hint}-{}", self.next_text);
        self.next_text += 1;
        let map: &BTreeMap<String, S<String>> = &def.value;
        for (key, value) in map {
            let known = Lang::from_tag(key).filter(|l| self.langs.contains(l) && key.len() <= 3);
            if known.is_none() {
                let offered = self.lang_list();
                self.err(
                    pos(value),
                    format!("text in language `{key}`, which the flow does not offer (it offers {offered})"),
                );
            }
        }
        let mut patterns = Vec::new();
        let mut vars: Vec<String> = Vec::new();
        for lang in self.langs.clone() {
            let found = map.iter().find(|(k, _)| Lang::from_tag(k) == Some(lang));
            match found {
                None => {
                    let offered = self.lang_list();
                    self.err(
                        pos(def),
                        format!(
                            "text has no `{}` version (the flow offers {offered})",
                            lang.tag()
                        ),
                    );
                    patterns.push(String::new());
                }
                Some((_, p)) => {
                    match TextsBuilder::check_pattern(&p.value) {
                        Ok(vs) => {
                            for v in vs {
                                if !var_known(&v, earlier, in_group) {
                                    self.err(
                                        pos(p),
                                        unknown_var_message(&v, &self.all_names, in_group),
                                    );
                                } else if !vars.contains(&v) {
                                    vars.push(v);
                                }
                            }
                        }
                        Err(e) => self.err(
                            pos(p),
                            format!(
                                "invalid Fluent pattern in the `{}` text: {}",
                                lang.tag(),
                                e.0
                            ),
                        ),
                    }
                    patterns.push(p.value.clone());
                }
            }
        }
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        self.texts.add(id, &refs, vars)
    }

    fn lang_list(&self) -> String {
        self.langs
            .iter()
            .map(|l| format!("`{}`", l.tag()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn earlier(&self) -> HashSet<String> {
        self.seen.keys().cloned().collect()
    }

    fn section(&mut self, sdef: &S<super::def::SectionDef>) {
        let s = &sdef.value;
        let index = self.sections.len();
        if !valid_name(&s.id.value, true) {
            self.err(
                pos(&s.id),
                format!(
                    "section id `{}` must be letters, digits, `-` or `_`",
                    s.id.value
                ),
            );
        }
        let earlier = self.earlier();
        let title = self.text(&s.title, "section", &earlier, false);
        self.sections.push(Section {
            id: s.id.value.clone(),
            title,
        });
        let when = s.when.as_ref().and_then(|c| self.cond(c, None));
        self.section_start
            .insert(s.id.value.clone(), self.items.len());
        if s.questions.value.is_empty() {
            self.err(
                pos(&s.questions),
                format!("section `{}` has no questions", s.id.value),
            );
        }
        for item in &s.questions.value {
            if item.value.repeat.is_some() {
                self.group(item, index, when.clone());
            } else {
                self.question(item, index, None, when.clone());
            }
        }
    }

    fn group(&mut self, gdef: &S<ItemDef>, section: usize, outer: Option<Cond>) {
        let g = &gdef.value;
        let Some(id) = &g.repeat else { return };
        let index = self.groups.len();
        for (present, key) in [
            (g.code.is_some(), "code"),
            (g.kind.is_some(), "type"),
            (g.options.is_some(), "options"),
            (g.goto.is_some(), "goto"),
            (g.help.is_some(), "help"),
            (g.optional.is_some(), "optional"),
            (g.scale.is_some(), "scale"),
            (g.unit.is_some(), "unit"),
            (g.min.is_some(), "min"),
            (g.min_length.is_some(), "min_length"),
            (g.max_length.is_some(), "max_length"),
        ] {
            if present {
                self.err(
                    pos(gdef),
                    format!("`{key}` does not apply to a repeat group (`{}`)", id.value),
                );
            }
        }
        let earlier = self.earlier();
        let intro = g
            .text
            .as_ref()
            .map(|t| self.text(t, "group-intro", &earlier, false));
        let more = match &g.more {
            Some(t) => self.text(t, "group-more", &earlier, true),
            None => {
                self.err(
                    pos(id),
                    format!(
                        "repeat group `{}` needs a `more` question (\"is there another?\")",
                        id.value
                    ),
                );
                Text {
                    id: String::new(),
                    vars: Vec::new(),
                }
            }
        };
        let max = match &g.max {
            None => 5,
            Some(m) if m.value >= 1.0 && m.value <= 50.0 && m.value.fract() == 0.0 => {
                m.value as u32
            }
            Some(m) => {
                self.err(
                    pos(m),
                    "`max` of a repeat group must be a whole number from 1 to 50",
                );
                5
            }
        };
        let when = g.when.as_ref().and_then(|c| self.cond(c, None));
        let start = self.items.len();
        self.groups.push(Group {
            id: id.value.clone(),
            start,
            end: start,
            max,
            when,
            intro,
            more,
        });
        match &g.questions {
            Some(qs) if !qs.value.is_empty() => {
                for q in &qs.value {
                    if q.value.repeat.is_some() {
                        self.err(pos(q), "repeat groups cannot be nested");
                    } else {
                        self.question(q, section, Some(index), outer.clone());
                    }
                }
            }
            _ => self.err(
                pos(gdef),
                format!("repeat group `{}` has no `questions`", id.value),
            ),
        }
        self.groups[index].end = self.items.len();
    }

    fn question(
        &mut self,
        qdef: &S<ItemDef>,
        section: usize,
        group: Option<usize>,
        outer: Option<Cond>,
    ) {
        let q = &qdef.value;
        let at = pos(qdef);
        let code = match &q.code {
            Some(c) => {
                if !valid_name(&c.value, false) {
                    self.err(
                        pos(c),
                        format!(
                            "code `{}` must be letters, digits or `_`, starting with a letter",
                            c.value
                        ),
                    );
                }
                c.value.clone()
            }
            None => {
                self.err(at, "question has no `code`");
                format!("_q{}", self.items.len())
            }
        };
        let code_at = q.code.as_ref().map(pos).unwrap_or(at);
        for (present, key) in [
            (q.more.is_some(), "more"),
            (q.questions.is_some(), "questions"),
        ] {
            if present {
                self.err(
                    at,
                    format!("`{key}` only applies to a repeat group (add `repeat:`)"),
                );
            }
        }
        let earlier = self.earlier();
        let text = match &q.text {
            Some(t) => self.text(t, &format!("q-{code}"), &earlier, group.is_some()),
            None => {
                self.err(code_at, format!("question `{code}` has no `text`"));
                Text {
                    id: String::new(),
                    vars: Vec::new(),
                }
            }
        };
        let help = q
            .help
            .as_ref()
            .map(|t| self.text(t, &format!("help-{code}"), &earlier, group.is_some()));
        let own_when = q.when.as_ref().and_then(|c| self.cond(c, group));
        let when = and(outer, own_when);
        let kind = self.kind(q, &code, code_at, group.is_some());
        let index = self.items.len();
        self.items.push(Question {
            code: code.clone(),
            section,
            group,
            kind,
            text,
            help,
            optional: q.optional.as_ref().is_some_and(|o| o.value),
            when: when.clone(),
            goto: Vec::new(),
            follows: None,
        });
        self.item_pos.push(code_at);
        self.seen.insert(code.clone(), Seen { index, group });

        // "Other, please say which" follow-ups become questions of their own right after this
        // one, asked only when their option was picked.
        if let Some(opts) = &q.options {
            let multi = matches!(self.items[index].kind, Kind::Multi { .. });
            for o in &opts.value {
                if let Some(other) = &o.value.other {
                    let ocode = other.value.code.value.clone();
                    if !valid_name(&ocode, false) {
                        self.err(
                            pos(&other.value.code),
                            format!("code `{ocode}` must be letters, digits or `_`"),
                        );
                    }
                    let earlier = self.earlier();
                    let otext = self.text(
                        &other.value.text,
                        &format!("q-{ocode}"),
                        &earlier,
                        group.is_some(),
                    );
                    let opt = o.value.code.value.clone();
                    let test = Cond::Test(
                        Subject::Answer(code.clone()),
                        if multi {
                            Op::Has(opt.clone())
                        } else {
                            Op::Eq(Lit::Str(opt.clone()))
                        },
                    );
                    let oi = self.items.len();
                    self.items.push(Question {
                        code: ocode.clone(),
                        section,
                        group,
                        kind: Kind::Text {
                            min_len: Some(1),
                            max_len: Some(500),
                        },
                        text: otext,
                        help: None,
                        optional: false,
                        when: and(when.clone(), Some(test)),
                        goto: Vec::new(),
                        follows: Some((index, opt)),
                    });
                    self.item_pos.push(pos(&other.value.code));
                    self.seen.insert(ocode, Seen { index: oi, group });
                }
            }
        }

        if let Some(rules) = &q.goto {
            let mut compiled = Vec::new();
            for r in &rules.value {
                let when = r.value.when.as_ref().and_then(|c| self.cond(c, group));
                compiled.push((
                    when,
                    S {
                        value: r.value.to.value.clone(),
                        referenced: r.value.to.referenced,
                        defined: r.value.to.defined,
                    },
                ));
            }
            self.gotos.push(PendingGoto {
                from: index,
                rules: compiled,
            });
        }
    }

    fn kind(&mut self, q: &ItemDef, code: &str, at: (u64, u64), in_group: bool) -> Kind {
        let Some(kind_def) = &q.kind else {
            self.err(
                at,
                format!(
                    "question `{code}` has no `type` (one of: {})",
                    TYPES.join(", ")
                ),
            );
            return Kind::Text {
                min_len: None,
                max_len: None,
            };
        };
        let name = kind_def.value.as_str();
        if !TYPES.contains(&name) {
            self.err(
                pos(kind_def),
                format!(
                    "unknown type `{name}`{}; types are: {}",
                    suggest(name, TYPES.iter().copied()),
                    TYPES.join(", ")
                ),
            );
            return Kind::Text {
                min_len: None,
                max_len: None,
            };
        }
        let allowed: &[&str] = match name {
            "text" => &["min_length", "max_length"],
            "integer" | "decimal" => &["min", "max", "unit"],
            "money" => &["min", "max"],
            "single" => &["options"],
            "multi" => &["options", "min", "max"],
            "likert" => &["scale"],
            _ => &[],
        };
        for (present, key) in [
            (q.min.is_some(), "min"),
            (q.max.is_some(), "max"),
            (q.min_length.is_some(), "min_length"),
            (q.max_length.is_some(), "max_length"),
            (q.unit.is_some(), "unit"),
            (q.options.is_some(), "options"),
            (q.scale.is_some(), "scale"),
        ] {
            if present && !allowed.contains(&key) {
                self.err(
                    pos(kind_def),
                    format!("`{key}` does not apply to a `{name}` question (`{code}`)"),
                );
            }
        }
        let bounds = self.bounds(q);
        let earlier = self.earlier();
        let unit = q
            .unit
            .as_ref()
            .filter(|_| allowed.contains(&"unit"))
            .map(|t| self.text(t, &format!("unit-{code}"), &earlier, in_group));
        match name {
            "text" => {
                let min_len = q.min_length.as_ref().map(|m| m.value);
                let max_len = q.max_length.as_ref().map(|m| m.value);
                if let (Some(a), Some(b)) = (min_len, max_len)
                    && a > b
                {
                    self.err(
                        at,
                        format!("`min_length` ({a}) is more than `max_length` ({b})"),
                    );
                }
                Kind::Text { min_len, max_len }
            }
            "integer" => Kind::Integer { bounds, unit },
            "decimal" => Kind::Decimal { bounds, unit },
            "money" => Kind::Money { bounds },
            "single" | "multi" => {
                let options = self.options(q, code, name == "multi", at, in_group);
                if name == "single" {
                    return Kind::Single { options };
                }
                let n = options.len() as f64;
                let min = q.min.as_ref().map_or(1.0, |m| m.value);
                let max = q.max.as_ref().map_or(n.max(1.0), |m| m.value);
                if min < 1.0
                    || max < min
                    || (n > 0.0 && max > n)
                    || min.fract() != 0.0
                    || max.fract() != 0.0
                {
                    self.err(
                        at,
                        format!("picks for `{code}` must satisfy 1 ≤ min ≤ max ≤ {n} options (got min {min}, max {max})"),
                    );
                }
                Kind::Multi {
                    options,
                    min: min as u32,
                    max: max as u32,
                }
            }
            "likert" => {
                match &q.scale {
                    Some(s) => {
                        let (from, to) = (s.value.from.value, s.value.to.value);
                        if from >= to || to - from > 10 {
                            self.err(pos(s), format!("scale must go up from `from` to `to` with at most 11 points (got {from} to {to})"));
                        }
                        let low =
                            self.text(&s.value.low, &format!("low-{code}"), &earlier, in_group);
                        let high =
                            self.text(&s.value.high, &format!("high-{code}"), &earlier, in_group);
                        Kind::Likert {
                            from,
                            to,
                            low,
                            high,
                        }
                    }
                    None => {
                        self.err(at, format!("likert question `{code}` needs a `scale` with from, to, low and high"));
                        Kind::YesNo
                    }
                }
            }
            "yesno" => Kind::YesNo,
            "date" => Kind::Date,
            "month_year" => Kind::MonthYear,
            "phone" => Kind::Phone,
            _ => Kind::Email,
        }
    }

    fn bounds(&mut self, q: &ItemDef) -> Bounds {
        let b = Bounds {
            min: q.min.as_ref().map(|m| m.value),
            max: q.max.as_ref().map(|m| m.value),
        };
        if let (Some(a), Some(m)) = (b.min, &q.max)
            && a > m.value
        {
            self.err(
                pos(m),
                format!("`min` ({a}) is more than `max` ({})", m.value),
            );
        }
        b
    }

    fn options(
        &mut self,
        q: &ItemDef,
        code: &str,
        multi: bool,
        at: (u64, u64),
        in_group: bool,
    ) -> Vec<Choice> {
        let Some(defs) = &q.options else {
            self.err(at, format!("choice question `{code}` has no `options`"));
            return Vec::new();
        };
        if defs.value.len() < 2 {
            self.err(pos(defs), format!("`{code}` needs at least two options"));
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for (i, o) in defs.value.iter().enumerate() {
            let OptionDef {
                code: ocode,
                label,
                exclusive,
                other,
            } = &o.value;
            if ocode.value.trim().is_empty() {
                self.err(pos(ocode), "option code is empty");
            }
            if !seen.insert(ocode.value.clone()) {
                self.err(
                    pos(ocode),
                    format!("option code `{}` appears twice in `{code}`", ocode.value),
                );
            }
            if let Some(x) = exclusive
                && !multi
            {
                self.err(
                    pos(x),
                    "`exclusive` only applies to multiple choice (`multi`)",
                );
            }
            let earlier = self.earlier();
            let label = self.text(label, &format!("opt-{code}-{i}"), &earlier, in_group);
            out.push(Choice {
                code: ocode.value.clone(),
                label,
                labels: Vec::new(),
                exclusive: exclusive.as_ref().is_some_and(|x| x.value),
                other: other.as_ref().map(|o| o.value.code.value.clone()),
            });
        }
        out
    }

    /// Compiles and type-checks a condition. `group` is the repeat group the condition is
    /// evaluated in (its questions may be tested there).
    fn cond(&mut self, def: &S<CondDef>, group: Option<usize>) -> Option<Cond> {
        let c = &def.value;
        let at = pos(def);
        let forms = [
            c.all.is_some(),
            c.any.is_some(),
            c.not.is_some(),
            c.answer.is_some() || c.field.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if forms != 1 {
            self.err(
                at,
                "a condition needs exactly one of `answer`, `field`, `all`, `any` or `not`",
            );
            return None;
        }
        if let Some(parts) = c.all.as_ref().or(c.any.as_ref()) {
            if parts.value.is_empty() {
                self.err(pos(parts), "`all`/`any` needs at least one condition");
                return None;
            }
            let compiled: Vec<Cond> = parts
                .value
                .iter()
                .filter_map(|p| self.cond(p, group))
                .collect();
            if compiled.len() != parts.value.len() {
                return None;
            }
            return Some(if c.all.is_some() {
                Cond::All(compiled)
            } else {
                Cond::Any(compiled)
            });
        }
        if let Some(inner) = &c.not {
            return self.cond(inner, group).map(|x| Cond::Not(Box::new(x)));
        }
        let ops: Vec<(&str, (u64, u64))> = [
            ("eq", c.eq.as_ref().map(pos)),
            ("ne", c.ne.as_ref().map(pos)),
            ("in", c.in_.as_ref().map(pos)),
            ("has", c.has.as_ref().map(pos)),
            ("gt", c.gt.as_ref().map(pos)),
            ("gte", c.gte.as_ref().map(pos)),
            ("lt", c.lt.as_ref().map(pos)),
            ("lte", c.lte.as_ref().map(pos)),
            ("answered", c.answered.as_ref().map(pos)),
        ]
        .into_iter()
        .filter_map(|(n, p)| p.map(|p| (n, p)))
        .collect();
        if ops.len() != 1 {
            self.err(
                at,
                "a test needs exactly one of `eq`, `ne`, `in`, `has`, `gt`, `gte`, `lt`, `lte`, `answered`",
            );
            return None;
        }
        if let (Some(a), Some(_)) = (&c.answer, &c.field) {
            self.err(
                pos(a),
                "a test names either an `answer` or a `field`, not both",
            );
            return None;
        }
        let (op_name, op_at) = ops[0];
        if let Some(f) = &c.field {
            return self.field_test(f, c, op_name, op_at);
        }
        let a = c.answer.as_ref()?;
        let code = a.value.as_str();
        let Some(seen) = self.seen.get(code) else {
            if let Some((l, _)) = self.all_names.get(code) {
                self.err(
                    pos(a),
                    format!("condition tests `{code}`, which is asked later (line {l}); a condition can only test earlier questions"),
                );
            } else {
                let hint = suggest(code, self.seen.keys().map(String::as_str));
                self.err(
                    pos(a),
                    format!("unknown question `{code}` in condition{hint}"),
                );
            }
            return None;
        };
        if let Some(g) = seen.group
            && group != Some(g)
        {
            self.err(
                pos(a),
                format!("`{code}` is inside repeat group `{}`; only conditions inside that group can test it", self.groups[g].id),
            );
            return None;
        }
        let q = &self.items[seen.index];
        let kind_name = q.kind.name();
        let options: Vec<String> = q.kind.options().iter().map(|o| o.code.clone()).collect();
        let lit_kind = match &q.kind {
            Kind::Single { .. } | Kind::Multi { .. } => LitKind::Option,
            Kind::Integer { .. }
            | Kind::Decimal { .. }
            | Kind::Money { .. }
            | Kind::Likert { .. } => LitKind::Number,
            Kind::YesNo => LitKind::Bool,
            Kind::Date => LitKind::Date,
            Kind::MonthYear => LitKind::MonthYear,
            Kind::Text { .. } | Kind::Phone | Kind::Email => LitKind::Text,
        };
        let multi = matches!(q.kind, Kind::Multi { .. });
        let ordered = matches!(
            lit_kind,
            LitKind::Number | LitKind::Date | LitKind::MonthYear
        );
        let check = |this: &mut Self, s: &S<ScalarDef>| -> Option<Lit> {
            let lit = to_lit(&s.value, lit_kind);
            match lit {
                None => {
                    this.err(
                        pos(s),
                        format!(
                            "`{}` is not a {} (`{code}` is a `{kind_name}` question)",
                            scalar_text(&s.value),
                            lit_kind.describe()
                        ),
                    );
                    None
                }
                Some(Lit::Str(ref o)) if lit_kind == LitKind::Option && !options.contains(o) => {
                    this.err(
                        pos(s),
                        format!(
                            "`{o}` is not an option of `{code}` (options: {})",
                            options.join(", ")
                        ),
                    );
                    None
                }
                l => l,
            }
        };
        let op = match op_name {
            "eq" | "ne" | "in" if multi => {
                self.err(
                    op_at,
                    format!("`{code}` is multiple choice: test it with `has`"),
                );
                return None;
            }
            "eq" => Op::Eq(check(self, c.eq.as_ref()?)?),
            "ne" => Op::Ne(check(self, c.ne.as_ref()?)?),
            "in" => {
                let list = c.in_.as_ref()?;
                if list.value.is_empty() {
                    self.err(pos(list), "`in` needs at least one value");
                    return None;
                }
                let lits: Vec<Option<Lit>> = list.value.iter().map(|s| check(self, s)).collect();
                Op::In(lits.into_iter().collect::<Option<Vec<_>>>()?)
            }
            "has" => {
                if !multi {
                    self.err(op_at, format!("`has` is for multiple choice; `{code}` is a `{kind_name}` question (use `eq` or `in`)"));
                    return None;
                }
                match check(self, c.has.as_ref()?)? {
                    Lit::Str(s) => Op::Has(s),
                    _ => return None,
                }
            }
            "answered" => Op::Answered(c.answered.as_ref()?.value),
            cmp => {
                if !ordered {
                    self.err(op_at, format!("`{cmp}` compares numbers or dates; `{code}` is a `{kind_name}` question"));
                    return None;
                }
                let (s, ord, eq) = match cmp {
                    "gt" => (c.gt.as_ref()?, Ordering::Greater, false),
                    "gte" => (c.gte.as_ref()?, Ordering::Greater, true),
                    "lt" => (c.lt.as_ref()?, Ordering::Less, false),
                    _ => (c.lte.as_ref()?, Ordering::Less, true),
                };
                Op::Cmp(ord, eq, check(self, s)?)
            }
        };
        Some(Cond::Test(Subject::Answer(code.to_string()), op))
    }

    fn field_test(
        &mut self,
        f: &S<String>,
        c: &CondDef,
        op: &str,
        op_at: (u64, u64),
    ) -> Option<Cond> {
        let name = f.value.as_str();
        if !RespondentFields::KNOWN.contains(&name) && !name.starts_with("extra.") {
            let hint = suggest(name, RespondentFields::KNOWN.iter().copied());
            self.err(
                pos(f),
                format!(
                    "unknown respondent field `{name}`{hint}; fields are {} and `extra.NAME`",
                    RespondentFields::KNOWN.join(", ")
                ),
            );
            return None;
        }
        let lit = |s: &S<ScalarDef>| match &s.value {
            ScalarDef::Str(x) => Lit::Str(x.clone()),
            ScalarDef::Int(n) => Lit::Str(n.to_string()),
            ScalarDef::Float(x) => Lit::Num(*x),
            ScalarDef::Bool(b) => Lit::Str(b.to_string()),
        };
        let num = |this: &mut Self, s: &S<ScalarDef>| match &s.value {
            ScalarDef::Int(n) => Some(Lit::Num(*n as f64)),
            ScalarDef::Float(x) => Some(Lit::Num(*x)),
            other => {
                this.err(pos(s), format!("`{}` is not a number", scalar_text(other)));
                None
            }
        };
        let o = match op {
            "eq" => Op::Eq(lit(c.eq.as_ref()?)),
            "ne" => Op::Ne(lit(c.ne.as_ref()?)),
            "in" => Op::In(c.in_.as_ref()?.value.iter().map(lit).collect()),
            "answered" => Op::Answered(c.answered.as_ref()?.value),
            "has" => {
                self.err(
                    op_at,
                    "`has` is for multiple-choice answers, not respondent fields",
                );
                return None;
            }
            "gt" => Op::Cmp(Ordering::Greater, false, num(self, c.gt.as_ref()?)?),
            "gte" => Op::Cmp(Ordering::Greater, true, num(self, c.gte.as_ref()?)?),
            "lt" => Op::Cmp(Ordering::Less, false, num(self, c.lt.as_ref()?)?),
            _ => Op::Cmp(Ordering::Less, true, num(self, c.lte.as_ref()?)?),
        };
        Some(Cond::Test(Subject::Field(name.to_string()), o))
    }

    fn resolve_gotos(&mut self) {
        for pending in std::mem::take(&mut self.gotos) {
            let from_group = self.items[pending.from].group;
            let mut rules = Vec::new();
            for (when, to) in pending.rules {
                let name = to.value.as_str();
                let target = if name == "end" {
                    Some(Target::End)
                } else if let Some(&i) = self.section_start.get(name) {
                    (i < self.items.len()).then_some(Target::Item(i))
                } else if let Some(i) = self.items.iter().position(|q| q.code == name) {
                    Some(Target::Item(i))
                } else {
                    let names = self
                        .items
                        .iter()
                        .map(|q| q.code.as_str())
                        .chain(self.sections.iter().map(|s| s.id.as_str()));
                    let hint = suggest(name, names);
                    self.err(pos(&to), format!("`goto` target `{name}` is not a question code, a section id or `end`{hint}"));
                    None
                };
                if let Some(Target::Item(i)) = target {
                    let q = &self.items[i];
                    if q.follows.is_some() {
                        self.err(pos(&to), format!("`goto` cannot jump to `{name}`, the follow-up of an \"other\" option"));
                        continue;
                    }
                    if q.group != from_group {
                        self.err(
                            pos(&to),
                            format!("`goto` cannot jump into or out of a repeat group (`{name}`)"),
                        );
                        continue;
                    }
                    if i <= pending.from {
                        // Going back would ask answered questions again and overwrite them.
                        self.err(
                            pos(&to),
                            format!("`goto` jumps back to `{name}`, which is asked earlier: this makes a loop; only forward jumps are allowed"),
                        );
                        continue;
                    }
                }
                if let Some(t) = target {
                    rules.push((Goto { when, to: t }, pos(&to)));
                }
            }
            self.goto_pos
                .extend(rules.iter().map(|(_, p)| (pending.from, *p)));
            self.items[pending.from].goto = rules.into_iter().map(|(g, _)| g).collect();
        }
    }

    /// Reachability and loops over the question graph (node `n` is the end).
    fn check_graph(&mut self) {
        let n = self.items.len();
        if n == 0 {
            return;
        }
        let edges = graph(&self.items, &self.groups);
        let mut reached = vec![false; n + 1];
        let mut stack = vec![0];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            stack.extend(edges[i].iter().copied());
        }
        for (i, seen) in reached.iter().enumerate().take(n) {
            if !seen && self.items[i].follows.is_none() {
                let at = self.item_pos[i];
                self.err(
                    at,
                    format!(
                        "question `{}` can never be reached: every path jumps past it",
                        self.items[i].code
                    ),
                );
            }
        }
        // Backward gotos are rejected earlier, so only a repeat group closes a cycle, and
        // every group has an exit; this stays as a guard for any future kind of loop.
        for scc in sccs(&edges) {
            let looping = scc.len() > 1 || edges[scc[0]].contains(&scc[0]);
            if !looping || scc.contains(&n) {
                continue;
            }
            let inside: HashSet<usize> = scc.iter().copied().collect();
            let exits = scc
                .iter()
                .any(|i| edges[*i].iter().any(|j| !inside.contains(j)));
            if exits || !scc.iter().any(|i| reached[*i]) {
                continue;
            }
            let mut names: Vec<usize> = scc.clone();
            names.sort();
            let cycle = names
                .iter()
                .map(|i| self.items[*i].code.as_str())
                .collect::<Vec<_>>()
                .join(" → ");
            let at = self
                .goto_pos
                .iter()
                .find(|(from, _)| inside.contains(from))
                .map(|(_, p)| *p)
                .unwrap_or(self.item_pos[names[0]]);
            self.err(at, format!("`goto` loop with no way out: {cycle} → …"));
        }
    }
}

/// Successors of each item in the question graph; index `items.len()` is the end.
pub(crate) fn graph(items: &[Question], groups: &[Group]) -> Vec<Vec<usize>> {
    let n = items.len();
    let mut edges = vec![Vec::new(); n + 1];
    for (i, q) in items.iter().enumerate() {
        let anchor = q.follows.as_ref().map_or(i, |(p, _)| *p);
        let rules = &items[anchor].goto;
        for r in rules {
            edges[i].push(match r.to {
                Target::Item(t) => t,
                Target::End => n,
            });
        }
        let has_followups = items
            .get(i + 1)
            .is_some_and(|x| x.follows.as_ref().is_some_and(|(p, _)| *p == anchor));
        let unconditional = rules.iter().any(|r| r.when.is_none());
        // Falls through unless the question is always asked and always jumps.
        let falls = has_followups || !unconditional || items[anchor].when.is_some();
        if falls {
            edges[i].push(i + 1);
        }
        if let Some(g) = q.group {
            let g = &groups[g];
            if i + 1 == g.end {
                edges[i].push(g.start);
            }
        }
    }
    edges
}

/// Strongly connected components (Tarjan, iterative).
fn sccs(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some((v, ei)) = work.pop() {
            if ei == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(ei) {
                work.push((v, ei + 1));
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LitKind {
    Option,
    Number,
    Bool,
    Date,
    MonthYear,
    Text,
}

impl LitKind {
    fn describe(self) -> &'static str {
        match self {
            LitKind::Option => "valid option code",
            LitKind::Number => "number",
            LitKind::Bool => "yes/no value (true or false)",
            LitKind::Date => "date like \"2024-08-17\"",
            LitKind::MonthYear => "month like \"2024-01\"",
            LitKind::Text => "text",
        }
    }
}

fn to_lit(s: &ScalarDef, kind: LitKind) -> Option<Lit> {
    match (kind, s) {
        (LitKind::Option | LitKind::Text, ScalarDef::Str(x)) => Some(Lit::Str(x.clone())),
        (LitKind::Option, ScalarDef::Int(n)) => Some(Lit::Str(n.to_string())),
        (LitKind::Number, ScalarDef::Int(n)) => Some(Lit::Num(*n as f64)),
        (LitKind::Number, ScalarDef::Float(x)) => Some(Lit::Num(*x)),
        (LitKind::Bool, ScalarDef::Bool(b)) => Some(Lit::Bool(*b)),
        (LitKind::Date, ScalarDef::Str(x)) => {
            NaiveDate::parse_from_str(x, "%Y-%m-%d").ok().map(Lit::Date)
        }
        (LitKind::MonthYear, ScalarDef::Str(x)) => {
            let (y, m) = x.split_once('-')?;
            let (y, m) = (y.parse().ok()?, m.parse().ok()?);
            (1..=12).contains(&m).then_some(Lit::MonthYear(y, m))
        }
        _ => None,
    }
}

fn scalar_text(s: &ScalarDef) -> String {
    match s {
        ScalarDef::Bool(b) => b.to_string(),
        ScalarDef::Int(n) => n.to_string(),
        ScalarDef::Float(x) => x.to_string(),
        ScalarDef::Str(x) => x.clone(),
    }
}

fn and(a: Option<Cond>, b: Option<Cond>) -> Option<Cond> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Cond::All(vec![a, b])),
        (a, b) => a.or(b),
    }
}

fn valid_name(s: &str, dash: bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (dash && c == '-'))
}

fn var_known(v: &str, earlier: &HashSet<String>, in_group: bool) -> bool {
    RespondentFields::KNOWN.contains(&v) || earlier.contains(v) || (in_group && v == "iteration")
}

fn unknown_var_message(v: &str, all: &HashMap<String, (u64, u64)>, in_group: bool) -> String {
    if v == "iteration" && !in_group {
        return "`{ $iteration }` only exists inside a repeat group".into();
    }
    if let Some((l, _)) = all.get(v) {
        return format!(
            "`{{ ${v} }}` pipes the answer to a question asked later (line {l}); only earlier answers can be shown"
        );
    }
    let hint = suggest(
        v,
        RespondentFields::KNOWN
            .iter()
            .copied()
            .chain(all.keys().map(String::as_str)),
    );
    format!("unknown variable `{{ ${v} }}`: not a respondent field nor an earlier question{hint}")
}

/// " (did you mean `x`?)" when a close name exists.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Every code, other-code, section id and group id in file order.
fn all_names(file: &FileDef) -> Vec<(String, (u64, u64))> {
    let mut out = Vec::new();
    fn item(i: &ItemDef, out: &mut Vec<(String, (u64, u64))>) {
        if let Some(c) = &i.code {
            out.push((c.value.clone(), pos(c)));
        }
        if let Some(r) = &i.repeat {
            out.push((r.value.clone(), pos(r)));
        }
        for o in i.options.iter().flat_map(|o| o.value.iter()) {
            if let Some(other) = &o.value.other {
                out.push((other.value.code.value.clone(), pos(&other.value.code)));
            }
        }
        for q in i.questions.iter().flat_map(|q| q.value.iter()) {
            item(&q.value, out);
        }
    }
    for s in &file.sections.value {
        out.push((s.value.id.value.clone(), pos(&s.value.id)));
        for q in &s.value.questions.value {
            item(&q.value, &mut out);
        }
    }
    out
}

/// First position of each name, for "asked later" messages.
fn collect_names(file: &FileDef) -> HashMap<String, (u64, u64)> {
    let mut out = HashMap::new();
    for (name, at) in all_names(file) {
        out.entry(name).or_insert(at);
    }
    out
}

/// Names used more than once: (name, where repeated, where first used).
/// A position: (line, column).
type At = (u64, u64);

fn duplicate_names(file: &FileDef) -> Vec<(String, At, At)> {
    let mut first: HashMap<String, (u64, u64)> = HashMap::new();
    let mut out = Vec::new();
    for (name, at) in all_names(file) {
        match first.get(&name) {
            Some(f) => out.push((name, at, *f)),
            None => {
                first.insert(name, at);
            }
        }
    }
    out
}
