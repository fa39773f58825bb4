//! The long coded lists a `lookup` question asks from: the 38 provinces and 514
//! kabupaten/kota with their Kemendagri codes, KBLI 2020 and KBJI 2014 (`data/`, where a README
//! gives each list's source, year and licence). The files are embedded in the binary, so
//! `jejak` works from any folder, and checked the first time they are used (`lists`): a
//! duplicate code, a parent code that does not exist or an empty name is an error, and
//! `jejak run` checks them at start.
//!
//! Matching reuses the choice understanding (`understand::rank_choices`: codes, whole
//! labels and aliases, words, synonyms, beginnings of words, typos); this module only adds
//! what is particular to the lists: "Kab." and "Kota" prefixes, BPS codes written without the
//! dot ("3578"), the common names of provinces ("Jatim", "DKI", "Jogja"), and a filter by an
//! earlier answer (the kabupaten/kota of one province).

mod aliases;
mod names;

use crate::understand::{ChoiceOption, rank_choices};
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

pub use names::display_name;

/// The value stored when the respondent says the answer is not in the list; the text they
/// give instead is stored under the question's `other` code.
pub const NOT_LISTED: &str = "lainnya";

/// How many matches are offered at once: Telegram's and WhatsApp's list messages hold ten
/// rows, and a longer numbered list is no longer a quick pick.
pub const MAX_SHOWN: usize = 8;

/// A list shipped with Jejak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListId {
    /// The 38 provinces (2-digit codes).
    Provinces,
    /// The 514 kabupaten/kota (`PP.KK`), each within a province.
    Regencies,
    /// KBLI 2020: categories (A–U) and golongan pokok (2 digits); the golongan pokok are
    /// offered.
    Kbli,
    /// KBJI 2014: golongan pokok (1 digit) and subgolongan pokok (2 digits); the
    /// subgolongan pokok are offered.
    Kbji,
}

impl ListId {
    /// Every list, in the order the docs name them.
    pub const ALL: [ListId; 4] = [
        ListId::Provinces,
        ListId::Regencies,
        ListId::Kbli,
        ListId::Kbji,
    ];

    /// The name used in flow files (`list: provinces`).
    pub fn name(self) -> &'static str {
        match self {
            ListId::Provinces => "provinces",
            ListId::Regencies => "regencies",
            ListId::Kbli => "kbli",
            ListId::Kbji => "kbji",
        }
    }

    /// The list a flow file names.
    pub fn from_name(name: &str) -> Option<ListId> {
        ListId::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The list whose codes this list's parent codes are (`within:` must answer from it).
    pub fn parent_list(self) -> Option<ListId> {
        match self {
            ListId::Regencies => Some(ListId::Provinces),
            _ => None,
        }
    }

    fn source(self) -> (&'static str, &'static str) {
        match self {
            ListId::Provinces => (
                "data/wilayah/provinces.csv",
                include_str!("../../data/wilayah/provinces.csv"),
            ),
            ListId::Regencies => (
                "data/wilayah/regencies.csv",
                include_str!("../../data/wilayah/regencies.csv"),
            ),
            ListId::Kbli => ("data/kbli2020.csv", include_str!("../../data/kbli2020.csv")),
            ListId::Kbji => ("data/kbji2014.csv", include_str!("../../data/kbji2014.csv")),
        }
    }
}

/// A list file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// A row could not be read.
    #[error("{file}: row {row}: {message}")]
    Row {
        /// The file.
        file: &'static str,
        /// The row (1 is the header).
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// Two rows share a code.
    #[error("{file}: code `{code}` appears twice")]
    Duplicate {
        /// The file.
        file: &'static str,
        /// The code.
        code: String,
    },
    /// A row names a parent code that does not exist.
    #[error("{file}: code `{code}` names parent `{parent}`, which does not exist")]
    MissingParent {
        /// The file.
        file: &'static str,
        /// The row's code.
        code: String,
        /// The parent code named.
        parent: String,
    },
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The code exported (`35`, `35.78`, `47`).
    pub code: String,
    /// The code of the row it belongs to (a regency's province, a golongan pokok's
    /// category).
    pub parent: Option<String>,
    /// The name as shown to respondents ("Kota Surabaya").
    pub name: String,
    /// Forms matched besides the name: aliases, the name without "Kabupaten"/"Kota", the
    /// category's name.
    labels: Vec<String>,
    /// Offered to respondents (the level the national questionnaire uses).
    offered: bool,
}

/// A checked list.
#[derive(Debug)]
pub struct List {
    /// Which list.
    pub id: ListId,
    /// Its rows, in file order.
    pub entries: Vec<Entry>,
    by_code: BTreeMap<String, usize>,
}

/// The checked lists.
#[derive(Debug)]
pub struct Lists {
    lists: Vec<List>,
}

impl Lists {
    /// One list.
    pub fn get(&self, id: ListId) -> &List {
        &self.lists[ListId::ALL.iter().position(|l| *l == id).unwrap_or(0)]
    }
}

