//! Hostile input for every parser that takes outside input (issue 15): each target takes
//! bytes, feeds them to the real parser the way the product does, and must neither panic nor
//! hang. Inputs are either random bytes or a seed from the repository (shipped flows,
//! transcripts, recorded Telegram and WhatsApp payloads, roster fixtures, a config file)
//! mutated at random: bit flips, byte insertions and deletions, splices of another seed,
//! repeated chunks. Shared by `tests/fuzz.rs` (a few thousand cases per target in `cargo
//! test`) and `benches/fuzz.rs` (100,000 per target, recorded in docs/benchmarks.md).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jejak::model::Lang;

/// A small, fast, seedable generator (xorshift64*): the cases are reproducible from the
/// seed printed with a failure.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is moved off the fixed point).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that parsers treat specially: quotes, separators, YAML and JSON syntax, digits,
/// multi-byte UTF-8, a BOM, control characters.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b"'",
    b",",
    b";",
    b"\t",
    b"\r\n",
    b"\n",
    b":",
    b"- ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"&a",
    b"*a",
    b"!!",
    b"%",
    b"#",
    b"\\",
    b"\\u0000",
    b"0",
    b"-1",
    b"9999999999999999999999",
    b"1e308",
    b"NaN",
    b"null",
    b"true",
    b"Rp",
    b"juta",
    b"ribu",
    b"\xEF\xBB\xBF",
    b"\xC3\xA9",
    b"\xF0\x9F\x98\x80",
    b"\xFF",
    b"\x00",
    b"=",
    b"+",
    b"@",
    b"{ $",
    b"<script>",
    b"\xE2\x80\x8B",
];

/// One random change of `input`, drawing splices from `seeds`.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(7) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(len + 1);
            let b = (rng.next() & 0xFF) as u8;
            input.insert(i, b);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = (rng.below(16) + 1).min(len - i);
            input.drain(i..i + n);
        }
        3 => {
            let i = rng.below(len + 1);
            let tok = INTERESTING[rng.below(INTERESTING.len())];
            input.splice(i..i, tok.iter().copied());
        }
        4 if !seeds.is_empty() => {
            let other = &seeds[rng.below(seeds.len())];
            if !other.is_empty() {
                let a = rng.below(other.len());
                let b = (a + rng.below(256) + 1).min(other.len());
                let i = rng.below(len + 1);
                input.splice(i..i, other[a..b].iter().copied());
            }
        }
        5 if len > 0 => {
            // A chunk repeated: deep nesting, long lines.
            let a = rng.below(len);
            let b = (a + rng.below(32) + 1).min(len);
            let chunk = input[a..b].to_vec();
            let times = rng.below(64) + 1;
            for _ in 0..times {
                input.splice(b..b, chunk.iter().copied());
            }
        }
        _ if len > 0 => {
            // Cut short: a truncated upload or body.
            input.truncate(rng.below(len));
        }
        _ => input.push((rng.next() & 0x7F) as u8),
    }
}

/// One case for a target: a mutated seed (most of the time) or random bytes.
pub fn case(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if seeds.is_empty() || rng.below(8) == 0 {
        let n = rng.below(512);
        return (0..n).map(|_| (rng.next() & 0xFF) as u8).collect();
    }
    let mut input = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(8) {
        mutate(rng, &mut input, seeds);
    }
    // Keep inputs bounded: a 1 MB body is refused by the servers before any parser.
    input.truncate(256 * 1024);
    input
}

/// A parser under attack.
pub struct Target {
    /// Its name in reports.
    pub name: &'static str,
    /// Seed inputs from the repository.
    pub seeds: Vec<Vec<u8>>,
    /// Feeds one input to the parser.
    pub run: fn(&[u8]),
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (recursively) whose name ends with one of `exts`.
fn files(dir: &Path, exts: &[&str]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            out.extend(files(&p, exts));
        } else if exts
            .iter()
            .any(|x| p.to_string_lossy().to_ascii_lowercase().ends_with(x))
            && let Ok(b) = std::fs::read(&p)
        {
            out.push(b);
        }
    }
    out
}

