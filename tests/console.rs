//! The README's main job end to end: `jejak chat` in a terminal, quit half-way, resume, finish,
//! then `jejak export` holds exactly the answers given.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn jejak(data: &Path, args: &[&str], stdin: &str) -> (String, String, bool) {
    jejak_env(data, args, stdin, &[])
}

/// Runs jejak with environment variables set (`Some`) or removed (`None`).
fn jejak_env(
    data: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, Option<&str>)],
) -> (String, String, bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jejak"));
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env("JEJAK_CONFIG", data.join("none.toml"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("jejak runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("jejak finishes");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn survey_in_terminal_can_be_quit_resumed_and_exported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let chat = [
        "chat",
        "--as",
        "siti",
        "--name",
        "Siti",
        "--school",
        "SMKN 5 Banjarmasin",
    ];

    // First sitting: consent, status "bekerja", got a job within 6 months, then quit.
    let (out, err, ok) = jejak(&data, &chat, "ya\n1\niya\n/keluar\n");
    assert!(ok, "{err}");
    assert!(out.contains("Halo Siti"), "{out}");
    assert!(out.contains("SMKN 5 Banjarmasin"), "{out}");
    assert!(out.contains("Pertanyaan 1 dari"), "{out}");
    assert!(out.contains("Berapa bulan setelah lulus"), "{out}");
    assert!(
        data.join("jejak.db").exists(),
        "SQLite database created on first run"
    );

    // Second sitting: resumes at the same question; a wrong answer gets a friendly re-prompt.
    let (out, err, ok) = jejak(&data, &chat, "tiga bulan lebih\n3\n");
    assert!(ok, "{err}");
    assert!(out.contains("Selamat datang kembali"), "{out}");
    assert!(out.contains("Berapa bulan setelah lulus"), "{out}");
    assert!(
        out.contains("belum bisa kami baca"),
        "re-prompt in Indonesian: {out}"
    );
    assert!(out.contains("Pertanyaan 4 dari"), "{out}");

    // Export: the three answers, in national codes.
    let csv_path = dir.path().join("out.csv");
    let (_, err, ok) = jejak(
        &data,
        &[
            "export",
            "--flow",
            "tracer-smk",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().expect("utf8"),
        ],
        "",
    );
    assert!(ok, "{err}");
    let mut rdr = csv::Reader::from_path(&csv_path).expect("csv");
    let header = rdr.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    let get = |col: &str| {
        let i = header
            .iter()
            .position(|h| h == col)
            .unwrap_or_else(|| panic!("no column {col}"));
        rows[0][i].to_string()
    };
    assert_eq!(get("f8"), "1");
    assert_eq!(get("f504"), "1");
    assert_eq!(get("f502"), "3");
    assert_eq!(get("f506"), "");
    assert_eq!(get("name"), "Siti");
    assert_eq!(get("status"), "answering");
    // Multiple choice gets a column per option; repeat groups a column per item.
    assert!(header.iter().any(|h| h == "smk_kendala_1"));
    assert!(header.iter().any(|h| h == "job_name_1") && header.iter().any(|h| h == "job_name_5"));

    // The codebook names every question with its texts in both languages.
    let (out, err, ok) = jejak(
        &data,
        &["export", "--flow", "flows/tracer-smk.yaml", "--codebook"],
        "",
    );
    assert!(ok, "{err}");
    assert!(out.starts_with(
        "code,section,type,optional,repeat_group,follow_up_of,text_id,choices_id,text_en,choices_en"
    ));
    assert!(
        out.contains("f8,status,single,no,,,Apa kegiatan utama Anda saat ini?"),
        "{out}"
    );
}

/// Two people on one computer (one login, `$USER`), each with their own `--name`: the second
/// does not continue the first one's survey, and each resumes their own.
#[test]
fn two_names_on_one_login_are_two_respondents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let login = [("USER", Some("budi"))];
    let (out, err, ok) = jejak_env(&data, &["chat", "--name", "Budi"], "ya\n1\n", &login);
    assert!(ok, "{err}");
    assert!(out.contains("Halo Budi"), "{out}");
    assert!(out.contains("Pertanyaan 2 dari"), "{out}");

    let (out, err, ok) = jejak_env(&data, &["chat", "--name", "Siti"], "ya\n", &login);
    assert!(ok, "{err}");
    assert!(
        out.contains("Halo Siti"),
        "Siti starts her own survey: {out}"
    );
    assert!(!out.contains("Budi"), "{out}");
    assert!(!out.contains("Selamat datang kembali"), "{out}");
    assert!(out.contains("Pertanyaan 1 dari"), "{out}");

    // Budi, typed a little differently, is back at his own question 2.
    let (out, err, ok) = jejak_env(&data, &["chat", "--name", "budi"], "", &login);
    assert!(ok, "{err}");
    assert!(out.contains("Selamat datang kembali"), "{out}");
    assert!(out.contains("Pertanyaan 2 dari"), "{out}");

    // Without --name the login name answers, and the chat says so and how others answer.
    let (out, err, ok) = jejak_env(&data, &["chat"], "", &[("USER", Some("lab1"))]);
    assert!(ok, "{err}");
    assert!(out.contains("Anda menjawab sebagai “lab1”"), "{out}");
    assert!(out.contains("chat --name \"Nama Anda\""), "{out}");

    // --as names someone else's survey: the chat says whose it is.
    let (out, err, ok) = jejak_env(
        &data,
        &["chat", "--as", "budi", "--name", "Dewi"],
        "",
        &login,
    );
    assert!(ok, "{err}");
    assert!(out.contains("melanjutkan survei Budi"), "{out}");

    let (out, err, ok) = jejak(
        &data,
        &["export", "--flow", "tracer-smk", "--format", "csv"],
        "",
    );
    assert!(ok, "{err}");
    let names: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(names.len(), 3, "Budi, Siti and lab1: {out}");
}

/// What a newcomer sees in a terminal: titles without chat-app stars (plain when the output
/// is not a terminal), /bantuan naming /keluar, and a goodbye on Ctrl-D (end of input) that
/// says the command that was typed.
#[test]
fn the_terminal_speaks_plainly_and_says_how_to_come_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8");
    let chat = ["chat", "--name", "Siti", "--school", "SMKN 1 Contoh"];
    let cargo = [
        ("CARGO", Some("cargo")),
        ("NO_COLOR", None),
        ("TERM", Some("xterm")),
    ];
    let (out, err, ok) = jejak_env(&data, &chat, "ya\n/bantuan\n", &cargo);
    assert!(ok, "{err}");
    assert!(out.contains("\nPersetujuan penggunaan data\n"), "{out}");
    assert!(out.contains("\nKegiatan Anda sekarang\n"), "{out}");
    assert!(!out.contains('*'), "no chat-app markup: {out}");
    assert!(!out.contains('\x1b'), "no ANSI into a pipe: {out}");
    assert!(out.contains("/keluar - keluar dari chat"), "{out}");
    // Ctrl-D: a goodbye with the command as typed under `cargo run`.
    let bye = out.rsplit("> ").next().unwrap_or_default();
    assert!(
        bye.contains("Sampai jumpa! Jawaban Anda tersimpan."),
        "{bye}"
    );
    assert!(
        bye.contains(&format!(
            "cargo run -- --data-dir {data_arg} chat --name Siti --school \"SMKN 1 Contoh\""
        )),
        "{bye}"
    );
    assert!(!bye.contains("jejak chat lagi"), "{bye}");

    // Installed (not under Cargo): the program as invoked; /keluar says the same goodbye.
    let (out, err, ok) = jejak_env(&data, &chat, "/keluar\n", &[("CARGO", None)]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "{} --data-dir {data_arg} chat --name Siti",
            env!("CARGO_BIN_EXE_jejak")
        )),
        "{out}"
    );
    assert!(!out.contains("cargo run"), "{out}");
}

#[test]
fn flow_check_reports_errors_with_positions_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "flow:\n  id: x\n  version: 1\n  title: { id: X, en: X }\n  languages: [id, en]\n  consent:\n    purpose: { id: a, en: a }\n    data: { id: a, en: a }\n    retention: { id: a, en: a }\n    rights: { id: a }\nsections:\n  - id: s\n    title: { id: S, en: S }\n    questions:\n      - code: q1\n        type: yesno\n        text: { id: \"Ya?\", en: \"Yes?\" }\n        when: { answer: q9, eq: true }\n",
    )
    .expect("write");
    let (_, err, ok) = jejak(
        dir.path(),
        &[
            "flow",
            "check",
            bad.to_str().expect("utf8"),
            "flows/tracer-smk.yaml",
        ],
        "",
    );
    assert!(!ok);
    assert!(
        err.contains("bad.yaml:10:13: text has no `en` version"),
        "{err}"
    );
    assert!(
        err.contains("bad.yaml:18:25: unknown question `q9` in condition"),
        "{err}"
    );
    assert!(
        !err.contains("tracer-smk.yaml:"),
        "the shipped flow is valid: {err}"
    );
}
