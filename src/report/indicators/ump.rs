//! The provincial minimum wage (UMP) per province and year, shipped as `data/ump.csv` with
//! the page each figure was read from (`data/UMP-SOURCES.md` says which provinces and years
//! are there and why the others are not).

use std::collections::HashMap;

/// The table as shipped, embedded so the binary needs no data files.
const SHIPPED: &str = include_str!("../../../data/ump.csv");

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmpRow {
    /// Province key (`jawa_timur`, see `roster::zone::province_key`).
    pub province: String,
    /// The year the wage applies.
    pub year: i32,
    /// Monthly minimum wage in whole rupiah.
    pub rupiah: i64,
    /// The page the figure was read from.
    pub source: String,
}

/// Why the table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UmpError {
    /// A row is malformed.
    #[error("data/ump.csv line {line}: {why}")]
    Row {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        why: String,
    },
}

/// Minimum wages by (province key, year).
#[derive(Debug, Clone, Default)]
pub struct UmpTable {
    rows: HashMap<(String, i32), UmpRow>,
}

impl UmpTable {
    /// The shipped table.
    pub fn shipped() -> Result<UmpTable, UmpError> {
        UmpTable::parse(SHIPPED)
    }

    /// Reads `province,year,ump,source` rows (with that header); every province must be a
    /// known province key, and a province and year may appear once.
    pub fn parse(src: &str) -> Result<UmpTable, UmpError> {
        let mut rd = csv::Reader::from_reader(src.as_bytes());
        let mut rows = HashMap::new();
        for rec in rd.records() {
            let rec = rec.map_err(|e| UmpError::Row {
                line: e.position().map(|p| p.line()).unwrap_or(0),
                why: e.to_string(),
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let bad = |why: &str| UmpError::Row {
                line,
                why: why.to_string(),
            };
            let field = |i: usize| rec.get(i).map(str::trim).unwrap_or_default();
            let province = crate::roster::zone::province_key(field(0))
                .ok_or_else(|| bad("unknown province"))?;
            let year: i32 = field(1).parse().map_err(|_| bad("year is not a number"))?;
            let rupiah: i64 = field(2)
                .parse()
                .map_err(|_| bad("ump is not whole rupiah"))?;
            let source = field(3);
            if !source.starts_with("https://") {
                return Err(bad("every figure needs its source page"));
            }
            let row = UmpRow {
                province: province.to_string(),
                year,
                rupiah,
                source: source.to_string(),
            };
            if rows.insert((province.to_string(), year), row).is_some() {
                return Err(bad("province and year listed twice"));
            }
        }
        Ok(UmpTable { rows })
    }

    /// The UMP of a province (as written by a respondent or a roster: `Jatim`, `Jawa
    /// Timur`) in `year`, if the table has it.
    pub fn lookup(&self, province: &str, year: i32) -> Option<&UmpRow> {
        let key = crate::roster::zone::province_key(province)?;
        self.rows.get(&(key.to_string(), year))
    }

    /// How many figures the table holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_reads_and_finds_provinces_by_their_common_names() {
        let t = UmpTable::shipped().expect("shipped table");
        assert!(t.len() >= 40);
        // DKI Jakarta 2024, Rp5.067.381 (Kemnaker announcement, every source agrees).
        assert_eq!(t.lookup("DKI", 2024).map(|r| r.rupiah), Some(5_067_381));
        assert_eq!(t.lookup("Jatim", 2025).map(|r| r.rupiah), Some(2_305_984));
        assert!(t.lookup("Jawa Timur", 2019).is_none());
        assert!(t.lookup("Atlantis", 2024).is_none());
    }

    #[test]
    fn rows_without_a_source_or_twice_are_refused() {
        let head = "province,year,ump,source\n";
        assert!(UmpTable::parse(&format!("{head}jambi,2024,1,\n")).is_err());
        let row = "jambi,2024,1,https://example.org\n";
        assert!(UmpTable::parse(&format!("{head}{row}{row}")).is_err());
        assert!(UmpTable::parse(&format!("{head}atlantis,2024,1,https://x\n")).is_err());
    }
}