struct World {
    flow: jejak::flow::Flow,
    catalog: jejak::i18n::Catalog,
    codec: jejak::channel::telegram::render::CallbackCodec,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let flow = jejak::flow::load(&root().join("flows/tracer-smk.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let codec = jejak::channel::telegram::render::CallbackCodec::new(&flow);
        World {
            flow,
            catalog: jejak::i18n::Catalog::embedded().unwrap_or_else(|e| panic!("{e}")),
            codec,
        }
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn flow_yaml(b: &[u8]) {
    let _ = jejak::flow::compile(&text(b));
}

fn transcript(b: &[u8]) {
    let w = world();
    if let Ok(t) = serde_saphyr::from_str::<jejak::flow::transcript::Transcript>(&text(b)) {
        let mut reached = std::collections::BTreeSet::new();
        let _ = jejak::flow::transcript::run(&w.flow, &w.catalog, &t, &mut reached);
    }
}

fn typed_answer(b: &[u8]) {
    use jejak::understand::*;
    let s = text(b);
    for lang in [Lang::Id, Lang::En] {
        let _ = parse_yes_no(&s, lang);
        let _ = parse_yes_no_echo(&s, lang, &["ada".to_string(), "pernah".to_string()]);
        let _ = parse_integer(&s, lang);
        let _ = parse_decimal(&s, lang);
        let _ = parse_money(&s, lang);
        let _ = parse_date(&s, lang);
        let _ = parse_month_year(&s, lang);
        let _ = parse_period(&s, lang, Period::Months);
        let _ = parse_ratings(&s, lang, 2, true);
        let _ = parse_ratings(&s, lang, 4, false);
    }
    let _ = parse_phone(&s);
    let _ = parse_email(&s);
    let labels: [&[&str]; 4] = [
        &["Bekerja", "Working"],
        &["Melanjutkan studi", "Further study", "kuliah"],
        &["Wirausaha", "Self-employed", "wiraswasta"],
        &["Belum bekerja", "Not working"],
    ];
    let options: Vec<ChoiceOption> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| ChoiceOption {
            code: ["1", "3", "4", "5"][i],
            labels: l,
        })
        .collect();
    let _ = understand_choice(&s, &options);
    let _ = match_choices(&s, &options);
    let _ = ambiguous_number(&s, &options);
}

fn engine_input(b: &[u8]) {
    // A whole survey's worth of typed input through the pure engine: every line a message.
    use jejak::engine::{Context, Input, SessionState, step};
    let w = world();
    let respondent = jejak::model::RespondentFields::default();
    let cx = Context {
        flow: &w.flow,
        catalog: &w.catalog,
        respondent: &respondent,
    };
    let now = chrono::DateTime::<chrono::Utc>::from_timestamp(1_767_600_000, 0).unwrap_or_default();
    let mut state = SessionState::invited(Lang::Id);
    for line in text(b).lines().take(200) {
        let input = Input::Text(line.to_string());
        state = step(&cx, state, &input, now).state;
    }
}

fn roster_file(b: &[u8], ext: &str) {
    // One folder for the whole run, in memory where the system has one: a folder made and
    // removed per case made the run wait on the disk rather than on the reader.
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    let Some(dir) = DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            tempfile::tempdir_in(shm).ok()
        } else {
            tempfile::tempdir().ok()
        }
    }) else {
        return;
    };
    let path = dir
        .path()
        .join(format!("roster-{:?}.{ext}", std::thread::current().id()));
    if std::fs::write(&path, b).is_err() {
        return;
    }
    let mut rows = 0usize;
    let _ = jejak::roster::read::read_file(
        &path,
        |_| {},
        |_| {
            rows += 1;
            rows < 100_000
        },
    );
}

fn roster_csv(b: &[u8]) {
    roster_file(b, "csv");
}

fn roster_xlsx(b: &[u8]) {
    roster_file(b, "xlsx");
}

fn telegram_update(b: &[u8]) {
    use jejak::channel::telegram::payload::{Decoded, decode, read};
    if let Decoded::Update(u) = decode(b) {
        let _ = read(&u, &world().codec, &[Lang::Id, Lang::En]);
    }
}

fn whatsapp_body(b: &[u8]) {
    use jejak::channel::whatsapp::payload::{parse, read_message, read_status};
    if let Ok(hook) = parse(&text(b)) {
        for entry in hook.entry {
            for change in entry.changes {
                for m in change.value.messages {
                    if let Ok(m) = read_message(m) {
                        let _ = m.content();
                        let _ = m.sent_at();
                        let _ = m.forwarded();
                    }
                }
                for s in change.value.statuses {
                    let _ = read_status(s);
                }
            }
        }
    }
}

