//! The shipped lists load and check, and typed answers find what a respondent means.

use super::*;

fn list(id: ListId) -> &'static List {
    lists().expect("shipped lists are valid").get(id)
}

/// What `input` finds: the one code, or the codes offered, or nothing.
fn found(id: ListId, input: &str, within: Option<&str>) -> Vec<String> {
    match list(id).search(input, within) {
        Found::One(e) => vec![e.code.clone()],
        Found::Several(es) => es.iter().map(|e| e.code.clone()).collect(),
        Found::Nothing => Vec::new(),
    }
}

#[test]
fn shipped_lists_have_the_sizes_of_their_sources() {
    let count = |id, offered: bool| {
        list(id)
            .entries
            .iter()
            .filter(|e| !offered || e.offered)
            .count()
    };
    assert_eq!(count(ListId::Provinces, false), 38);
    assert_eq!(count(ListId::Regencies, false), 514);
    // KBLI 2020: 21 categories + 88 golongan pokok; KBJI 2014: 10 + 43.
    assert_eq!(count(ListId::Kbli, false), 21 + 88);
    assert_eq!(count(ListId::Kbli, true), 88);
    assert_eq!(count(ListId::Kbji, false), 10 + 43);
    assert_eq!(count(ListId::Kbji, true), 43);
}

#[test]
fn every_alias_names_an_existing_province() {
    for (code, _) in aliases::PROVINCE_ALIASES {
        assert!(list(ListId::Provinces).entry(code).is_some(), "{code}");
    }
}

#[test]
fn a_duplicate_code_is_refused() {
    let err = List::parse(ListId::Kbli, "t.csv", "code,parent,name\nA,,X\nA,,Y\n").unwrap_err();
    assert_eq!(
        err,
        ListError::Duplicate {
            file: "t.csv",
            code: "A".into()
        }
    );
}

#[test]
fn a_missing_parent_is_refused() {
    let err = List::parse(ListId::Kbji, "t.csv", "code,parent,name\n1,,X\n21,2,Y\n").unwrap_err();
    assert_eq!(
        err,
        ListError::MissingParent {
            file: "t.csv",
            code: "21".into(),
            parent: "2".into()
        }
    );
}

#[test]
fn a_short_row_is_refused_with_its_row_number() {
    let err = List::parse(ListId::Kbji, "t.csv", "code,parent,name\n1,,X\n2\n").unwrap_err();
    assert!(matches!(err, ListError::Row { row: 3, .. }), "{err:?}");
}

/// (typed, codes found): one code is taken at once, several are offered in this order.
const PROVINCE_CASES: &[(&str, &[&str])] = &[
    ("Jatim", &["35"]),
    ("jatim", &["35"]),
    ("DKI", &["31"]),
    ("jakarta", &["31"]),
    ("Jogja", &["34"]),
    ("DIY", &["34"]),
    ("Kalsel", &["63"]),
    ("NTB", &["52"]),
    ("ntt", &["53"]),
    ("Sulsel", &["73"]),
    ("35", &["35"]),
    ("Jawa Timur", &["35"]),
    ("jawa timr", &["35"]),
    ("Prov. Jawa Timur", &["35"]),
    ("bali", &["51"]),
    ("papua pegunungan", &["95"]),
    // Several fit: the best first; "jawa" is three provinces.
    ("jawa", &["32", "33", "35"]),
    ("kalimantan sel", &["63"]),
    ("atlantis", &[]),
];

#[test]
fn provinces_by_name_alias_and_code() {
    for (typed, want) in PROVINCE_CASES {
        assert_eq!(found(ListId::Provinces, typed, None), *want, "{typed}");
    }
}

/// (province, typed, codes found).
const REGENCY_CASES: &[(&str, &str, &[&str])] = &[
    ("35", "surabaya", &["35.78"]),
    ("35", "Kota Surabaya", &["35.78"]),
    ("35", "surab", &["35.78"]),
    ("35", "3578", &["35.78"]),
    ("35", "35.78", &["35.78"]),
    // Kabupaten and Kota Malang: the prefix decides, without it both are offered.
    ("35", "Kab. Malang", &["35.07"]),
    ("35", "kab malang", &["35.07"]),
    ("35", "kota malang", &["35.73"]),
    ("35", "Kodya Malang", &["35.73"]),
    ("35", "malang", &["35.07", "35.73"]),
    // Within another province, Surabaya is not there.
    ("32", "surabaya", &[]),
    ("32", "Bogor", &["32.01", "32.71"]),
    ("31", "jakarta selatan", &["31.74"]),
    ("31", "jaksel", &[]),
    ("63", "banjarmasin", &["63.71"]),
    ("95", "wamena", &[]),
    ("95", "jayawijaya", &["95.01"]),
];

#[test]
fn regencies_within_a_province() {
    for (province, typed, want) in REGENCY_CASES {
        assert_eq!(
            found(ListId::Regencies, typed, Some(province)),
            *want,
            "{province} {typed}"
        );
    }
}

/// (typed, codes found), KBLI golongan pokok by word.
const KBLI_CASES: &[(&str, &[&str])] = &[
    ("pendidikan", &["85"]),
    ("telekomunikasi", &["61"]),
    ("perdagangan eceran", &["47"]),
    ("konsultasi komputer", &["62"]),
    ("47", &["47"]),
    ("industri makanan", &["10"]),
    ("angkutan udara", &["51"]),
    ("pertanian", &["01", "02", "03"]),
    // A category's code is not offered (the questionnaire asks the golongan pokok).
    ("P", &[]),
];

#[test]
fn kbli_by_word_and_code() {
    for (typed, want) in KBLI_CASES {
        assert_eq!(found(ListId::Kbli, typed, None), *want, "{typed}");
    }
}

const KBJI_CASES: &[(&str, &[&str])] = &[
    ("profesional pendidikan", &["23"]),
    ("guru", &[]),
    ("teknologi informasi", &["25"]),
    ("informasi dan komunikasi", &["35", "25"]),
    ("tenaga penjualan", &["52"]),
    ("25", &["25"]),
];

#[test]
fn kbji_by_word_and_code() {
    for (typed, want) in KBJI_CASES {
        assert_eq!(found(ListId::Kbji, typed, None), *want, "{typed}");
    }
}

#[test]
fn offered_checks_level_and_parent() {
    let regencies = list(ListId::Regencies);
    assert!(regencies.offered("35.78", Some("35")).is_some());
    assert!(regencies.offered("35.78", Some("32")).is_none());
    assert!(list(ListId::Kbli).offered("P", None).is_none());
    assert!(list(ListId::Kbli).offered("85", None).is_some());
}
