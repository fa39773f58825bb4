//! Column headers of a roster file, in Indonesian or English, matched case- and
//! spacing-insensitively (`No. HP`, `no_hp` and `NO HP` are the same column).

use std::fmt;

/// A roster column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `nama` / `name`.
    Name,
    /// `nisn` / `nim` / `external_id`: the key that re-imports update by.
    ExternalId,
    /// `no_hp` / `telepon` / `phone`.
    Phone,
    /// `email`.
    Email,
    /// `angkatan` / `tahun_lulus` / `cohort`.
    Cohort,
    /// `program` / `kompetensi_keahlian` / `jurusan` / `programme`.
    Programme,
    /// `sekolah` / `unit` / `school`.
    School,
    /// `provinsi` / `province`.
    Province,
    /// `zona_waktu` / `timezone`.
    Timezone,
    /// `bahasa` / `language`.
    Language,
    /// `tanggal_lahir` / `birth_date`.
    BirthDate,
}

/// Every known field with the header spellings accepted for it (already normalised by
/// [`normalise`]). The first spelling of each is the canonical one shown in messages.
pub const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Name,
        &[
            "nama",
            "name",
            "nama_lengkap",
            "full_name",
            "nama_siswa",
            "nama_alumni",
            "nama_peserta",
        ],
    ),
    (
        Field::ExternalId,
        &[
            "nisn",
            "nim",
            "external_id",
            "nis",
            "no_induk",
            "nomor_induk",
            "student_id",
            "id_peserta",
            "externalid",
        ],
    ),
    (
        Field::Phone,
        &[
            "no_hp",
            "telepon",
            "phone",
            "nomor_hp",
            "hp",
            "telp",
            "no_telp",
            "no_telepon",
            "nomor_telepon",
            "phone_number",
            "mobile",
            "no_wa",
            "nomor_wa",
            "whatsapp",
            "wa",
        ],
    ),
    (Field::Email, &["email", "e_mail", "surel", "alamat_email"]),
    (
        Field::Cohort,
        &[
            "angkatan",
            "tahun_lulus",
            "cohort",
            "graduation_year",
            "lulusan",
            "tahun_kelulusan",
        ],
    ),
    (
        Field::Programme,
        &[
            "program",
            "kompetensi_keahlian",
            "jurusan",
            "programme",
            "program_keahlian",
            "program_studi",
            "prodi",
            "program_pelatihan",
            "pelatihan",
            "program_name",
        ],
    ),
    (
        Field::School,
        &[
            "sekolah",
            "unit",
            "school",
            "nama_sekolah",
            "satuan_pendidikan",
            "lembaga",
            "institution",
        ],
    ),
    (Field::Province, &["provinsi", "province", "prov"]),
    (
        Field::Timezone,
        &["zona_waktu", "timezone", "time_zone", "zona"],
    ),
    (Field::Language, &["bahasa", "language", "lang"]),
    (
        Field::BirthDate,
        &[
            "tanggal_lahir",
            "birth_date",
            "tgl_lahir",
            "date_of_birth",
            "dob",
            "birthdate",
            "tanggal_lahir_siswa",
        ],
    ),
];

impl Field {
    /// The canonical (Indonesian) header.
    pub fn canonical(self) -> &'static str {
        ALIASES
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, names)| names[0])
            .unwrap_or("?")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.canonical())
    }
}

/// Lower-cases a header and turns every run of non-alphanumeric characters into one `_`,
/// trimmed at both ends: `" No. HP "` → `no_hp`, `"Tahun Lulus"` → `tahun_lulus`. A byte
/// order mark is dropped.
pub fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut gap = false;
    for c in header.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// The field a header names, if it is a known one.
pub fn field_of(header: &str) -> Option<Field> {
    let n = normalise(header);
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&n.as_str()))
        .map(|(f, _)| *f)
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// A known field.
    Known(Field),
    /// Any other column, kept in the respondent's `extra` map under its normalised name.
    Extra(String),
    /// A column with an empty header: ignored (Excel sheets often have stray empty columns).
    Ignored,
}

