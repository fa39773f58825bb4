//! The names Indonesians use for provinces besides the official ones: abbreviations
//! ("Jatim", "Kalsel", "NTB"), the capital-city names people give for the special regions
//! ("Jakarta", "Jogja") and older spellings. These are Jejak's own (no code comes from here:
//! every alias points at a code of `data/wilayah/provinces.csv`, and a test checks that each
//! code exists).

/// (province code, aliases).
pub const PROVINCE_ALIASES: &[(&str, &[&str])] = &[
    ("11", &["NAD", "Nanggroe Aceh Darussalam"]),
    ("12", &["Sumut", "Sumatra Utara"]),
    ("13", &["Sumbar", "Sumatra Barat"]),
    ("16", &["Sumsel", "Sumatra Selatan"]),
    ("19", &["Babel", "Bangka Belitung"]),
    ("21", &["Kepri"]),
    ("31", &["DKI", "DKI Jakarta", "Jakarta"]),
    ("32", &["Jabar"]),
    ("33", &["Jateng"]),
    (
        "34",
        &[
            "DIY",
            "Jogja",
            "Jogjakarta",
            "Yogya",
            "Yogyakarta",
            "DI Yogyakarta",
        ],
    ),
    ("35", &["Jatim"]),
    ("52", &["NTB"]),
    ("53", &["NTT"]),
    ("61", &["Kalbar"]),
    ("62", &["Kalteng"]),
    ("63", &["Kalsel"]),
    ("64", &["Kaltim"]),
    ("65", &["Kaltara"]),
    ("71", &["Sulut"]),
    ("72", &["Sulteng"]),
    ("73", &["Sulsel"]),
    ("74", &["Sultra"]),
    ("76", &["Sulbar"]),
    ("82", &["Malut"]),
    ("92", &["Pabar"]),
    ("93", &["Papsel"]),
    ("94", &["Papteng"]),
    ("95", &["Papeg"]),
    ("96", &["PBD"]),
];

/// The aliases of the province with this code.
pub fn province(code: &str) -> &'static [&'static str] {
    PROVINCE_ALIASES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&[], |(_, a)| a)
}
