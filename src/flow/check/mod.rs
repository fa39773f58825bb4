//! The flow checker: turns the YAML model into a compiled `Flow`, or into every problem it can
//! find, each with the line and column where the author has to look.
//!
//! It works in one pass over the questions in order (so "earlier question" is simply "already
//! seen"), then resolves `goto` targets and checks the question graph: what no path reaches,
//! and loops with no way out.
//!
//! One file per job: `texts` (languages and piping), `sections` (sections and repeat
//! groups), `questions` (types and their keys), `options`, `conditions`, `goto` (targets and
//! the question graph), `names` (unique, well-formed ids) and `diagnostics` (what is reported,
//! and where).

mod compute;
mod conditions;
mod diagnostics;
mod export_fields;
mod goto;
mod grid;
mod indicators;
mod lookup;
mod names;
mod options;
mod questions;
mod sections;
mod texts;

pub use diagnostics::{Diagnostic, FlowError};

use super::cond::Cond;
use super::def::{FileDef, S, ScalarDef};
use super::text::TextsBuilder;
use super::{Flow, Group, Kind, MissingCodes, Question, Retention, Section};
use crate::model::Lang;
use chrono::NaiveDate;
use diagnostics::{At, pos, yaml_message};
use names::{index_names, valid_name};
use std::collections::{HashMap, HashSet};
use std::path::Path;

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
    let names = index_names(&file);
    let mut cx = Checker::new(names.first);
    cx.src = src.to_string();
    cx.compute_names = compute::compute_names(&file);
    for (name, at, first) in names.duplicates {
        cx.err(at, format!("`{name}` is already used on line {} (codes, section ids and group ids must be unique)", first.0));
    }
    let mut flow = cx.flow(&file);
    if cx.diags.is_empty() {
        flow.source = src.to_owned();
        Ok(flow)
    } else {
        let mut d = cx.diags;
        d.sort_by_key(|d| (d.line, d.col));
        d.dedup();
        Err(d)
    }
}

/// What the checker knows about a question seen so far.
struct Seen {
    index: usize,
    group: Option<usize>,
}

/// The `goto` rules of a question, resolved once every target is known.
struct PendingGoto {
    from: usize,
    rules: Vec<(Option<Cond>, S<String>)>,
}

/// The checker's state during its one pass over the file.
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
    /// Export columns named by options (`export: f401`), where they were written.
    export_columns: Vec<(String, (u64, u64))>,
    next_text: usize,
    /// The file's text, to place errors inside a one-line value (a `compute` expression).
    src: String,
    /// The names each `compute:` reads, by code (for cycle messages).
    compute_names: HashMap<String, Vec<String>>,
}

impl Checker {
    fn new(all_names: HashMap<String, At>) -> Self {
        Checker {
            diags: Vec::new(),
            langs: Vec::new(),
            texts: TextsBuilder::new(&[]),
            all_names,
            seen: HashMap::new(),
            items: Vec::new(),
            item_pos: Vec::new(),
            groups: Vec::new(),
            sections: Vec::new(),
            section_start: HashMap::new(),
            gotos: Vec::new(),
            goto_pos: Vec::new(),
            export_columns: Vec::new(),
            next_text: 0,
            src: String::new(),
            compute_names: HashMap::new(),
        }
    }

    /// Checks the whole file and builds the flow (complete only if no error was found).
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
        let retention = meta.retention.as_ref().and_then(|r| {
            let parsed = Retention::parse(&r.value);
            if parsed.is_none() {
                self.err(
                    pos(r),
                    format!(
                        "`retention` must be a length like 5y, 18m or 90d (at most 100 years), not `{}`",
                        r.value
                    ),
                );
            }
            parsed
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
        self.check_export_columns();
        let indicators = self.indicators(file.indicators.as_ref());
        let export_fields = self.export_fields(meta.export_fields.as_ref());

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
                        .chain(o.aliases.iter().cloned())
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
            retention,
            intro,
            consent,
            outro,
            open: meta.open.as_ref().is_some_and(|o| o.value),
            missing: self.missing_codes(meta.missing.as_ref()),
            export_fields,
            sections: std::mem::take(&mut self.sections),
            items: std::mem::take(&mut self.items),
            groups: std::mem::take(&mut self.groups),
            texts,
            source: String::new(),
            by_code,
            indicators,
        }
    }

    /// The codes of the questions seen so far: what a text or condition here may refer to.
    /// Every export column name once: an option's `export` name must not be another column's.
    fn check_export_columns(&mut self) {
        let mut taken: HashMap<String, String> = HashMap::new();
        for q in &self.items {
            match &q.kind {
                Kind::Multi { options, .. } => {
                    for o in options {
                        let name = o
                            .export
                            .clone()
                            .unwrap_or_else(|| format!("{}_{}", q.code, o.code));
                        taken
                            .entry(name)
                            .or_insert_with(|| format!("option `{}` of `{}`", o.code, q.code));
                    }
                }
                Kind::Grid { exports, .. } => {
                    // The author's names are checked below; the default ones are taken here.
                    for e in exports {
                        if !self.export_columns.iter().any(|(n, _)| n == e) {
                            taken
                                .entry(e.clone())
                                .or_insert_with(|| format!("grid row `{}`", q.code));
                        }
                    }
                }
                _ => {
                    taken
                        .entry(q.code.clone())
                        .or_insert_with(|| format!("question `{}`", q.code));
                }
            }
        }
        let mut named: HashMap<&str, (u64, u64)> = HashMap::new();
        let mut errs = Vec::new();
        for (name, at) in &self.export_columns {
            if let Some(first) = named.insert(name, *at) {
                errs.push((
                    *at,
                    format!(
                        "export column `{name}` is already named on line {}",
                        first.0
                    ),
                ));
            } else if let Some(owner) = taken.get(name.as_str())
                && !owner.starts_with("option")
            {
                errs.push((
                    *at,
                    format!("export column `{name}` is already the column of {owner}"),
                ));
            }
        }
        for (at, m) in errs {
            self.err(at, m);
        }
    }

    /// `missing: { skipped: …, not_asked: …, refused: … }`: whole numbers or texts (blank by
    /// default).
    fn missing_codes(&mut self, def: Option<&S<super::def::MissingDef>>) -> MissingCodes {
        let Some(def) = def else {
            return MissingCodes::default();
        };
        let mut code = |v: &Option<S<ScalarDef>>, key: &str| match v.as_ref().map(|v| (v, &v.value))
        {
            None => String::new(),
            Some((_, ScalarDef::Int(n))) => n.to_string(),
            Some((_, ScalarDef::Str(s))) => s.trim().to_string(),
            Some((v, _)) => {
                self.err(
                    pos(v),
                    format!("the export code for `{key}` must be a whole number or a text (\"\" for blank)"),
                );
                String::new()
            }
        };
        let codes = MissingCodes {
            skipped: code(&def.value.skipped, "skipped"),
            not_asked: code(&def.value.not_asked, "not_asked"),
            refused: code(&def.value.refused, "refused"),
        };
        // A refused code with nothing to refuse is a mistake (a forgotten `refusable: true`),
        // not a harmless extra: the author expects refusals in the file.
        if let Some(r) = &def.value.refused
            && !self.items.iter().any(|q| q.refusable)
        {
            self.err(
                pos(r),
                "`missing.refused` is set but no question is `refusable: true`: mark the questions respondents may decline".to_string(),
            );
        }
        codes
    }

    fn earlier(&self) -> HashSet<String> {
        self.seen.keys().cloned().collect()
    }
}