/// The shipped lists, read and checked once. `Err` only if a data file is broken, which a
/// unit test rules out for the files shipped.
pub fn lists() -> Result<&'static Lists, ListError> {
    static LISTS: OnceLock<Result<Lists, ListError>> = OnceLock::new();
    LISTS
        .get_or_init(|| {
            let mut lists = Vec::new();
            for id in ListId::ALL {
                let (file, text) = id.source();
                lists.push(List::parse(id, file, text)?);
            }
            let all = Lists { lists };
            all.check_parents()?;
            Ok(all)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// What a typed answer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// One row: taken.
    One(&'a Entry),
    /// Several rows, best first (at most `MAX_SHOWN`): the respondent picks.
    Several(Vec<&'a Entry>),
    /// Nothing.
    Nothing,
}

impl List {
    /// Reads a list file (`code,name` or `code,parent,name`, with a header) and checks its
    /// codes.
    pub fn parse(id: ListId, file: &'static str, text: &str) -> Result<List, ListError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let mut entries: Vec<Entry> = Vec::new();
        let mut by_code = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 2;
            let bad = |message: String| ListError::Row { file, row, message };
            let record = record.map_err(|e| bad(e.to_string()))?;
            // `code,name` (provinces) or `code,parent,name`.
            let (parent, raw_name) = match record.len() {
                2 => (None, record[1].trim()),
                3 => (
                    Some(record[1].trim().to_string()).filter(|p| !p.is_empty()),
                    record[2].trim(),
                ),
                n => return Err(bad(format!("{n} fields, expected 2 or 3"))),
            };
            let code = record[0].trim().to_string();
            if code.is_empty() || raw_name.is_empty() {
                return Err(bad("empty code or name".to_string()));
            }
            if by_code.insert(code.clone(), entries.len()).is_some() {
                return Err(ListError::Duplicate { file, code });
            }
            let name = display_name(raw_name);
            let mut labels = Vec::new();
            let offered = match id {
                ListId::Provinces => {
                    labels.extend(aliases::province(&code).iter().map(|a| a.to_string()));
                    true
                }
                ListId::Regencies => {
                    if let Some((kind, short)) = names::split_regency(&name) {
                        labels.push(short.to_string());
                        labels.push(format!("{} {short}", kind.short()));
                    }
                    true
                }
                ListId::Kbli | ListId::Kbji => parent.is_some(),
            };
            entries.push(Entry {
                code,
                parent,
                name,
                labels,
                offered,
            });
        }
        let mut list = List {
            id,
            entries,
            by_code,
        };
        list.check_own_parents(file)?;
        Ok(list)
    }

    /// Parents within the same list (KBLI, KBJI) exist; their names become labels of the
    /// rows under them, so "pertanian" finds the golongan pokok of category A.
    fn check_own_parents(&mut self, file: &'static str) -> Result<(), ListError> {
        if self.id.parent_list().is_some() {
            return Ok(());
        }
        let mut extra = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(p) = &e.parent {
                let Some(&pi) = self.by_code.get(p) else {
                    return Err(ListError::MissingParent {
                        file,
                        code: e.code.clone(),
                        parent: p.clone(),
                    });
                };
                extra.push((i, self.entries[pi].name.clone()));
            }
        }
        for (i, label) in extra {
            self.entries[i].labels.push(label);
        }
        Ok(())
    }

    /// The row with this code.
    pub fn entry(&self, code: &str) -> Option<&Entry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    /// The row with this code, if it is offered and within `within` (when given).
    pub fn offered(&self, code: &str, within: Option<&str>) -> Option<&Entry> {
        self.entry(code)
            .filter(|e| e.offered && within.is_none_or(|w| e.parent.as_deref() == Some(w)))
    }

    /// What `input` finds among the rows offered, restricted to those whose parent is
    /// `within` when given (the kabupaten/kota of the province answered).
    pub fn search(&self, input: &str, within: Option<&str>) -> Found<'_> {
        let candidates: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.offered && within.is_none_or(|w| e.parent.as_deref() == Some(w)))
            .collect();
        let typed = self.normalise(input);
        let labels: Vec<Vec<&str>> = candidates
            .iter()
            .map(|e| {
                std::iter::once(e.name.as_str())
                    .chain(e.labels.iter().map(String::as_str))
                    .collect()
            })
            .collect();
        let options: Vec<ChoiceOption> = candidates
            .iter()
            .zip(&labels)
            .map(|(e, l)| ChoiceOption {
                code: &e.code,
                labels: l,
            })
            .collect();
        let ranked = rank_choices(&typed, &options, MAX_SHOWN);
        // The same row may come from several of its forms; rank_choices returns indexes,
        // which are unique already, but keep the guard cheap and explicit.
        let mut seen = HashSet::new();
        let hits: Vec<&Entry> = ranked
            .into_iter()
            .filter(|i| seen.insert(*i))
            .map(|i| candidates[i])
            .collect();
        match hits.len() {
            0 => Found::Nothing,
            1 => Found::One(hits[0]),
            _ => Found::Several(hits),
        }
    }

    /// What a respondent typed, in the list's terms: "Kab." and "Kabupaten" alike, a BPS
    /// regency code without its dot ("3578" → "35.78").
    fn normalise(&self, input: &str) -> String {
        let t = input.trim();
        if self.by_code.contains_key(t) {
            return t.to_string();
        }
        if self.id == ListId::Regencies && t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{}.{}", &t[..2], &t[2..]);
        }
        names::expand_prefixes(t)
    }
}

impl Lists {
    /// Parents in another list (a regency's province) exist.
    fn check_parents(&self) -> Result<(), ListError> {
        for list in &self.lists {
            let Some(parent_id) = list.id.parent_list() else {
                continue;
            };
            let parents = self.get(parent_id);
            for e in &list.entries {
                let ok = e
                    .parent
                    .as_deref()
                    .is_some_and(|p| parents.entry(p).is_some());
                if !ok {
                    return Err(ListError::MissingParent {
                        file: list.id.source().0,
                        code: e.code.clone(),
                        parent: e.parent.clone().unwrap_or_default(),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