fn config_file(b: &[u8]) {
    let _ = toml::from_str::<jejak::config::FileConfig>(&text(b));
}

/// A small roster workbook as Excel writes one (the repository keeps no binary fixture).
fn roster_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["nisn", "nama", "no_hp", "angkatan", "jurusan", "sekolah"],
        [
            "0012345678",
            "Budi Santoso",
            "081234567890",
            "2024",
            "TKJ",
            "SMKN 1 Contoh",
        ],
        [
            "0012345679",
            "Siti Aminah",
            "+62 812 3456 7891",
            "2024",
            "AKL",
            "SMKN 1 Contoh",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let _ = sheet.write_string(r as u32, c as u16, *v);
        }
    }
    book.save_to_buffer().unwrap_or_default()
}

/// Every target with its seeds.
pub fn targets() -> Vec<Target> {
    let r = root();
    let answers: Vec<Vec<u8>> = [
        "iya",
        "gak",
        "3,5 juta",
        "Rp3.500.000",
        "Januari 2024",
        "1 tahun",
        "4 5",
        "A4 B5",
        "0812-3456-7890",
        "+62 812 3456 7890",
        "budi@contoh.sch.id",
        "17/08/2024",
        "kuliah",
        "1, 3 dan 5",
        "2,5 thn",
        "tidak ada",
        "sudah",
        "6 bln",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let config = br#"database_url = "sqlite://jejak.db"
[server]
listen = "127.0.0.1:8080"
[telegram]
bot_username = "jejak_bot"
webhook_url = "https://contoh.sch.id/telegram"
[whatsapp]
phone_number_id = "123"
rate_per_second = 80
[schedule]
"#
    .to_vec();
    let transcripts = files(&r.join("flows/tests"), &[".yaml"]);
    vec![
        Target {
            name: "flow YAML",
            seeds: files(&r.join("flows"), &[".yaml"])
                .into_iter()
                .chain(files(
                    &r.join("tests/fixtures"),
                    &["flow.yaml", "grid.yaml", "national.yaml"],
                ))
                .collect(),
            run: flow_yaml,
        },
        Target {
            name: "transcripts",
            seeds: transcripts.clone(),
            run: transcript,
        },
        Target {
            name: "typed answers",
            seeds: answers.clone(),
            run: typed_answer,
        },
        Target {
            name: "engine (typed conversation)",
            seeds: transcripts,
            run: engine_input,
        },
        Target {
            name: "roster CSV",
            seeds: files(&r.join("tests/fixtures/roster"), &[".csv"]),
            run: roster_csv,
        },
        Target {
            name: "roster XLSX",
            seeds: vec![roster_workbook()],
            run: roster_xlsx,
        },
        Target {
            name: "Telegram updates",
            seeds: files(&r.join("src/channel/telegram/testdata"), &[".json"]),
            run: telegram_update,
        },
        Target {
            name: "WhatsApp webhook bodies",
            seeds: files(&r.join("src/channel/whatsapp/testdata"), &[".json"]),
            run: whatsapp_body,
        },
        Target {
            name: "config file",
            seeds: vec![config],
            run: config_file,
        },
    ]
}

/// What a run of one target found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Cases run.
    pub cases: u64,
    /// Cases that panicked, with the seed of the generator that made them.
    pub panics: Vec<(u64, String)>,
    /// The slowest case, in seconds.
    pub slowest: f64,
    /// Cases slower than one second.
    pub slow: u64,
}

/// Runs `cases` cases of `t` from `seed`; a panic is caught and recorded with the seed of
/// its case (reproduce with `case(&mut Rng::new(that seed), …)`).
pub fn run_target(t: &Target, cases: u64, seed: u64) -> Outcome {
    let mut out = Outcome::default();
    for n in 0..cases {
        let case_seed = seed.wrapping_add(n);
        let mut rng = Rng::new(case_seed);
        let input = case(&mut rng, &t.seeds);
        let started = std::time::Instant::now();
        let result = std::panic::catch_unwind(|| (t.run)(&input));
        let took = started.elapsed().as_secs_f64();
        out.slowest = out.slowest.max(took);
        if took > 1.0 {
            out.slow += 1;
        }
        if let Err(p) = result {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            out.panics.push((case_seed, msg));
        }
        out.cases += 1;
    }
    out
}
