//! The flow checker reports every mistake of a flow file at the line and column where the
//! author has to look, and the shipped flows are free of mistakes.

use jejak::flow::{Diagnostic, FlowError, compile, load};
use std::path::Path;

const BAD_FLOW: &str = "tests/fixtures/bad-flow.yaml";

/// One expected diagnostic: where, what the file says there, and a phrase of the message.
struct Expect {
    line: u64,
    col: u64,
    at: &'static str,
    says: &'static str,
}

const fn e(line: u64, col: u64, at: &'static str, says: &'static str) -> Expect {
    Expect {
        line,
        col,
        at,
        says,
    }
}

/// Every mistake planted in `bad-flow.yaml`, in file order.
const EXPECTED: &[Expect] = &[
    e(
        32,
        25,
        "f88",
        "unknown question `f88` in condition (did you mean `f8`?)",
    ),
    e(
        36,
        25,
        "q_akhir",
        "condition tests `q_akhir`, which is asked later (line 100)",
    ),
    e(
        40,
        33,
        "\"7\"",
        "`7` is not an option of `f8` (options: 1, 2)",
    ),
    e(
        44,
        35,
        "\"tinggi\"",
        "`tinggi` is not a number (`gaji` is a `money` question)",
    ),
    e(
        48,
        34,
        "\"1\"",
        "`has` is for multiple choice; `f8` is a `single` question",
    ),
    e(
        52,
        35,
        "3",
        "`gt` compares numbers or dates; `nama` is a `text` question",
    ),
    e(56, 33, "1.5", "`1.5` is not a"),
    e(
        60,
        21,
        "\"Jawaban nanti",
        "`{ $q_akhir }` pipes the answer to a question asked later (line 100)",
    ),
    e(
        60,
        56,
        "\"Later answer",
        "`{ $q_akhir }` pipes the answer to a question asked later (line 100)",
    ),
    e(61, 15, "nama", "`nama` is already used on line 24"),
    e(66, 15, "{ id: \"Hanya", "text has no `en` version"),
    e(
        69,
        21,
        "\"Halo { $name\"",
        "invalid Fluent pattern in the `id` text",
    ),
    e(
        72,
        21,
        "\"Halo { $nmae }\"",
        "unknown variable `{ $nmae }`: not a respondent field nor an earlier question (did you mean `name`?)",
    ),
    e(
        74,
        15,
        "singel",
        "unknown type `singel` (did you mean `single`?)",
    ),
    // Points at the question's `type`, not at its `options` (line 79): the message names both.
    e(
        77,
        15,
        "money",
        "`options` does not apply to a `money` question (`q_money`)",
    ),
    e(
        84,
        24,
        "kohort",
        "unknown respondent field `kohort` (did you mean `cohort`?)",
    ),
    e(
        91,
        17,
        "akhri",
        "`goto` target `akhri` is not a question code, a section id or `end`",
    ),
    e(
        97,
        15,
        "terlewati",
        "question `terlewati` can never be reached",
    ),
    e(
        116,
        17,
        "loop_a",
        "`goto` jumps back to `loop_a`, which is asked earlier: this makes a loop",
    ),
];

fn diagnostics(src: &str) -> Vec<Diagnostic> {
    match compile(src) {
        Ok(_) => panic!("the flow compiled, but it has mistakes"),
        Err(d) => d,
    }
}

