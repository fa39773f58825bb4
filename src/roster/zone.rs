//! Indonesia's three time zones, from a province or from what staff typed in a time-zone
//! column. The 38 provinces include the four created in Papua in 2022 (Papua Selatan,
//! Papua Tengah, Papua Pegunungan, Papua Barat Daya).

use chrono_tz::Tz;

use super::header::normalise;

/// WIB, UTC+7.
pub const WIB: &str = "Asia/Jakarta";
/// WITA, UTC+8.
pub const WITA: &str = "Asia/Makassar";
/// WIT, UTC+9.
pub const WIT: &str = "Asia/Jayapura";

/// Every province (normalised official name first, then common short forms and old names)
/// with its zone.
pub const PROVINCES: &[(&str, &[&str], &str)] = &[
    // Sumatra
    ("aceh", &["nanggroe_aceh_darussalam", "nad"], WIB),
    (
        "sumatera_utara",
        &["sumut", "sumatra_utara", "north_sumatra"],
        WIB,
    ),
    (
        "sumatera_barat",
        &["sumbar", "sumatra_barat", "west_sumatra"],
        WIB,
    ),
    ("riau", &[], WIB),
    ("kepulauan_riau", &["kepri", "riau_islands"], WIB),
    ("jambi", &[], WIB),
    ("bengkulu", &[], WIB),
    (
        "sumatera_selatan",
        &["sumsel", "sumatra_selatan", "south_sumatra"],
        WIB,
    ),
    (
        "kepulauan_bangka_belitung",
        &["babel", "bangka_belitung", "bangka_belitung_islands"],
        WIB,
    ),
    ("lampung", &[], WIB),
    // Java
    ("banten", &[], WIB),
    (
        "dki_jakarta",
        &[
            "jakarta",
            "dki",
            "daerah_khusus_ibukota_jakarta",
            "daerah_khusus_jakarta",
            "dkj",
        ],
        WIB,
    ),
    ("jawa_barat", &["jabar", "west_java"], WIB),
    ("jawa_tengah", &["jateng", "central_java"], WIB),
    (
        "di_yogyakarta",
        &[
            "diy",
            "yogyakarta",
            "daerah_istimewa_yogyakarta",
            "jogja",
            "jogjakarta",
        ],
        WIB,
    ),
    ("jawa_timur", &["jatim", "east_java"], WIB),
    // Kalimantan: west and central on WIB, the rest on WITA
    ("kalimantan_barat", &["kalbar", "west_kalimantan"], WIB),
    ("kalimantan_tengah", &["kalteng", "central_kalimantan"], WIB),
    ("kalimantan_selatan", &["kalsel", "south_kalimantan"], WITA),
    ("kalimantan_timur", &["kaltim", "east_kalimantan"], WITA),
    ("kalimantan_utara", &["kaltara", "north_kalimantan"], WITA),
    // Bali and Nusa Tenggara
    ("bali", &[], WITA),
    ("nusa_tenggara_barat", &["ntb", "west_nusa_tenggara"], WITA),
    ("nusa_tenggara_timur", &["ntt", "east_nusa_tenggara"], WITA),
    // Sulawesi
    ("sulawesi_utara", &["sulut", "north_sulawesi"], WITA),
    ("gorontalo", &[], WITA),
    ("sulawesi_tengah", &["sulteng", "central_sulawesi"], WITA),
    ("sulawesi_barat", &["sulbar", "west_sulawesi"], WITA),
    ("sulawesi_selatan", &["sulsel", "south_sulawesi"], WITA),
    ("sulawesi_tenggara", &["sultra", "southeast_sulawesi"], WITA),
    // Maluku and Papua
    ("maluku", &[], WIT),
    ("maluku_utara", &["malut", "north_maluku"], WIT),
    ("papua", &[], WIT),
    (
        "papua_barat",
        &["pabar", "west_papua", "irian_jaya_barat"],
        WIT,
    ),
    ("papua_barat_daya", &["pbd", "southwest_papua"], WIT),
    ("papua_selatan", &["south_papua"], WIT),
    ("papua_tengah", &["central_papua"], WIT),
    (
        "papua_pegunungan",
        &["highland_papua", "papua_pegunungan_tengah"],
        WIT,
    ),
];

/// The IANA zone of a province (`"Jawa Barat"`, `"Prov. Jabar"`, `"NTT"`, `"Papua Tengah"`,
/// case and punctuation ignored), or `None` when the province is not recognised.
pub fn zone_of_province(province: &str) -> Option<&'static str> {
    let key = province_key(province)?;
    PROVINCES
        .iter()
        .find(|(name, _, _)| *name == key)
        .map(|(_, _, zone)| *zone)
}

/// The province's key (`"jawa_timur"` for `"Jatim"`, `"Prov. Jawa Timur"` or
/// `"east java"`), or `None` when the province is not recognised. The UMP table
/// (`data/ump.csv`) is keyed by it.
pub fn province_key(province: &str) -> Option<&'static str> {
    let n = normalise(province);
    let n = n
        .strip_prefix("provinsi_")
        .or_else(|| n.strip_prefix("prov_"))
        .or_else(|| n.strip_prefix("province_of_"))
        .unwrap_or(&n);
    let n = n.strip_suffix("_province").unwrap_or(n);
    PROVINCES
        .iter()
        .find(|(name, aliases, _)| *name == n || aliases.contains(&n))
        .map(|(name, _, _)| *name)
}

/// A time zone as staff write it: `WIB`, `WITA`, `WIT` (any case), or an IANA name such as
/// `Asia/Makassar`, returned as its IANA name; `None` for anything else.
pub fn parse_zone(input: &str) -> Option<String> {
    let t = input.trim();
    match t.to_ascii_uppercase().as_str() {
        "WIB" => return Some(WIB.into()),
        "WITA" => return Some(WITA.into()),
        "WIT" => return Some(WIT.into()),
        _ => {}
    }
    // chrono-tz names are case-sensitive; accept `asia/jakarta` too.
    if let Ok(tz) = t.parse::<Tz>() {
        return Some(tz.name().to_string());
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(t))
        .map(|tz| tz.name().to_string())
}

/// The short Indonesian name of a zone (`WIB`, `WITA`, `WIT`), or the IANA name itself.
pub fn short_name(iana: &str) -> &str {
    match iana {
        WIB => "WIB",
        WITA => "WITA",
        WIT => "WIT",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_eight_provinces_in_three_zones() {
        assert_eq!(PROVINCES.len(), 38);
        let count = |z: &str| PROVINCES.iter().filter(|p| p.2 == z).count();
        assert_eq!((count(WIB), count(WITA), count(WIT)), (18, 12, 8));
        for (name, aliases, zone) in PROVINCES {
            assert_eq!(zone_of_province(name), Some(*zone), "{name}");
            for a in *aliases {
                assert_eq!(zone_of_province(a), Some(*zone), "{a}");
            }
        }
    }
}