/// A header row that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// No column holds the external id that re-imports update by.
    #[error(
        "no external id column: add one headed nisn, nim or external_id (the key that \
         re-imports update by)"
    )]
    NoExternalId,
    /// Two columns mean the same field.
    #[error("columns {first} and {second} both mean `{field}`; keep one")]
    Duplicate {
        /// The field.
        field: Field,
        /// 1-based column number of the first one.
        first: usize,
        /// 1-based column number of the second one.
        second: usize,
    },
    /// Two extra columns have the same name.
    #[error("columns {first} and {second} are both headed `{name}`")]
    DuplicateExtra {
        /// The normalised header.
        name: String,
        /// 1-based column number of the first one.
        first: usize,
        /// 1-based column number of the second one.
        second: usize,
    },
}

impl HeaderError {
    /// The error as staff read it, in `lang` (`cli-header-…` in `locales/*/cli.ftl`).
    pub fn text(&self, lang: crate::model::Lang) -> String {
        use crate::i18n::staff_text;
        match self {
            HeaderError::NoExternalId => staff_text(lang, "cli-header-no-id", &[]),
            HeaderError::Duplicate {
                field,
                first,
                second,
            } => staff_text(
                lang,
                "cli-header-duplicate",
                &[
                    ("field", &field.to_string()),
                    ("first", &first.to_string()),
                    ("second", &second.to_string()),
                ],
            ),
            HeaderError::DuplicateExtra {
                name,
                first,
                second,
            } => staff_text(
                lang,
                "cli-header-duplicate-extra",
                &[
                    ("name", name),
                    ("first", &first.to_string()),
                    ("second", &second.to_string()),
                ],
            ),
        }
    }
}

/// Classifies the cells of a header row.
pub fn classify(headers: &[String]) -> Result<Vec<Column>, HeaderError> {
    let mut cols: Vec<Column> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let col = match field_of(h) {
            Some(f) => Column::Known(f),
            None => {
                let n = normalise(h);
                if n.is_empty() {
                    Column::Ignored
                } else {
                    Column::Extra(n)
                }
            }
        };
        if col != Column::Ignored
            && let Some(first) = cols.iter().position(|c| *c == col)
        {
            return Err(match col {
                Column::Known(field) => HeaderError::Duplicate {
                    field,
                    first: first + 1,
                    second: i + 1,
                },
                Column::Extra(name) => HeaderError::DuplicateExtra {
                    name,
                    first: first + 1,
                    second: i + 1,
                },
                Column::Ignored => unreachable!("ignored columns are never compared"),
            });
        }
        cols.push(col);
    }
    if !cols.contains(&Column::Known(Field::ExternalId)) {
        return Err(HeaderError::NoExternalId);
    }
    Ok(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_and_english_variants() {
        for (h, f) in [
            ("Nama", Field::Name),
            ("NAME", Field::Name),
            ("NISN", Field::ExternalId),
            ("nim", Field::ExternalId),
            ("External ID", Field::ExternalId),
            ("No. HP", Field::Phone),
            ("no_hp", Field::Phone),
            ("Telepon", Field::Phone),
            ("phone", Field::Phone),
            ("E-mail", Field::Email),
            ("Tahun Lulus", Field::Cohort),
            ("angkatan", Field::Cohort),
            ("Kompetensi Keahlian", Field::Programme),
            ("jurusan", Field::Programme),
            ("Programme", Field::Programme),
            ("Sekolah", Field::School),
            ("unit", Field::School),
            ("Provinsi", Field::Province),
            ("Zona Waktu", Field::Timezone),
            ("time zone", Field::Timezone),
            ("Bahasa", Field::Language),
            ("Tanggal Lahir", Field::BirthDate),
            ("birth_date", Field::BirthDate),
            ("\u{feff}nisn", Field::ExternalId),
        ] {
            assert_eq!(field_of(h), Some(f), "{h}");
        }
        assert_eq!(field_of("Alamat"), None);
    }

    #[test]
    fn classify_rejects_duplicates_and_missing_key() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            classify(&h(&["nama", "no_hp"])),
            Err(HeaderError::NoExternalId)
        );
        assert!(matches!(
            classify(&h(&["nisn", "NIM"])),
            Err(HeaderError::Duplicate {
                first: 1,
                second: 2,
                ..
            })
        ));
        let cols = classify(&h(&["NISN", "Alamat", ""])).unwrap();
        assert_eq!(
            cols,
            vec![
                Column::Known(Field::ExternalId),
                Column::Extra("alamat".into()),
                Column::Ignored
            ]
        );
    }
}