fn listing(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("  {}:{}: {}", d.line, d.col, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fixture_positions_point_at_the_planted_mistakes() {
    // Guards the table itself: editing the fixture must move the expectations with it.
    let src = std::fs::read_to_string(BAD_FLOW).expect("fixture exists");
    let lines: Vec<&str> = src.lines().collect();
    for x in EXPECTED {
        let line = lines[(x.line - 1) as usize];
        let rest = line.get((x.col - 1) as usize..).unwrap_or("");
        assert!(
            rest.starts_with(x.at),
            "{BAD_FLOW}:{}:{} reads {rest:?}, expected it to start with {:?}",
            x.line,
            x.col,
            x.at
        );
    }
}

#[test]
fn every_planted_mistake_is_reported_once_at_its_position() {
    let src = std::fs::read_to_string(BAD_FLOW).expect("fixture exists");
    let got = diagnostics(&src);
    let all = listing(&got);
    for (i, x) in EXPECTED.iter().enumerate() {
        let Some(d) = got.get(i) else {
            panic!(
                "missing diagnostic {}:{} `{}`; got:\n{all}",
                x.line, x.col, x.says
            );
        };
        assert_eq!(
            (d.line, d.col),
            (x.line, x.col),
            "diagnostic {i} ({}) is at the wrong place; got:\n{all}",
            x.says
        );
        assert!(
            d.message.contains(x.says),
            "diagnostic at {}:{} says {:?}, expected it to contain {:?}",
            d.line,
            d.col,
            d.message,
            x.says
        );
    }
    assert_eq!(
        got.len(),
        EXPECTED.len(),
        "unexpected extra diagnostics; got:\n{all}"
    );
}

#[test]
fn load_names_the_file_in_every_line() {
    let err = load(Path::new(BAD_FLOW)).expect_err("bad flow does not load");
    let FlowError::Invalid { path, diagnostics } = &err else {
        panic!("expected an Invalid error, got {err}");
    };
    assert_eq!(path, Path::new(BAD_FLOW));
    assert_eq!(diagnostics.len(), EXPECTED.len());
    let rendered = err.to_string();
    assert_eq!(rendered.lines().count(), EXPECTED.len());
    assert!(
        rendered.starts_with(&format!("{BAD_FLOW}:32:25: unknown question `f88`")),
        "{rendered}"
    );

    let missing = load(Path::new("tests/fixtures/no-such-flow.yaml")).expect_err("missing file");
    assert!(matches!(missing, FlowError::Io { .. }), "{missing}");
}

/// A minimal valid flow up to the first question, so YAML mistakes have known positions.
const HEAD: &str = r#"flow:
  id: kecil
  version: 1
  title: { id: "Kecil", en: "Small" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: s
    title: { id: "S", en: "S" }
    questions:
"#;

#[test]
fn a_yaml_syntax_error_is_one_diagnostic_with_a_position() {
    let src = format!(
        "{HEAD}      - code: a\n        type: yesno\n        text: {{ id: \"A\", en: \"A\"\n"
    );
    let d = diagnostics(&src);
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert_eq!((d[0].line, d[0].col), (17, 15), "{}", listing(&d));
    assert!(
        d[0].message.starts_with("invalid flow file:"),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message.contains("unclosed bracket"),
        "{}",
        d[0].message
    );

    let d = diagnostics("flow: [1, 2");
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert!(d[0].line >= 1 && d[0].col >= 1, "{}", listing(&d));

    let d = diagnostics(&format!("{HEAD}\t- code: a\n"));
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert_eq!((d[0].line, d[0].col), (15, 2), "{}", listing(&d));
    assert!(d[0].message.contains("tabs"), "{}", d[0].message);
}

#[test]
fn an_unknown_key_is_one_diagnostic_at_the_key() {
    let src = format!(
        "{HEAD}      - code: a\n        type: yesno\n        colour: red\n        text: {{ id: \"A\", en: \"A\" }}\n"
    );
    let d = diagnostics(&src);
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert_eq!((d[0].line, d[0].col), (17, 9), "{}", listing(&d));
    assert!(
        d[0].message.contains("unknown field `colour`"),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message.contains("expected one of code, type"),
        "{}",
        d[0].message
    );
}

#[test]
fn the_minimal_flow_compiles() {
    let src = format!(
        "{HEAD}      - code: a\n        type: yesno\n        text: {{ id: \"A\", en: \"A\" }}\n"
    );
    let flow = compile(&src).unwrap_or_else(|d| panic!("{}", listing(&d)));
    assert_eq!(flow.items.len(), 1);
    assert_eq!(flow.id, "kecil");
}

#[test]
fn a_backward_goto_is_rejected() {
    // Going back would ask answered questions twice; only forward jumps are allowed.
    let src = format!(
        "{HEAD}      - code: a
        type: yesno
        text: {{ id: \"A\", en: \"A\" }}
      - code: b
        type: yesno
        text: {{ id: \"B\", en: \"B\" }}
        goto:
          - when: {{ answer: b, eq: true }}
            to: a
"
    );
    let d = compile(&src).expect_err("a backward goto is an error");
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert!(
        d[0].message.contains("jumps back to `a`"),
        "{}",
        listing(&d)
    );
}

#[test]
fn the_shipped_flows_compile_cleanly() {
    for f in ["flows/tracer-smk.yaml", "flows/tracer-pelatihan.yaml"] {
        let flow = load(Path::new(f)).unwrap_or_else(|e| panic!("{e}"));
        assert!(!flow.items.is_empty(), "{f} has no questions");
        assert!(flow.languages.len() == 2, "{f} offers {:?}", flow.languages);
    }
}

#[test]
fn fluent_selectors_are_accepted() {
    // docs/flows.md: "Fluent selectors work too; … always give a default variant *[other]".
    let src = format!(
        "{HEAD}      - code: a
        type: yesno
        text:
          id: |
            {{ $cohort ->
                [2024] Angkatan terbaru, ya?
               *[other] Apakah Anda alumni?
            }}
          en: |
            {{ $cohort ->
                [2024] The newest cohort, right?
               *[other] Are you an alumnus?
            }}
"
    );
    compile(&src).unwrap_or_else(|d| panic!("{}", listing(&d)));
}

const BAD_NATIONAL: &str = "tests/fixtures/bad-national.yaml";

/// Every mistake planted in `bad-national.yaml`, in file order.
const EXPECTED_NATIONAL: &[Expect] = &[
    e(
        19,
        20,
        "monts",
        "unknown `time_unit` `monts` (did you mean `months`?)",
    ),
    e(
        23,
        20,
        "tomorrow",
        "`not_after` must be a date (`2020-01-01`) or `today`",
    ),
    e(
        24,
        20,
        "hour",
        "`precision` of a date is `day` (the default) or `month`",
    ),
    e(28, 18, "\"[0-9{16}\"", "is not a valid regular expression"),
    e(
        32,
        26,
        "{ id: \"10 angka\"",
        "`pattern_message` needs a `pattern`",
    ),
    e(
        36,
        16,
        "{ yes: 1, no: 1 }",
        "yes and no have the same export code `1`",
    ),
    e(
        42,
        75,
        "f81",
        "`export` names the 0/1 column of an option of a multiple choice",
    ),
    e(
        44,
        85,
        "Kerja",
        "alias `Kerja` is given to two options of `f8`",
    ),
    e(
        50,
        70,
        "f401",
        "export column `f401` is already named on line 49",
    ),
    e(
        51,
        75,
        "f504",
        "export column `f504` is already the column of question `f504`",
    ),
    e(54, 16, "tidak", "`tidak` already means no"),
    e(
        57,
        15,
        "text",
        "`time_unit` does not apply to a `text` question (`nama`)",
    ),
];

#[test]
fn every_national_mistake_is_reported_once_at_its_position() {
    assert_planted(BAD_NATIONAL, EXPECTED_NATIONAL);
}

/// Checks that the fixture at `path` gets exactly the `expected` diagnostics, in order, each
/// at a position that reads as `at`.
fn assert_planted(path: &str, expected: &[Expect]) {
    let src = std::fs::read_to_string(path).expect("fixture exists");
    let lines: Vec<&str> = src.lines().collect();
    let got = diagnostics(&src);
    let all = listing(&got);
    for (i, x) in expected.iter().enumerate() {
        let line = lines[(x.line - 1) as usize];
        let rest = line.get((x.col - 1) as usize..).unwrap_or("");
        assert!(
            rest.starts_with(x.at),
            "{path}:{}:{} reads {rest:?}, expected {:?}",
            x.line,
            x.col,
            x.at
        );
        let Some(d) = got.get(i) else {
            panic!("missing {}:{} `{}`; got:\n{all}", x.line, x.col, x.says);
        };
        assert_eq!((d.line, d.col), (x.line, x.col), "{}; got:\n{all}", x.says);
        assert!(
            d.message.contains(x.says),
            "{:?} lacks {:?}",
            d.message,
            x.says
        );
    }
    assert_eq!(got.len(), expected.len(), "extra diagnostics:\n{all}");
}

const BAD_GRID: &str = "tests/fixtures/bad-grid.yaml";

/// Every mistake planted in `bad-grid.yaml` (grids, section intros, missing codes), in file
/// order.
const EXPECTED_GRID: &[Expect] = &[
    e(
        8,
        23,
        "1.5",
        "the export code for `skipped` must be a whole number or a text",
    ),
    e(17, 18, "\"A = saat", "unknown variable `{ $f99 }`"),
    e(
        26,
        13,
        "label",
        "scale 2 of grid `f17` needs its range: `from` and `to`",
    ),
    e(
        29,
        86,
        "f1762",
        "export column `f1762` is already the column of question `f1762`",
    ),
    e(
        30,
        91,
        "f1761",
        "export column `f1761` is already named on line 29",
    ),
    e(
        31,
        90,
        "[f1765]",
        "row `f17_inggris` names 1 export columns for 2 scales",
    ),
    e(32, 15, "f21", "grid `f21` has no `scales`"),
    e(
        33,
        15,
        "grid",
        "`scale` does not apply to a `grid` question (`f21`) (a grid has `scales:`, a list)",
    ),
    e(36, 15, "[]", "grid `f21` has no rows"),
    e(37, 15, "f22", "grid `f22` has no `scales`"),
    e(
        44,
        25,
        "f17_etika",
        "`f17_etika` is a row of grid `f17`, rated on several scales: a condition cannot test it",
    ),
];

#[test]
fn every_grid_mistake_is_reported_once_at_its_position() {
    assert_planted(BAD_GRID, EXPECTED_GRID);
}

const BAD_INDICATORS: &str = "tests/fixtures/bad-indicators.yaml";

/// Every mistake planted in the `indicators:` section of `bad-indicators.yaml`, in file
/// order: each at the code or value that is wrong.
const EXPECTED_INDICATORS: &[Expect] = &[
    e(
        74,
        40,
        "\"6\"",
        "indicators: `6` in `working` is not an option code of `f8` (its codes: 1, 3, 4, 5, 2)",
    ),
    e(
        75,
        20,
        "f8",
        "indicators: `within_6_months` needs a yesno question; `f8` is `single`",
    ),
    e(
        76,
        26,
        "f507",
        "indicators: `waiting_months` names `f507`, which is not a question of this flow",
    ),
    e(
        77,
        39,
        "7",
        "indicators: `horizontal_fit.max` 7 does not fit `f14` (1 to 5)",
    ),
    e(
        78,
        17,
        "{",
        "indicators: `vertical_fit` needs exactly one of `max`",
    ),
    e(
        79,
        11,
        "f5a1",
        "indicators: `income` needs a money or integer question; `f5a1` is `text`",
    ),
    e(
        81,
        15,
        "f15",
        "indicators: `competency` needs a grid question; `f15` is not a grid",
    ),
];

#[test]
fn bad_indicators_are_located() {
    assert_planted(BAD_INDICATORS, EXPECTED_INDICATORS);
}

#[test]
fn the_indicator_test_flow_compiles_with_its_section() {
    let src = std::fs::read_to_string("tests/fixtures/indicators-flow.yaml").unwrap();
    let flow = jejak::flow::compile(&src).expect("compiles");
    let ind = flow.indicators.expect("indicators");
    assert_eq!(ind.waiting_months, vec!["f502", "f506"]);
    assert_eq!(
        ind.competency.map(|c| c.rows),
        Some(vec!["f17_etika".to_string(), "f17_it".to_string()])
    );
}

const BAD_LOOKUP: &str = "tests/fixtures/bad-lookup.yaml";

/// Every mistake planted in `bad-lookup.yaml`, in file order.
const EXPECTED_LOOKUP: &[Expect] = &[
    e(24, 15, "provinsi", "unknown list `provinsi`"),
    e(
        33,
        27,
        "f5a3",
        "`within` names `f5a3`, which is not a question before `f5a2`",
    ),
    e(
        38,
        27,
        "f8",
        "`within` names `f8`, a `single` question; it must be a lookup of list `provinces`",
    ),
    e(40, 15, "f5a4", "lookup question `f5a4` needs `list:`"),
    e(46, 17, "{ answer", "`within` does not apply to list `kbli`"),
    e(49, 15, "text", "`list` does not apply to a `text` question"),
];

#[test]
fn every_lookup_mistake_is_reported_once_at_its_position() {
    assert_planted(BAD_LOOKUP, EXPECTED_LOOKUP);
}

#[test]
fn retention_is_read_and_a_bad_value_is_located() {
    let q = "      - code: a\n        type: yesno\n        text: { id: \"A\", en: \"A\" }\n";
    let good = format!("{HEAD}{q}").replace("  languages:", "  retention: 18m\n  languages:");
    let flow = compile(&good).unwrap_or_else(|d| panic!("{}", listing(&d)));
    assert_eq!(flow.retention, Some(jejak::flow::Retention::Months(18)));
    let none = compile(&format!("{HEAD}{q}")).unwrap_or_else(|d| panic!("{}", listing(&d)));
    assert_eq!(none.retention, None);

    // Line 5 (after flow, id, version, title), column 14: the value after `retention: `.
    let bad = format!("{HEAD}{q}").replace("  languages:", "  retention: lima tahun\n  languages:");
    let d = diagnostics(&bad);
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert_eq!((d[0].line, d[0].col), (5, 14), "{}", listing(&d));
    assert!(d[0].message.contains("`retention`"), "{}", d[0].message);
    assert!(d[0].message.contains("lima tahun"), "{}", d[0].message);
}

const BAD_COMPUTE: &str = "tests/fixtures/bad-compute.yaml";

/// Every mistake planted in `bad-compute.yaml` (computed values, answer bounds, conditions
/// comparing answers, soft checks), in file order.
const EXPECTED_COMPUTE: &[Expect] = &[
    e(
        27,
        41,
        "mulai)",
        "in `compute` of `tunggu`: `mulai` comes later (line 38)",
    ),
    e(
        29,
        24,
        "nama_kantor",
        "`nama_kantor` is a `text` question; a compute uses numbers",
    ),
    e(31, 22, "+ lulus", "arithmetic needs numbers, not a date"),
    e(33, 24, "f66", "unknown name `f66` (did you mean `f6`?)"),
    e(
        35,
        19,
        "putar_b",
        "cyclic compute: putar_a → putar_b → putar_a",
    ),
    e(
        43,
        14,
        "{ answer: f8 }",
        "`max` of `f7` refers to `f8`, which is asked later (line 46)",
    ),
    e(
        44,
        14,
        "{ answer: nama_kantor }",
        "`min` of `f7` must be a number, but `nama_kantor` is a `text` question",
    ),
    e(
        48,
        14,
        "{ answer: f77 }",
        "`max` of `f8` refers to unknown question `f77` (did you mean `f7`?)",
    ),
    e(
        52,
        34,
        "{ answer: lulus }",
        "`f7` cannot be compared with `lulus`, a `month_year` question",
    ),
    e(
        56,
        34,
        "{ answer: f9 }",
        "`f9` is asked later (line 62); a condition can only compare with earlier answers",
    ),
    e(60, 15, "{ message:", "`soft` needs a `min` or a `max`"),
];

#[test]
fn every_compute_mistake_is_reported_once_at_its_position() {
    assert_planted(BAD_COMPUTE, EXPECTED_COMPUTE);
}

#[test]
fn a_condition_comparing_two_answers_compiles() {
    let src = std::fs::read_to_string(BAD_COMPUTE).expect("fixture");
    // The fixture's good parts, on their own: no "did not match any variant" from serde.
    let good: String = src
        .lines()
        .take(25)
        .chain([
            "      - code: f7",
            "        type: integer",
            "        max: { answer: f6 }",
            "        text: { id: \"Wawancara?\", en: \"Interviews?\" }",
            "      - code: rasio",
            "        compute: \"(f7 / f6) * 100\"",
            "      - code: tanya",
            "        type: yesno",
            "        when: { all: [{ answer: f7, lte: { answer: f6 } }, { answer: rasio, gt: 50 }] }",
            "        text: { id: \"Apakah banyak?\", en: \"Many?\" }",
        ])
        .map(|l| format!("{l}\n"))
        .collect();
    if let Err(d) = compile(&good) {
        panic!("{}", listing(&d));
    }
}

const BAD_REFUSABLE: &str = "tests/fixtures/bad-refusable.yaml";

/// Every misused `refusable` planted in `bad-refusable.yaml`, in file order.
const EXPECTED_REFUSABLE: &[Expect] = &[
    e(
        8,
        35,
        "7",
        "`missing.refused` is set but no question is `refusable: true`",
    ),
    e(
        23,
        20,
        "true",
        "`refusable` does not apply to a computed value (`dua`)",
    ),
    e(
        26,
        20,
        "true",
        "`refusable` does not apply to a repeat group (`riwayat`)",
    ),
];

#[test]
fn every_refusable_mistake_is_reported_once_at_its_position() {
    assert_planted(BAD_REFUSABLE, EXPECTED_REFUSABLE);
}

#[test]
fn a_question_column_may_not_be_an_export_or_roster_column() {
    // `status` is the export's own column; `school` is the roster field's column.
    let src = format!(
        "{HEAD}      - code: status\n        type: yesno\n        text: {{ id: \"A\", en: \"A\" }}\n      - code: school\n        type: text\n        text: {{ id: \"B\", en: \"B\" }}\n"
    );
    let d = diagnostics(&src);
    assert_eq!(d.len(), 2, "{}", listing(&d));
    assert_eq!((d[0].line, d[0].col), (15, 15), "{}", listing(&d));
    assert!(
        d[0].message.contains("`status`") && d[0].message.contains("export's own columns"),
        "{}",
        d[0].message
    );
    assert_eq!((d[1].line, d[1].col), (18, 15), "{}", listing(&d));
    assert!(
        d[1].message
            .contains("export_fields: { school: roster_school }"),
        "{}",
        d[1].message
    );
    // Renaming the roster field's column frees the name for the question.
    let renamed = src.replacen(
        "  languages: [id, en]\n",
        "  languages: [id, en]\n  export_fields: { school: sekolah_roster }\n",
        1,
    );
    let d = diagnostics(&renamed);
    assert_eq!(d.len(), 1, "{}", listing(&d));
    assert!(d[0].message.contains("`status`"), "{}", listing(&d));
}
