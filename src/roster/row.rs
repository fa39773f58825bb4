//! One roster row: cells checked and normalised into a [`NewRespondent`], or the reason it
//! cannot be loaded. Phones become E.164 and dates ISO with the same parsers the bot uses
//! for answers (`crate::understand`), so a roster accepts what a respondent could type.

use std::collections::BTreeMap;

use super::header::{Column, Field};
use super::zone;
use crate::i18n::staff_text;
use crate::model::{Lang, RespondentFields};
use crate::store::NewRespondent;
use crate::understand::{parse_date, parse_email, parse_phone};

/// Longest external id accepted (NISN has 10 digits, NIM up to ~15; room for prefixes).
pub const MAX_EXTERNAL_ID: usize = 64;

/// Longest cell kept (a name, a school): longer cells are a pasting accident.
pub const MAX_CELL: usize = 500;

/// A row that loads, perhaps with remarks (e.g. a province whose zone is unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The respondent to upsert.
    pub respondent: NewRespondent,
    /// Things staff should check; the row loads anyway.
    pub warnings: Vec<String>,
}

/// Checks one data row against the classified header.
///
/// Returns `Ok(None)` for a row whose cells are all empty (blank lines are skipped), and
/// `Err(reasons)` (every problem found, not only the first) for a row that must not load.
/// Reasons and warnings are written in `lang` (`cli-row-…` in `locales/*/cli.ftl`): teachers
/// read them, on the command line and on the console's upload page.
pub fn parse_row(
    columns: &[Column],
    cells: &[String],
    lang: Lang,
) -> Result<Option<Parsed>, Vec<String>> {
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if cells.len() > columns.len() && cells[columns.len()..].iter().any(|c| !c.trim().is_empty()) {
        errors.push(t(
            "cli-row-too-many-cells",
            &[
                ("cells", &cells.len().to_string()),
                ("columns", &columns.len().to_string()),
            ],
        ));
    }
    let mut r = NewRespondent {
        fields: RespondentFields::default(),
        ..NewRespondent::default()
    };
    let mut extra = BTreeMap::new();
    let mut zone_given = false;
    for (col, raw) in columns.iter().zip(cells) {
        let v = raw.trim();
        if v.is_empty() || *col == Column::Ignored {
            continue;
        }
        if v.chars().count() > MAX_CELL {
            errors.push(t(
                "cli-row-too-long",
                &[("column", &col_name(col)), ("max", &MAX_CELL.to_string())],
            ));
            continue;
        }
        // Line breaks and tabs inside a cell (an address over two lines) are fine.
        if v.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            errors.push(t("cli-row-control", &[("column", &col_name(col))]));
            continue;
        }
        let text = Some(v.to_string());
        match col {
            Column::Ignored => {}
            Column::Extra(name) => {
                extra.insert(name.clone(), v.to_string());
            }
            Column::Known(f) => match f {
                Field::Name => r.fields.name = text,
                Field::ExternalId => {
                    if v.chars().count() > MAX_EXTERNAL_ID {
                        errors.push(t(
                            "cli-row-too-long",
                            &[
                                ("column", "nisn/external_id"),
                                ("max", &MAX_EXTERNAL_ID.to_string()),
                            ],
                        ));
                    } else {
                        r.fields.external_id = text;
                    }
                }
                Field::Phone => match parse_phone(v) {
                    Some(p) => r.phone = Some(p),
                    None => errors.push(t("cli-row-phone", &[("value", &quoted(v))])),
                },
                Field::Email => match parse_email(v) {
                    Some(e) => r.email = Some(e),
                    None => errors.push(t("cli-row-email", &[("value", &quoted(v))])),
                },
                Field::Cohort => r.fields.cohort = text,
                Field::Programme => r.fields.programme = text,
                Field::School => r.fields.school = text,
                Field::Province => r.fields.province = text,
                Field::Timezone => match zone::parse_zone(v) {
                    Some(z) => {
                        r.timezone = Some(z);
                        zone_given = true;
                    }
                    None => errors.push(t("cli-row-zone", &[("value", &quoted(v))])),
                },
                Field::Language => match parse_language(v) {
                    Some(l) => r.language = Some(l),
                    None => errors.push(t("cli-row-language", &[("value", &quoted(v))])),
                },
                Field::BirthDate => match parse_date(v, Lang::Id) {
                    Some(d) => r.birth_date = Some(d),
                    None => errors.push(t("cli-row-date", &[("value", &quoted(v))])),
                },
            },
        }
    }
    if r.fields.external_id.is_none() {
        errors.push(t("cli-row-no-id", &[]));
    }
    if !zone_given && let Some(p) = &r.fields.province {
        match zone::zone_of_province(p) {
            Some(z) => r.timezone = Some(z.to_string()),
            None => warnings.push(t("cli-row-province", &[("value", &quoted(p))])),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    r.fields.extra = extra;
    Ok(Some(Parsed {
        respondent: r,
        warnings,
    }))
}

/// `id`, `en`, and the names staff write (`Indonesia`, `Bahasa Indonesia`, `Inggris`,
/// `English`).
pub fn parse_language(v: &str) -> Option<Lang> {
    let n = super::header::normalise(v);
    match n.as_str() {
        "indonesia" | "bahasa_indonesia" | "indonesian" | "ind" => Some(Lang::Id),
        "inggris" | "bahasa_inggris" | "english" | "eng" => Some(Lang::En),
        _ => Lang::from_tag(v.trim()),
    }
}

/// A cell's value as quoted in a reason (`"12ab"`): quotes and escapes make stray spaces and
/// invisible characters visible.
pub fn quoted(v: &str) -> String {
    format!("{v:?}")
}

fn col_name(col: &Column) -> String {
    match col {
        Column::Known(f) => f.canonical().to_string(),
        Column::Extra(n) => n.clone(),
        Column::Ignored => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::header::classify;
    use chrono::NaiveDate;

    fn cols() -> Vec<Column> {
        let h = [
            "NISN",
            "Nama",
            "No HP",
            "Provinsi",
            "Zona Waktu",
            "Bahasa",
            "Tanggal Lahir",
            "Alamat",
        ];
        classify(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn good_row_is_normalised() {
        let p = parse_row(
            &cols(),
            &cells(&[
                " 0012345678 ",
                "Siti",
                "0812-3456-7890",
                "Sulawesi Selatan",
                "",
                "EN",
                "17/08/2005",
                "Jl. Mawar",
            ]),
            Lang::Id,
        )
        .unwrap()
        .unwrap();
        let r = p.respondent;
        assert_eq!(r.fields.external_id.as_deref(), Some("0012345678"));
        assert_eq!(r.phone.as_deref(), Some("+6281234567890"));
        assert_eq!(r.timezone.as_deref(), Some(zone::WITA));
        assert_eq!(r.language, Some(Lang::En));
        assert_eq!(r.birth_date, NaiveDate::from_ymd_opt(2005, 8, 17));
        assert_eq!(
            r.fields.extra.get("alamat").map(String::as_str),
            Some("Jl. Mawar")
        );
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn explicit_zone_wins_and_unknown_province_warns() {
        let p = parse_row(
            &cols(),
            &cells(&["1", "", "", "Papua Tengah", "wita", "", "", ""]),
            Lang::Id,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.respondent.timezone.as_deref(), Some(zone::WITA));
        let p = parse_row(
            &cols(),
            &cells(&["1", "", "", "Atlantis", "", "", "", ""]),
            Lang::Id,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.respondent.timezone, None);
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn bad_row_lists_every_reason() {
        let e = parse_row(
            &cols(),
            &cells(&["", "X", "12ab", "", "Mars", "fr", "31/02/2005", ""]),
            Lang::Id,
        )
        .unwrap_err();
        assert_eq!(e.len(), 5, "{e:?}");
        assert_eq!(
            parse_row(&cols(), &cells(&["", " ", ""]), Lang::Id),
            Ok(None)
        );
    }

    #[test]
    fn reasons_follow_the_staff_language() {
        let bad = cells(&["", "X", "12ab", "", "Mars", "fr", "31/02/2005", ""]);
        let id = parse_row(&cols(), &bad, Lang::Id).unwrap_err();
        assert_eq!(
            id,
            [
                "no_hp: \"12ab\" bukan nomor HP",
                "zona_waktu: \"Mars\" bukan WIB, WITA, WIT atau zona waktu seperti Asia/Makassar",
                "bahasa: \"fr\" bukan id atau en",
                "tanggal_lahir: \"31/02/2005\" bukan tanggal (contoh 17-08-2005 atau 2005-08-17)",
                "nisn/external_id: kosong (setiap baris perlu NISN/NIM)",
            ]
        );
        let en = parse_row(&cols(), &bad, Lang::En).unwrap_err();
        assert_eq!(en[0], "no_hp: \"12ab\" is not a phone number");
        assert_eq!(
            en[4],
            "nisn/external_id: empty (every row needs its external id)"
        );
        let w = |lang| {
            parse_row(
                &cols(),
                &cells(&["1", "", "", "Atlantis", "", "", "", ""]),
                lang,
            )
            .unwrap()
            .unwrap()
            .warnings
        };
        assert_eq!(
            w(Lang::Id),
            ["provinsi: \"Atlantis\" tidak dikenal; zona waktu dibiarkan kosong (dianggap WIB)"]
        );
        assert!(w(Lang::En)[0].contains("not recognised"));
    }
}
