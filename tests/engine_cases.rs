//! Engine behaviour as data: a small inline flow and a table of conversations, each with the
//! texts the last replies must (and must not) contain, the answers kept at the end (as
//! exported) and the final status. Every step is also checked for the engine's invariants.
//!
//! Inputs are typed text, except:
//! - `btn:PROMPT=VALUE` presses a button made for prompt `PROMPT`;
//! - `@2026-07-01T00:00:00Z` sets the clock for the following steps (not an input).

use chrono::{DateTime, TimeZone, Utc};
use jejak::engine::{Answer, AnswerChange, Context, Input, Outcome, SessionState, step};
use jejak::flow::{Flow, compile};
use jejak::i18n::Catalog;
use jejak::model::{AnswerKey, Lang, RespondentFields, SessionStatus};
use std::collections::BTreeMap;

/// Work branch (money, piping, a repeat group of at most two), study branch (via `goto`),
/// an "other" follow-up, multiple choice with an exclusive option, bounds, a closing day.
const FLOW: &str = r#"
flow:
  id: kasus
  version: 1
  title: { id: "Survei Kasus", en: "Case Survey" }
  languages: [id, en]
  closes: 2026-06-30
  intro: { id: "Halo { $name }! Ini survei alumni.", en: "Hi { $name }! This is the alumni survey." }
  consent:
    purpose: { id: "Untuk memperbaiki sekolah.", en: "To improve the school." }
    data: { id: "Jawaban Anda.", en: "Your answers." }
    retention: { id: "Lima tahun.", en: "Five years." }
    rights: { id: "Anda boleh berhenti kapan saja.", en: "You may stop at any time." }
  outro: { id: "Sampai jumpa, { $name }.", en: "Goodbye, { $name }." }

sections:
  - id: status
    title: { id: "Kegiatan", en: "Activity" }
    questions:
      - code: kerja
        type: single
        text: { id: "Apa kegiatan Anda sekarang?", en: "What do you do now?" }
        options:
          - { code: "1", label: { id: "Bekerja", en: "Working" } }
          - { code: "2", label: { id: "Kuliah", en: "Studying" } }
          - code: "9"
            label: { id: "Lainnya", en: "Other" }
            other: { code: kerja_lain, text: { id: "Sebutkan kegiatannya:", en: "Please say what:" } }
        goto:
          - when: { answer: kerja, eq: "2" }
            to: studi

  - id: pekerjaan
    title: { id: "Pekerjaan", en: "Work" }
    when: { answer: kerja, eq: "1" }
    questions:
      - code: gaji
        type: money
        optional: true
        text: { id: "Berapa gaji Anda per bulan?", en: "What is your monthly pay?" }
      - code: kantor
        type: text
        text:
          id: "{ $name }, di mana Anda bekerja dengan gaji { $gaji }?"
          en: "{ $name }, where do you work for { $gaji }?"
      - repeat: riwayat
        when: { answer: kerja, eq: "1" }
        max: 2
        text: { id: "Sekarang tentang pekerjaan sebelumnya.", en: "Now about earlier jobs." }
        more: { id: "Ada pekerjaan lain sebelumnya?", en: "Any other earlier job?" }
        questions:
          - code: job
            type: text
            text: { id: "Pekerjaan ke-{ $iteration }?", en: "Job no. { $iteration }?" }

  - id: studi
    title: { id: "Kuliah", en: "Studies" }
    when: { answer: kerja, eq: "2" }
    questions:
      - code: kampus
        type: text
        text: { id: "Di kampus mana Anda kuliah?", en: "Where do you study?" }

  - id: umum
    title: { id: "Umum", en: "General" }
    questions:
      - code: kendala
        type: multi
        text: { id: "Apa kendala Anda?", en: "What holds you back?" }
        options:
          - { code: "1", label: { id: "Biaya", en: "Cost" } }
          - { code: "2", label: { id: "Jarak", en: "Distance" } }
          - { code: "3", label: { id: "Tidak ada", en: "Nothing" }, exclusive: true }
      - code: umur
        type: integer
        min: 15
        max: 40
        unit: { id: "tahun", en: "years" }
        text: { id: "Berapa umur Anda?", en: "How old are you?" }
      - code: puas
        type: yesno
        text:
          id: "Apakah Anda puas dengan kegiatan Anda ({ $kerja })?"
          en: "Are you happy with what you do ({ $kerja })?"
"#;

/// The consent header shared by the two small flows below.
const HEAD: &str = r#"
flow:
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
"#;

/// A repeat group without its own `when`, inside a section that only applies to workers.
const GROUP_IN_SECTION: &str = r#"
  - id: awal
    title: { id: "Awal", en: "Start" }
    questions:
      - code: kerja
        type: yesno
        text: { id: "Apakah Anda bekerja?", en: "Do you work?" }
  - id: pekerjaan
    title: { id: "Pekerjaan", en: "Work" }
    when: { answer: kerja, eq: true }
    questions:
      - repeat: riwayat
        max: 3
        more: { id: "Ada pekerjaan lain?", en: "Another job?" }
        questions:
          - code: job
            type: text
            text: { id: "Pekerjaan ke-{ $iteration }?", en: "Job no. { $iteration }?" }
  - id: akhir
    title: { id: "Akhir", en: "End" }
    questions:
      - code: puas
        type: yesno
        text: { id: "Puas?", en: "Happy?" }
"#;

/// A backward `goto` with a way out, which the checker accepts (docs/flows.md only forbids
/// loops "with no way out").
const LOOP_WITH_EXIT: &str = r#"
  - id: awal
    title: { id: "Awal", en: "Start" }
    questions:
      - code: barang
        type: text
        text: { id: "Nama barang?", en: "Item?" }
      - code: lagi
        type: yesno
        text: { id: "Ada barang lain?", en: "Another item?" }
        goto:
          - when: { answer: lagi, eq: true }
            to: barang
"#;

struct Case {
    name: &'static str,
    inputs: &'static [&'static str],
    /// Each must appear in the replies to the last input.
    expect: &'static [&'static str],
    /// None may appear in the replies to the last input.
    expect_not: &'static [&'static str],
    /// Exactly the answers kept at the end: export column and exported value.
    answers: &'static [(&'static str, &'static str)],
    status: SessionStatus,
}

use SessionStatus::{Answering, Completed, Consent, Expired, Invited, OptedOut};

/// Shorthands for common prefixes are spelled out in each case, so a case reads on its own.
const CASES: &[Case] = &[
    // --- consent -------------------------------------------------------------------------
    Case {
        name: "consent text: intro with the name, the four parts, the question",
        inputs: &["/mulai"],
        expect: &[
            "Halo Siti! Ini survei alumni.",
            "Tujuan: Untuk memperbaiki sekolah.",
            "Data yang dikumpulkan: Jawaban Anda.",
            "Lama penyimpanan: Lima tahun.",
            "Hak Anda: Anda boleh berhenti kapan saja.",
            "Apakah Anda bersedia mengikuti survei ini?",
        ],
        expect_not: &["Pertanyaan 1"],
        answers: &[],
        status: Consent,
    },
    Case {
        name: "any first message shows the consent text",
        inputs: &["halo"],
        expect: &["Persetujuan penggunaan data", "Balas ya atau tidak."],
        expect_not: &[],
        answers: &[],
        status: Consent,
    },
    Case {
        name: "consent yes asks the first question with progress and options",
        inputs: &["/mulai", "ya"],
        expect: &[
            "Pertanyaan 1 dari 4",
            "*Kegiatan*",
            "Apa kegiatan Anda sekarang?",
            "1. Bekerja",
            "3. Lainnya",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "consent iya by button",
        inputs: &["/mulai", "btn:@consent=yes"],
        expect: &["Pertanyaan 1 dari 4"],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "consent no opts out",
        inputs: &["/mulai", "tidak"],
        expect: &["Anda tidak akan ditanya lagi", "ketik /mulai"],
        expect_not: &["Pertanyaan"],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "consent gak opts out",
        inputs: &["/mulai", "gak"],
        expect: &["terima kasih atas waktunya"],
        expect_not: &[],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "consent garbage re-asks",
        inputs: &["/mulai", "mungkin nanti"],
        expect: &["Mohon balas ya jika bersedia", "Apakah Anda bersedia"],
        expect_not: &["Pertanyaan"],
        answers: &[],
        status: Consent,
    },
    Case {
        name: "declined, then /mulai shows the consent text again",
        inputs: &["/mulai", "tidak", "/mulai"],
        expect: &["Persetujuan penggunaan data"],
        expect_not: &["Selamat datang kembali"],
        answers: &[],
        status: Consent,
    },
    // --- wrong answers ---------------------------------------------------------------------
    Case {
        name: "unreadable number re-asks in Indonesian with the expected format",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "abc"],
        expect: &[
            "Maaf, jawaban itu belum bisa kami baca. Tulis angka, misalnya 12.",
            "Berapa umur Anda?",
        ],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "number above max",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "70"],
        expect: &[
            "Angkanya terlalu besar: paling banyak 40.",
            "Berapa umur Anda?",
        ],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "number below min",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "10 tahun"],
        expect: &["paling sedikit 15"],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "no such option",
        inputs: &["/mulai", "ya", "7"],
        expect: &[
            "pilihan itu tidak ada. Balas dengan nomor 1 sampai 3.",
            "Apa kegiatan Anda",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "unreadable number re-asks in English after /bahasa en",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "/bahasa en", "abc"],
        expect: &[
            "Sorry, we could not read that answer. Write a number, e.g. 12.",
            "How old are you?",
        ],
        expect_not: &["Maaf", "Berapa umur"],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "/bahasa asks, a number picks the language",
        inputs: &["/mulai", "ya", "/bahasa", "2"],
        expect: &[
            "we will continue in English",
            "Question 1 of 4",
            "What do you do now?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    // --- skipping -----------------------------------------------------------------------------
    Case {
        name: "/lewati on an optional question stores a skip and moves on",
        inputs: &["/mulai", "ya", "1", "/lewati"],
        expect: &["Dilewati.", "Pertanyaan 3 dari 7", "di mana Anda bekerja"],
        expect_not: &[],
        answers: &[("gaji", ""), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/lewati on a required question is refused",
        inputs: &["/mulai", "ya", "/lewati"],
        expect: &[
            "wajib dijawab, tidak bisa dilewati",
            "Apa kegiatan Anda sekarang?",
        ],
        expect_not: &["Dilewati."],
        answers: &[],
        status: Answering,
    },
    // --- going back ---------------------------------------------------------------------------
    Case {
        name: "/kembali shows the previous answer and retracts it",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/kembali"],
        expect: &[
            "Jawaban Anda sebelumnya: Rp3.500.000",
            "Berapa gaji Anda per bulan?",
        ],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/kembali to the branch question and a new branch drops the old answers",
        inputs: &[
            "/mulai", "ya", "1", "3,5 juta", "PT Maju", "/kembali", "/kembali", "/kembali", "2",
        ],
        expect: &["Di kampus mana Anda kuliah?", "*Kuliah*"],
        expect_not: &[],
        answers: &[("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "/kembali at the first question",
        inputs: &["/mulai", "ya", "/kembali"],
        expect: &[
            "Ini sudah pertanyaan pertama.",
            "Apa kegiatan Anda sekarang?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "/kembali over a repeat item and its more? question",
        inputs: &[
            "/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A", "ya", "Toko B", "/kembali",
            "/kembali",
        ],
        expect: &["Ada pekerjaan lain sebelumnya?"],
        expect_not: &[],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    // --- restart and stop ---------------------------------------------------------------------
    Case {
        name: "/ulang then ya clears every answer",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ulang", "ya"],
        expect: &["kita mulai lagi dari awal", "Pertanyaan 1 dari 4"],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "/ulang then tidak keeps the answers",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ulang", "tidak"],
        expect: &["Baik, kita lanjutkan.", "di mana Anda bekerja"],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ulang then another command cancels it and runs the command",
        inputs: &["/mulai", "ya", "1", "/ulang", "/ringkasan"],
        expect: &["Ringkasan jawaban Anda:", "Berapa gaji"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/berhenti, keep, /mulai and consent again resumes at the same question",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "3,5 juta",
            "/berhenti",
            "ya",
            "ya",
            "/mulai",
            "ya",
        ],
        expect: &[
            "Selamat datang kembali",
            "Pertanyaan 3 dari 7",
            "Siti, di mana Anda bekerja dengan gaji Rp3.500.000?",
        ],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "after /berhenti, answers are not taken",
        inputs: &["/mulai", "ya", "1", "/berhenti", "ya", "ya", "3,5 juta"],
        expect: &["Anda sudah berhenti dari survei ini"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: OptedOut,
    },
    Case {
        name: "/berhenti then tidak continues",
        inputs: &["/mulai", "ya", "1", "/berhenti", "tidak"],
        expect: &["Baik, kita lanjutkan.", "Berapa gaji"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    // --- consent that means it (UU PDP) -----------------------------------------------------
    Case {
        name: "/berhenti with answers given asks whether to keep them",
        inputs: &["/mulai", "ya", "1", "/berhenti", "ya"],
        expect: &["simpan jawaban yang sudah Anda berikan?"],
        expect_not: &["Berapa gaji"],
        answers: &[("kerja", "1")],
        status: OptedOut,
    },
    Case {
        name: "/berhenti before any answer asks nothing more",
        inputs: &["/mulai", "ya", "/berhenti", "ya"],
        expect: &["Anda sudah berhenti dari survei ini"],
        expect_not: &["simpan jawaban"],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "/berhenti then no to keeping deletes the answers",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/berhenti", "ya", "tidak"],
        expect: &["jawaban Anda sudah dihapus"],
        expect_not: &[],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "keeping is asked again until yes or no",
        inputs: &["/mulai", "ya", "1", "/berhenti", "ya", "mungkin"],
        expect: &["mohon balas ya atau tidak", "simpan jawaban"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: OptedOut,
    },
    Case {
        name: "after /berhenti, /mulai asks for consent again",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "3,5 juta",
            "/berhenti",
            "ya",
            "ya",
            "/mulai",
        ],
        expect: &["Persetujuan penggunaan data", "Apakah Anda bersedia"],
        expect_not: &["Selamat datang kembali", "di mana Anda bekerja"],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Consent,
    },
    Case {
        name: "after /berhenti, any message then /mulai does not resume without consent",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "/berhenti",
            "ya",
            "ya",
            "halo",
            "/mulai",
            "1",
        ],
        expect: &["Mohon balas ya jika bersedia"],
        expect_not: &["Berapa gaji"],
        answers: &[("kerja", "1")],
        status: Consent,
    },
    Case {
        name: "after /berhenti, declining consent again stores nothing new",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "/berhenti",
            "ya",
            "ya",
            "/mulai",
            "tidak",
            "3,5 juta",
        ],
        expect: &["Anda sudah berhenti dari survei ini"],
        expect_not: &["Berapa gaji"],
        answers: &[("kerja", "1")],
        status: OptedOut,
    },
    Case {
        name: "answers deleted, then consent again starts from the first question",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "/berhenti",
            "ya",
            "tidak",
            "/mulai",
            "ya",
        ],
        expect: &["Pertanyaan 1 dari", "Apa kegiatan Anda sekarang?"],
        expect_not: &["Selamat datang kembali"],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "declined consent stores no answers",
        inputs: &["/mulai", "tidak", "1", "Unlam"],
        expect: &["Anda sudah berhenti dari survei ini"],
        expect_not: &[],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "stopping after completing: consent again, then back to completed",
        inputs: &[
            "/mulai",
            "ya",
            "2",
            "Unlam",
            "3",
            "25",
            "ya",
            "/berhenti",
            "ya",
            "ya",
            "/mulai",
            "ya",
        ],
        expect: &["Anda sudah menyelesaikan survei ini"],
        expect_not: &[],
        answers: &[
            ("kampus", "Unlam"),
            ("kendala", "3"),
            ("kerja", "2"),
            ("puas", "1"),
            ("umur", "25"),
        ],
        status: Completed,
    },
    // --- rights in chat: see, change, delete ----------------------------------------------------
    Case {
        name: "/datasaya shows roster fields and answers, then asks again",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/datasaya"],
        expect: &[
            "Data Anda yang tersimpan",
            "Nama: Siti",
            "Angkatan: 2024",
            "Apa kegiatan Anda sekarang? Bekerja",
            "Berapa gaji Anda per bulan? Rp3.500.000",
            "/ubah",
            "/hapus",
            "di mana Anda bekerja",
        ],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/mydata before starting shows the roster fields and no answers",
        inputs: &["/mydata"],
        expect: &["Nama: Siti", "Belum ada jawaban."],
        expect_not: &[],
        answers: &[],
        status: Invited,
    },
    Case {
        name: "/datasaya after the closing day still works",
        inputs: &["/mulai", "ya", "1", "@2026-07-05T00:00:00Z", "/datasaya"],
        expect: &["Data Anda yang tersimpan", "Bekerja"],
        expect_not: &["sudah ditutup"],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/hapus asks first",
        inputs: &["/mulai", "ya", "1", "/hapus"],
        expect: &["Yakin ingin menghapus semua jawaban dan data pribadi Anda?"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/hapus then ya erases the answers and ends the session",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/hapus", "ya"],
        expect: &["Data pribadi dan semua jawaban Anda sudah dihapus"],
        expect_not: &["di mana Anda bekerja"],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "/hapus then tidak keeps everything",
        inputs: &["/mulai", "ya", "1", "/hapus", "tidak"],
        expect: &["Baik, kita lanjutkan.", "Berapa gaji"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/delete after completing keeps the session counted as completed",
        inputs: &[
            "/mulai", "ya", "2", "Unlam", "3", "25", "ya", "/delete", "yes",
        ],
        expect: &["sudah dihapus"],
        expect_not: &[],
        answers: &[],
        status: Completed,
    },
    Case {
        name: "/hapus after the closing day still erases",
        inputs: &["/mulai", "ya", "1", "@2026-07-05T00:00:00Z", "/hapus", "ya"],
        expect: &["sudah dihapus"],
        expect_not: &["sudah ditutup"],
        answers: &[],
        status: OptedOut,
    },
    Case {
        name: "/ubah lists the answers by number",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ubah"],
        expect: &[
            "Jawaban mana yang ingin Anda ubah?",
            "1. Apa kegiatan Anda sekarang? Bekerja",
            "2. Berapa gaji Anda per bulan? Rp3.500.000",
        ],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah then a number asks that question again",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ubah", "2"],
        expect: &["Silakan jawab lagi", "Berapa gaji Anda per bulan?"],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah 2 and a new answer replaces it and goes on where it was",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ubah 2", "4 juta"],
        expect: &[
            "Jawaban Anda sudah diubah.",
            "Pertanyaan 3 dari 7",
            "di mana Anda bekerja dengan gaji Rp4.000.000?",
        ],
        expect_not: &[],
        answers: &[("gaji", "4000000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah a badly typed answer is asked again, the old one stays",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ubah 2", "banyak"],
        expect: &["Berapa gaji Anda per bulan?"],
        expect_not: &["sudah diubah"],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah a wrong number is explained",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "/ubah", "9"],
        expect: &["nomor 1 sampai 2", "Jawaban mana"],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah that changes the branch drops the answers off the new path",
        inputs: &["/mulai", "ya", "1", "3,5 juta", "PT Maju", "/ubah 1", "2"],
        expect: &["sudah diubah", "Di kampus mana Anda kuliah?"],
        expect_not: &[],
        answers: &[("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "/ubah after completing stays completed when the path is the same",
        inputs: &[
            "/mulai", "ya", "2", "Unlam", "3", "25", "ya", "/ubah 2", "UGM",
        ],
        expect: &["sudah diubah"],
        expect_not: &["Pertanyaan"],
        answers: &[
            ("kampus", "UGM"),
            ("kendala", "3"),
            ("kerja", "2"),
            ("puas", "1"),
            ("umur", "25"),
        ],
        status: Completed,
    },
    Case {
        name: "/ubah after completing asks what the new path needs",
        inputs: &[
            "/mulai", "ya", "2", "Unlam", "3", "25", "ya", "/ubah 1", "1",
        ],
        expect: &["sudah diubah", "Berapa gaji Anda per bulan?"],
        expect_not: &[],
        // What follows the first question the new path needs is asked again on the way.
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "/ubah before any answer says there is nothing to change",
        inputs: &["/mulai", "ya", "/ubah"],
        expect: &[
            "Belum ada jawaban yang bisa diubah.",
            "Apa kegiatan Anda sekarang?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "/ubah then another command cancels it",
        inputs: &["/mulai", "ya", "1", "/ubah 1", "/ringkasan"],
        expect: &["Ringkasan jawaban Anda:", "Berapa gaji"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    // --- progress -----------------------------------------------------------------------------
    Case {
        name: "progress on the work branch",
        inputs: &["/mulai", "ya", "1"],
        expect: &["Pertanyaan 2 dari 7", "*Pekerjaan*"],
        expect_not: &[],
        answers: &[("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "progress on the study branch",
        inputs: &["/mulai", "ya", "2"],
        expect: &["Pertanyaan 2 dari 5", "*Kuliah*"],
        expect_not: &[],
        answers: &[("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "progress in English",
        inputs: &["/bahasa en", "/mulai", "yes", "2", "Unlam"],
        expect: &["Question 3 of 5", "What holds you back?"],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kerja", "2")],
        status: Answering,
    },
    // --- repeat groups ------------------------------------------------------------------------
    Case {
        name: "repeat group: intro and first item",
        inputs: &["/mulai", "ya", "1", "/lewati", "PT Maju"],
        expect: &["Sekarang tentang pekerjaan sebelumnya.", "Pekerjaan ke-1?"],
        expect_not: &[],
        answers: &[("gaji", ""), ("kantor", "PT Maju"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "repeat group: more? after an item",
        inputs: &["/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A"],
        expect: &["Ada pekerjaan lain sebelumnya?", "Balas ya atau tidak."],
        expect_not: &["Pertanyaan"],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "repeat group: more? yes asks the next item",
        inputs: &["/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A", "ya"],
        expect: &["Pekerjaan ke-2?"],
        expect_not: &["Sekarang tentang pekerjaan sebelumnya."],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "repeat group: more? no leaves the group",
        inputs: &["/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A", "gak"],
        expect: &["Apa kendala Anda?", "*Umum*"],
        expect_not: &[],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "repeat group: more? garbage re-asks",
        inputs: &[
            "/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A", "entahlah",
        ],
        expect: &[
            "mohon balas ya atau tidak",
            "Ada pekerjaan lain sebelumnya?",
        ],
        expect_not: &[],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "repeat group: the cap ends the group without asking more?",
        inputs: &[
            "/mulai", "ya", "1", "/lewati", "PT Maju", "Toko A", "ya", "Toko B",
        ],
        expect: &["Apa kendala Anda?"],
        expect_not: &["Ada pekerjaan lain"],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("job_2", "Toko B"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    // --- choices ------------------------------------------------------------------------------
    Case {
        name: "other: the follow-up is asked and stored under its own code",
        inputs: &["/mulai", "ya", "9", "Mengurus anak"],
        expect: &["Apa kendala Anda?"],
        expect_not: &[],
        answers: &[("kerja", "9"), ("kerja_lain", "Mengurus anak")],
        status: Answering,
    },
    Case {
        name: "other: picked by its label",
        inputs: &["/mulai", "ya", "lainnya"],
        expect: &["Sebutkan kegiatannya:", "Pertanyaan 2 dari 5"],
        expect_not: &[],
        answers: &[("kerja", "9")],
        status: Answering,
    },
    Case {
        name: "other: going back over the follow-up retracts it",
        inputs: &["/mulai", "ya", "9", "Mengurus anak", "/kembali"],
        expect: &[
            "Jawaban Anda sebelumnya: Mengurus anak",
            "Sebutkan kegiatannya:",
        ],
        expect_not: &[],
        answers: &[("kerja", "9")],
        status: Answering,
    },
    Case {
        name: "multi: an exclusive option with another is rejected",
        inputs: &["/mulai", "ya", "2", "Unlam", "1, 3"],
        expect: &[
            "Pilihan \"Tidak ada\" tidak bisa digabung dengan pilihan lain.",
            "Apa kendala Anda?",
        ],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "multi: an exclusive option alone is fine",
        inputs: &["/mulai", "ya", "2", "Unlam", "tidak ada"],
        expect: &["Berapa umur Anda?"],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "multi: two options, typed",
        inputs: &["/mulai", "ya", "2", "Unlam", "1 dan 2"],
        expect: &["Berapa umur Anda?"],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "1;2"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "multi: exclusive with another by button is rejected too",
        inputs: &["/mulai", "ya", "2", "Unlam", "btn:kendala=2,3"],
        expect: &["tidak bisa digabung"],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kerja", "2")],
        status: Answering,
    },
    // --- buttons ------------------------------------------------------------------------------
    Case {
        name: "a fresh button answers",
        inputs: &["/mulai", "ya", "btn:kerja=2"],
        expect: &["Di kampus mana Anda kuliah?"],
        expect_not: &[],
        answers: &[("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "a stale button is rejected and the question repeated",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "btn:kerja=1"],
        expect: &[
            "Tombol itu untuk pertanyaan sebelumnya.",
            "Berapa umur Anda?",
        ],
        expect_not: &[],
        answers: &[("kampus", "Unlam"), ("kendala", "3"), ("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "a stale button of a repeat item is rejected",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "/lewati",
            "PT Maju",
            "Toko A",
            "btn:job#1=Toko C",
        ],
        expect: &[
            "Tombol itu untuk pertanyaan sebelumnya.",
            "Ada pekerjaan lain",
        ],
        expect_not: &[],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kerja", "1"),
        ],
        status: Answering,
    },
    // --- piping -------------------------------------------------------------------------------
    Case {
        name: "piping the name and a money answer",
        inputs: &["/mulai", "ya", "1", "3,5 juta"],
        expect: &["Siti, di mana Anda bekerja dengan gaji Rp3.500.000?"],
        expect_not: &[],
        answers: &[("gaji", "3500000"), ("kerja", "1")],
        status: Answering,
    },
    Case {
        name: "piping an option label in the respondent's language",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "25", "/bahasa en"],
        expect: &["Are you happy with what you do (Studying)?"],
        expect_not: &[],
        answers: &[
            ("kampus", "Unlam"),
            ("kendala", "3"),
            ("kerja", "2"),
            ("umur", "25"),
        ],
        status: Answering,
    },
    // --- closing day --------------------------------------------------------------------------
    Case {
        name: "still open on the closing day, 23:59 WIB",
        inputs: &["/mulai", "ya", "@2026-06-30T16:59:00Z", "2"],
        expect: &["Di kampus mana"],
        expect_not: &["ditutup"],
        answers: &[("kerja", "2")],
        status: Answering,
    },
    Case {
        name: "expired after the closing day (00:00 WIB the day after)",
        inputs: &["/mulai", "ya", "@2026-06-30T17:00:00Z", "2"],
        expect: &["Maaf, survei ini sudah ditutup."],
        expect_not: &["Di kampus mana"],
        answers: &[],
        status: Expired,
    },
    Case {
        name: "an expired session stays expired, even for /mulai",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "@2026-07-02T00:00:00Z",
            "/ringkasan",
            "/mulai",
        ],
        expect: &["sudah ditutup"],
        expect_not: &["Pertanyaan"],
        answers: &[("kerja", "1")],
        status: Expired,
    },
    Case {
        name: "a new respondent after the closing day",
        inputs: &["@2026-08-01T00:00:00Z", "/mulai"],
        expect: &["sudah ditutup"],
        expect_not: &["Persetujuan"],
        answers: &[],
        status: Expired,
    },
    // --- completion and summary ---------------------------------------------------------------
    Case {
        // The flow's outro closes; the bot only adds that the answers are saved (it used to
        // thank a second time after an outro that already thanks).
        name: "completion: the outro, then that the answers are saved",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "25", "ya"],
        expect: &[
            "Sampai jumpa, Siti.",
            "Jawaban Anda sudah tersimpan.",
            "/ringkasan",
        ],
        expect_not: &["Terima kasih"],
        answers: &[
            ("kampus", "Unlam"),
            ("kendala", "3"),
            ("kerja", "2"),
            ("puas", "1"),
            ("umur", "25"),
        ],
        status: Completed,
    },
    Case {
        name: "completion: /ringkasan lists the answers in order",
        inputs: &[
            "/mulai",
            "ya",
            "2",
            "Unlam",
            "1, 2",
            "25",
            "ya",
            "/ringkasan",
        ],
        expect: &["Ringkasan jawaban Anda:\n\
             • Apa kegiatan Anda sekarang? Kuliah\n\
             • Di kampus mana Anda kuliah? Unlam\n\
             • Apa kendala Anda? Biaya, Jarak\n\
             • Berapa umur Anda? 25 tahun\n\
             • Apakah Anda puas dengan kegiatan Anda (Kuliah)? Ya"],
        expect_not: &[],
        answers: &[
            ("kampus", "Unlam"),
            ("kendala", "1;2"),
            ("kerja", "2"),
            ("puas", "1"),
            ("umur", "25"),
        ],
        status: Completed,
    },
    Case {
        name: "completion: a skipped answer in the summary, work branch",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "/lewati",
            "PT Maju",
            "Toko A",
            "tidak",
            "3",
            "30",
            "tidak",
            "/ringkasan",
        ],
        expect: &[
            "• Berapa gaji Anda per bulan? (dilewati)",
            "• Pekerjaan ke-1? Toko A",
            "• Apakah Anda puas dengan kegiatan Anda (Bekerja)? Tidak",
        ],
        expect_not: &["Ada pekerjaan lain"],
        answers: &[
            ("gaji", ""),
            ("job_1", "Toko A"),
            ("kantor", "PT Maju"),
            ("kendala", "3"),
            ("kerja", "1"),
            ("puas", "0"),
            ("umur", "30"),
        ],
        status: Completed,
    },
    Case {
        name: "completion: more messages get the already-completed note",
        inputs: &["/mulai", "ya", "2", "Unlam", "3", "25", "ya", "halo"],
        expect: &["Anda sudah menyelesaikan survei ini."],
        expect_not: &[],
        answers: &[
            ("kampus", "Unlam"),
            ("kendala", "3"),
            ("kerja", "2"),
            ("puas", "1"),
            ("umur", "25"),
        ],
        status: Completed,
    },
    Case {
        name: "/ringkasan before any answer",
        inputs: &["/mulai", "ya", "/ringkasan"],
        expect: &["Belum ada jawaban.", "Apa kegiatan Anda sekarang?"],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    // --- other commands -----------------------------------------------------------------------
    Case {
        name: "unknown command",
        inputs: &["/mulai", "ya", "/xyz"],
        expect: &[
            "Perintah /xyz tidak dikenal.",
            "Apa kegiatan Anda sekarang?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "/bantuan lists the commands and repeats the question",
        inputs: &["/mulai", "ya", "/bantuan"],
        expect: &[
            "Perintah yang bisa dipakai:",
            "/kembali",
            "Apa kegiatan Anda sekarang?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
];

/// What issue 13 asks of answers typed the way Indonesians type them: choices by their words,
/// aliases, numeric codes next to shown numbers, a long list, yes/no by echo with national
/// codes, months written in years, a month-precision date, a date bound relative to today and
/// a pattern. The clock is 2026-03-01 (see `converse`).
const NATIONAL: &str = r#"
flow:
  id: nasional
  version: 1
  title: { id: "Nasional", en: "National" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: utama
    title: { id: "Utama", en: "Main" }
    questions:
      - code: f8
        type: single
        text: { id: "Apa kegiatan utama Anda?", en: "What is your main activity?" }
        options:
          - { code: "1", label: { id: "Bekerja", en: "Working" } }
          - { code: "3", label: { id: "Wirausaha", en: "Self-employed" } }
          - { code: "4", label: { id: "Melanjutkan studi", en: "Continuing my studies" } }
          - { code: "5", label: { id: "Mencari kerja", en: "Looking for work" } }
          - { code: "2", label: { id: "Belum bekerja", en: "Not working yet" } }
      - code: f5a1
        type: single
        text: { id: "Di provinsi mana?", en: "Which province?" }
        options:
          - { code: "11", label: { id: "Aceh", en: "Aceh" } }
          - { code: "12", label: { id: "Sumatera Utara", en: "North Sumatra" }, aliases: [Sumut] }
          - { code: "13", label: { id: "Sumatera Barat", en: "West Sumatra" }, aliases: [Sumbar] }
          - { code: "31", label: { id: "DKI Jakarta", en: "Jakarta" }, aliases: [DKI] }
          - { code: "32", label: { id: "Jawa Barat", en: "West Java" }, aliases: [Jabar] }
          - { code: "33", label: { id: "Jawa Tengah", en: "Central Java" }, aliases: [Jateng] }
          - { code: "34", label: { id: "DI Yogyakarta", en: "Yogyakarta" }, aliases: [Jogja, Yogya, DIY] }
          - { code: "35", label: { id: "Jawa Timur", en: "East Java" }, aliases: [Jatim] }
          - { code: "63", label: { id: "Kalimantan Selatan", en: "South Kalimantan" }, aliases: [Kalsel] }
          - { code: "5", label: { id: "Papua Selatan", en: "South Papua" } }
      - code: f504
        type: yesno
        codes: { yes: 1, no: 2 }
        text: { id: "Apakah Anda pernah melamar kerja?", en: "Have you ever applied for a job?" }
      - code: f502
        type: integer
        time_unit: months
        min: 0
        max: 60
        unit: { id: "bulan", en: "months" }
        text: { id: "Berapa bulan sampai Anda mendapat kerja?", en: "How many months until you got work?" }
      - code: f18d
        type: date
        precision: month
        not_after: today
        text: { id: "Kapan Anda mulai kuliah?", en: "When did you start studying?" }
      - code: nik
        type: text
        pattern: "[0-9]{16}"
        pattern_message: { id: "NIK terdiri dari 16 angka, seperti di KTP.", en: "A NIK has 16 digits, as on the ID card." }
        text: { id: "Berapa NIK Anda?", en: "What is your NIK?" }
      - repeat: tempat
        max: 3
        more: { id: "Apakah ada tempat kerja lain?", en: "Is there another workplace?" }
        questions:
          - code: tempat_nama
            type: text
            text: { id: "Tempat kerja ke-{ $iteration }?", en: "Workplace no. { $iteration }?" }
      - code: f4
        type: multi
        text: { id: "Bagaimana Anda mencari kerja?", en: "How did you look for work?" }
        options:
          - { code: "1", export: f401, label: { id: "Iklan", en: "Adverts" } }
          - { code: "2", export: f402, label: { id: "Bursa kerja", en: "Job fair" } }
          - { code: "3", export: f403, label: { id: "Relasi", en: "Contacts" } }
"#;

/// Inputs that reach a question of [`NATIONAL`] are spelled out in each case.
const NATIONAL_CASES: &[Case] = &[
    Case {
        name: "a word of a label picks the option",
        inputs: &["/mulai", "ya", "lagi nyari kerja"],
        expect: &["Di provinsi mana?"],
        expect_not: &[],
        answers: &[("f8", "5")],
        status: Answering,
    },
    Case {
        name: "a shipped synonym picks the option",
        inputs: &["/mulai", "ya", "lanjut kuliah"],
        expect: &["Di provinsi mana?"],
        expect_not: &[],
        answers: &[("f8", "4")],
        status: Answering,
    },
    Case {
        name: "wiraswasta is wirausaha",
        inputs: &["/mulai", "ya", "wiraswasta"],
        expect: &["Di provinsi mana?"],
        expect_not: &[],
        answers: &[("f8", "3")],
        status: Answering,
    },
    Case {
        name: "a miss says what would work",
        inputs: &["/mulai", "ya", "pabrik"],
        expect: &[
            "Balas dengan nomor 1 sampai 5.",
            "Boleh juga tulis namanya atau sebagian, misalnya «Bekerja».",
            "Apa kegiatan utama Anda?",
        ],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "a number shown next to one option and the code of another is asked about",
        inputs: &["/mulai", "ya", "2"],
        expect: &[
            "Nomor 2 bisa berarti dua pilihan: «Wirausaha» (nomor 2 di daftar) atau «Belum bekerja» (kode 2).",
        ],
        expect_not: &["Di provinsi mana?"],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "the question about a number is answered with a button",
        inputs: &["/mulai", "ya", "2", "btn:f8=2"],
        expect: &["Di provinsi mana?"],
        expect_not: &[],
        answers: &[("f8", "2")],
        status: Answering,
    },
    Case {
        name: "the question about a number is answered with the name",
        inputs: &["/mulai", "ya", "2", "wirausaha"],
        expect: &["Di provinsi mana?"],
        expect_not: &[],
        answers: &[("f8", "3")],
        status: Answering,
    },
    Case {
        name: "a number shown next to an option that is its own code is taken",
        inputs: &["/mulai", "ya", "1"],
        expect: &["Di provinsi mana?"],
        expect_not: &["bisa berarti"],
        answers: &[("f8", "1")],
        status: Answering,
    },
    Case {
        name: "an alias picks a province",
        inputs: &["/mulai", "ya", "1", "Jatim"],
        expect: &["pernah melamar kerja"],
        expect_not: &[],
        answers: &[("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "a BPS code beyond the shown numbers is that province",
        inputs: &["/mulai", "ya", "1", "35"],
        expect: &["pernah melamar kerja"],
        expect_not: &[],
        answers: &[("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "kode says the number is a code",
        inputs: &["/mulai", "ya", "1", "kode 5"],
        expect: &["pernah melamar kerja"],
        expect_not: &[],
        answers: &[("f5a1", "5"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "a miss in a long list does not send the list again",
        inputs: &["/mulai", "ya", "1", "Bali"],
        expect: &["Balas dengan nomor 1 sampai 10.", "misalnya «Aceh»"],
        expect_not: &["Di provinsi mana?", "1. Aceh", "Jawa Timur"],
        answers: &[("f8", "1")],
        status: Answering,
    },
    Case {
        name: "pernah answers a question that asks pernah",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah"],
        expect: &["Berapa bulan sampai"],
        expect_not: &[],
        answers: &[("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "belum pernah answers no",
        inputs: &["/mulai", "ya", "1", "Jatim", "belum pernah"],
        expect: &["Berapa bulan sampai"],
        expect_not: &[],
        answers: &[("f504", "0"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "1 tahun in a months question is 12 months",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "1 tahun"],
        expect: &["Kapan Anda mulai kuliah?"],
        expect_not: &[],
        answers: &[("f502", "12"), ("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "2,5 thn is 30 months",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "2,5 thn"],
        expect: &["Kapan Anda mulai kuliah?"],
        expect_not: &[],
        answers: &[("f502", "30"), ("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "setahun is 12 months",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "setahun"],
        expect: &["Kapan Anda mulai kuliah?"],
        expect_not: &[],
        answers: &[("f502", "12"), ("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "6 years is above the months maximum",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "6 tahun"],
        expect: &["paling banyak 60"],
        expect_not: &[],
        answers: &[("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "a date question with month precision takes September 2024",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "Jatim",
            "pernah",
            "6",
            "September 2024",
        ],
        expect: &["Berapa NIK Anda?"],
        expect_not: &[],
        answers: &[
            ("f18d", "2024-09"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "a start month in the future is refused",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "6", "agustus 2027"],
        expect: &["paling lambat Maret 2026", "Kapan Anda mulai kuliah?"],
        expect_not: &["Berapa NIK"],
        answers: &[("f502", "6"), ("f504", "1"), ("f5a1", "35"), ("f8", "1")],
        status: Answering,
    },
    Case {
        name: "this month is not in the future",
        inputs: &["/mulai", "ya", "1", "Jatim", "pernah", "6", "maret 2026"],
        expect: &["Berapa NIK Anda?"],
        expect_not: &[],
        answers: &[
            ("f18d", "2026-03"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "a 16-letter NIK is refused with the author's message",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "Jatim",
            "pernah",
            "6",
            "maret 2026",
            "abcdefghijklmnop",
        ],
        expect: &[
            "NIK terdiri dari 16 angka, seperti di KTP.",
            "Berapa NIK Anda?",
        ],
        expect_not: &[],
        answers: &[
            ("f18d", "2026-03"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "a NIK written in groups is kept as its digits",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "Jatim",
            "pernah",
            "6",
            "maret 2026",
            "3171 0123 4567 8901",
        ],
        expect: &["Tempat kerja ke-1?"],
        expect_not: &[],
        answers: &[
            ("f18d", "2026-03"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
            ("nik", "3171012345678901"),
        ],
        status: Answering,
    },
    Case {
        name: "ada answers a more question that asks ada",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "Jatim",
            "pernah",
            "6",
            "maret 2026",
            "3171012345678901",
            "Toko A",
            "ada",
        ],
        expect: &["Tempat kerja ke-2?"],
        expect_not: &[],
        answers: &[
            ("f18d", "2026-03"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
            ("nik", "3171012345678901"),
            ("tempat_nama_1", "Toko A"),
        ],
        status: Answering,
    },
    Case {
        name: "tidak ada ends the repeat group",
        inputs: &[
            "/mulai",
            "ya",
            "1",
            "Jatim",
            "pernah",
            "6",
            "maret 2026",
            "3171012345678901",
            "Toko A",
            "tidak ada",
        ],
        expect: &["Bagaimana Anda mencari kerja?"],
        expect_not: &[],
        answers: &[
            ("f18d", "2026-03"),
            ("f502", "6"),
            ("f504", "1"),
            ("f5a1", "35"),
            ("f8", "1"),
            ("nik", "3171012345678901"),
            ("tempat_nama_1", "Toko A"),
        ],
        status: Answering,
    },
];

/// Computed values, bounds and conditions that refer to earlier answers, soft checks.
const COMPUTED: &str = r#"
flow:
  id: hitung
  version: 1
  title: { id: "Hitung", en: "Compute" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: utama
    title: { id: "Utama", en: "Main" }
    questions:
      - code: lulus
        type: month_year
        text: { id: "Bulan apa Anda lulus?", en: "When did you graduate?" }
      - code: mulai
        type: month_year
        text: { id: "Bulan apa Anda mulai bekerja?", en: "When did you start work?" }
      - code: tunggu
        compute: "months_between(lulus, mulai)"
        unit: { id: "bulan", en: "months" }
      - code: f6
        type: integer
        optional: true
        text: { id: "Berapa lamaran yang Anda kirim?", en: "How many applications?" }
      - code: f7
        type: integer
        min: 0
        max: { answer: f6 }
        text: { id: "Berapa yang memanggil wawancara?", en: "How many interviews?" }
      - code: cepat
        type: yesno
        when: { answer: tunggu, lte: 6 }
        text: { id: "Apakah Anda senang mendapat kerja dalam { $tunggu }?", en: "Were you glad to find work within { $tunggu }?" }
      - code: semua
        type: yesno
        when: { answer: f7, eq: { answer: f6 } }
        text: { id: "Apakah semua lamaran dipanggil wawancara?", en: "Did every application get an interview?" }
      - code: gaji
        type: money
        soft: { min: 500000, message: { id: "Gaji sebulan biasanya paling sedikit Rp500.000.", en: "A monthly pay is usually at least Rp500,000." } }
        text: { id: "Berapa gaji Anda per bulan?", en: "What is your monthly pay?" }
"#;

const COMPUTED_CASES: &[Case] = &[
    Case {
        name: "months between two answers are piped and tested",
        inputs: &["/mulai", "ya", "agustus 2024", "februari 2025", "12", "5"],
        expect: &["Apakah Anda senang mendapat kerja dalam 6 bulan?"],
        expect_not: &[],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
        ],
        status: Answering,
    },
    Case {
        name: "a longer wait: the condition on the computed value does not hold",
        inputs: &["/mulai", "ya", "agustus 2024", "agustus 2025", "12", "5"],
        expect: &["Berapa gaji Anda per bulan?"],
        expect_not: &["senang"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-08"),
            ("f6", "12"),
            ("f7", "5"),
        ],
        status: Answering,
    },
    Case {
        name: "a bound from an earlier answer refuses a larger number, saying it",
        inputs: &["/mulai", "ya", "agustus 2024", "februari 2025", "12", "15"],
        expect: &[
            "Menurut jawaban Anda sebelumnya, angkanya paling banyak 12.",
            "Berapa yang memanggil wawancara?",
        ],
        expect_not: &[],
        answers: &[("lulus", "2024-08"), ("mulai", "2025-02"), ("f6", "12")],
        status: Answering,
    },
    Case {
        name: "a bound whose answer was skipped is not applied",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "/lewati",
            "15",
        ],
        expect: &["Apakah Anda senang mendapat kerja dalam 6 bulan?"],
        expect_not: &["paling banyak"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", ""),
            ("f7", "15"),
        ],
        status: Answering,
    },
    Case {
        name: "a condition comparing two answers",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "12",
            "ya",
        ],
        expect: &["Apakah semua lamaran dipanggil wawancara?"],
        expect_not: &[],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "12"),
            ("cepat", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "an implausible value asks are you sure, with the author's reason",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4",
        ],
        expect: &[
            "Rp4",
            "yakin?",
            "Gaji sebulan biasanya paling sedikit Rp500.000.",
            "Balas *ya*",
        ],
        expect_not: &["Terima kasih"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "yes keeps the implausible value",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4",
            "ya",
        ],
        expect: &[],
        expect_not: &["yakin?"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
            ("gaji", "4"),
        ],
        status: Completed,
    },
    Case {
        name: "yes by button keeps it too",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4",
            "btn:@unsure=yes",
        ],
        expect: &[],
        expect_not: &["yakin?"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
            ("gaji", "4"),
        ],
        status: Completed,
    },
    Case {
        name: "anything else after are you sure is a new answer",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4",
            "4500000",
        ],
        expect: &[],
        expect_not: &["yakin?"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
            ("gaji", "4500000"),
        ],
        status: Completed,
    },
    Case {
        name: "no after are you sure asks again",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4",
            "tidak",
        ],
        expect: &[
            "Baik, silakan tulis jawaban yang benar.",
            "Berapa gaji Anda per bulan?",
        ],
        expect_not: &[],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
        ],
        status: Answering,
    },
    Case {
        name: "changing an input with /ubah recomputes: the condition on it no longer holds",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4500000",
            "/ubah 2",
            "agustus 2025",
        ],
        expect: &[],
        expect_not: &["senang"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-08"),
            ("f6", "12"),
            ("f7", "5"),
            ("gaji", "4500000"),
        ],
        status: Completed,
    },
    Case {
        name: "an implausible change through /ubah asks are you sure too",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4500000",
            "/ubah 6",
            "4",
        ],
        expect: &["Rp4", "yakin?"],
        expect_not: &[],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
            ("gaji", "4500000"),
        ],
        status: Completed,
    },
    Case {
        name: "and yes stores the change",
        inputs: &[
            "/mulai",
            "ya",
            "agustus 2024",
            "februari 2025",
            "12",
            "5",
            "ya",
            "4500000",
            "/ubah 6",
            "4",
            "ya",
        ],
        expect: &[],
        expect_not: &["yakin?"],
        answers: &[
            ("lulus", "2024-08"),
            ("mulai", "2025-02"),
            ("f6", "12"),
            ("f7", "5"),
            ("cepat", "1"),
            ("gaji", "4"),
        ],
        status: Completed,
    },
];

#[test]
fn computed_conversations() {
    let flow = flow(COMPUTED);
    let failures: Vec<String> = COMPUTED_CASES
        .iter()
        .filter_map(|c| check(&flow, c).err().map(|e| format!("## {}\n{e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        COMPUTED_CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn national_conversations() {
    let flow = flow(NATIONAL);
    let failures: Vec<String> = NATIONAL_CASES
        .iter()
        .filter_map(|c| check(&flow, c).err().map(|e| format!("## {}\n{e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        NATIONAL_CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn national_case_names_are_unique() {
    let mut names: Vec<&str> = NATIONAL_CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

/// The two options a typed number could mean come back as buttons of the question's own
/// prompt, so a press answers the question; a text-only channel gets no numbered list
/// (a number would be ambiguous again).
#[test]
fn the_question_about_a_number_offers_the_two_options_as_buttons() {
    let out = converse(&flow(NATIONAL), &["/mulai", "ya", "2"]).expect("conversation");
    let prompt = out
        .replies
        .last()
        .and_then(|r| r.prompt.clone())
        .expect("a prompt");
    assert_eq!(prompt.id, "f8");
    assert!(!prompt.numbered);
    let values: Vec<&str> = prompt.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["3", "2"]);
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad time {s}: {e}"))
        .with_timezone(&Utc)
}

fn input(s: &str) -> Input {
    match s.strip_prefix("btn:") {
        Some(b) => {
            let (prompt, value) = b.split_once('=').expect("btn:PROMPT=VALUE");
            Input::Button {
                prompt: prompt.into(),
                value: value.into(),
            }
        }
        None => Input::Text(s.into()),
    }
}

fn flow(src: &str) -> Flow {
    compile(src).unwrap_or_else(|d| panic!("test flow does not compile: {d:?}"))
}

/// Runs the inputs, checking the invariants at every step; returns the last outcome.
fn converse(flow: &Flow, inputs: &[&str]) -> Result<Outcome, String> {
    let catalog = Catalog::embedded().expect("catalog");
    let respondent = RespondentFields {
        name: Some("Siti".into()),
        cohort: Some("2024".into()),
        ..Default::default()
    };
    let cx = Context {
        flow,
        catalog: &catalog,
        respondent: &respondent,
    };
    let mut now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let mut state = SessionState::invited(Lang::Id);
    let mut store: BTreeMap<AnswerKey, Answer> = BTreeMap::new();
    let mut last = None;
    for (n, raw) in inputs.iter().enumerate() {
        if let Some(t) = raw.strip_prefix('@') {
            now = time(t);
            continue;
        }
        let out = step(&cx, state, &input(raw), now);
        let at = format!("step {n} ({raw:?})");
        if !out.state.is_valid(flow.items.len(), flow.groups.len()) {
            return Err(format!("{at}: invalid state {:?}", out.state));
        }
        for c in &out.answers {
            match c {
                AnswerChange::Set { key, raw, value } => {
                    store.insert(
                        key.clone(),
                        Answer {
                            raw: raw.clone(),
                            value: value.clone(),
                        },
                    );
                }
                AnswerChange::Retract { key } => {
                    store.remove(key);
                }
                AnswerChange::RetractAll
                | AnswerChange::EraseAll
                | AnswerChange::EraseRespondent => store.clear(),
            }
        }
        if store != out.state.answers {
            return Err(format!(
                "{at}: replayed changes {store:?} != answers {:?}",
                out.state.answers
            ));
        }
        if out.replies.is_empty() {
            return Err(format!("{at}: no reply"));
        }
        state = out.state.clone();
        last = Some(out);
    }
    last.ok_or_else(|| "no inputs".to_string())
}

fn check(flow: &Flow, c: &Case) -> Result<(), String> {
    let out = converse(flow, c.inputs)?;
    let said = out
        .replies
        .iter()
        .map(|r| r.plain())
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems = Vec::new();
    for e in c.expect {
        if !said.contains(e) {
            problems.push(format!("missing {e:?}"));
        }
    }
    for e in c.expect_not {
        if said.contains(e) {
            problems.push(format!("unexpected {e:?}"));
        }
    }
    let got: BTreeMap<String, String> = out
        .state
        .answers
        .iter()
        .map(|(k, a)| (k.column(), a.value.export()))
        .collect();
    let want: BTreeMap<String, String> = c
        .answers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if got != want {
        problems.push(format!("answers {got:?}, expected {want:?}"));
    }
    if out.state.status != c.status {
        problems.push(format!(
            "status {:?}, expected {:?}",
            out.state.status, c.status
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n--- last replies ---\n{said}",
            problems.join("\n")
        ))
    }
}

#[test]
fn conversations() {
    let flow = flow(FLOW);
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| check(&flow, c).err().map(|e| format!("## {}\n{e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

// --- known bugs: each test states the expected behaviour -------------------------------------

fn assert_case(src: &str, c: Case) {
    if let Err(e) = check(&flow(src), &c) {
        panic!("## {}\n{e}", c.name);
    }
}

#[test]

fn bug_skip_before_starting_gets_a_reply() {
    for inputs in [
        &["/lewati"][..],
        &["/mulai", "tidak", "/lewati"],
        &["/mulai", "ya", "2", "Unlam", "3", "25", "ya", "/lewati"],
    ] {
        if let Err(e) = converse(&flow(FLOW), inputs) {
            panic!("{inputs:?}: {e}");
        }
    }
}

#[test]
fn bug_stop_after_completing_then_start() {
    // Whether the fix resumes as completed or starts over, the path must stay a path.
    let inputs = [
        "/mulai",
        "ya",
        "2",
        "Unlam",
        "3",
        "25",
        "ya",
        "/berhenti",
        "ya",
        "/mulai",
        "1",
        "/ringkasan",
    ];
    let out = converse(&flow(FLOW), &inputs).unwrap_or_else(|e| panic!("{e}"));
    let summary = &out.replies[0].text;
    let lines: Vec<&str> = summary.lines().collect();
    let mut unique = lines.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        lines.len(),
        unique.len(),
        "a question is listed twice:\n{summary}"
    );
}

#[test]
fn bug_stale_button_confirms_restart() {
    assert_case(
        FLOW,
        Case {
            name: "the consent's yes button does not confirm /ulang",
            inputs: &[
                "/mulai",
                "ya",
                "1",
                "3,5 juta",
                "/ulang",
                "btn:@consent=yes",
            ],
            expect: &["Tombol itu untuk pertanyaan sebelumnya."],
            expect_not: &["kita mulai lagi dari awal"],
            answers: &[("gaji", "3500000"), ("kerja", "1")],
            status: Answering,
        },
    );
}

#[test]
fn bug_rejoin_after_closing_day() {
    assert_case(
        FLOW,
        Case {
            name: "stopped before the closing day, /mulai after it",
            inputs: &[
                "/mulai",
                "ya",
                "1",
                "/berhenti",
                "ya",
                "@2026-07-05T00:00:00Z",
                "/mulai",
            ],
            expect: &["sudah ditutup"],
            expect_not: &["Selamat datang kembali", "Berapa gaji"],
            answers: &[("kerja", "1")],
            status: Expired,
        },
    );
}

#[test]
fn bug_repeat_group_in_a_skipped_section() {
    assert_case(
        &format!("{HEAD}{GROUP_IN_SECTION}"),
        Case {
            name: "not working: the job group is passed over",
            inputs: &["/mulai", "ya", "tidak"],
            expect: &["Puas?"],
            expect_not: &["Ada pekerjaan lain?"],
            answers: &[("kerja", "0")],
            status: Answering,
        },
    );
}

#[test]
fn a_repeat_group_in_a_section_that_applies() {
    assert_case(
        &format!("{HEAD}{GROUP_IN_SECTION}"),
        Case {
            name: "working: the job group is asked",
            inputs: &["/mulai", "ya", "ya", "Toko A", "tidak"],
            expect: &["Puas?"],
            expect_not: &[],
            answers: &[("job_1", "Toko A"), ("kerja", "1")],
            status: Answering,
        },
    );
}

#[test]
fn bug_backward_goto_loses_answers() {
    // Fixed either by the checker refusing backward gotos or by the engine keeping a path
    // that visits a question twice consistent.
    let Ok(flow) = compile(&format!("{HEAD}{LOOP_WITH_EXIT}")) else {
        return;
    };
    let inputs = ["/mulai", "ya", "sepeda", "ya", "motor", "tidak"];
    if let Err(e) = converse(&flow, &inputs) {
        panic!("{e}");
    }
}

#[test]
fn bug_consent_headings_are_not_doubled_in_the_shipped_flows() {
    for path in ["flows/tracer-smk.yaml", "flows/tracer-pelatihan.yaml"] {
        let flow = jejak::flow::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
        for lang in ["/bahasa id", "/bahasa en"] {
            let out = converse(&flow, &[lang, "/mulai"]).unwrap_or_else(|e| panic!("{e}"));
            let text = &out.replies[0].text;
            for part in text.split("\n\n") {
                let mut words = part.split(": ");
                let (Some(head), Some(next)) = (words.next(), words.next()) else {
                    continue;
                };
                assert!(
                    !next.starts_with(head),
                    "{path} ({lang}): heading repeated in {part:?}"
                );
            }
        }
    }
}

// --- the chat as a newcomer meets it: said once, in the fewest words -----------------------

/// An optional question that says itself when to skip, one that does not, a choice of two,
/// a money question with its example in the text.
const NEWCOMER: &str = r#"
  - id: satu
    title: { id: "Satu", en: "One" }
    questions:
      - code: dua
        type: single
        text: { id: "Pilih satu?", en: "Pick one?" }
        options:
          - { code: "1", label: { id: "A", en: "A" } }
          - { code: "2", label: { id: "B", en: "B" } }
      - code: gaji
        type: money
        text: { id: "Berapa gaji Anda? Contoh: 3,5 juta", en: "Your pay? For example: 3500000" }
      - code: surel
        type: email
        optional: true
        text: { id: "Alamat email Anda? Ketik /lewati jika tidak ada.", en: "Your email? Type /skip if none." }
      - code: saran
        type: text
        optional: true
        text: { id: "Ada saran?", en: "Any advice?" }
"#;

fn said(flow_src: &str, inputs: &[&str]) -> String {
    let out = converse(&flow(flow_src), inputs).unwrap_or_else(|e| panic!("{e}"));
    out.replies
        .iter()
        .map(|r| r.plain())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_question_that_says_how_to_skip_gets_no_second_skip_hint() {
    let src = format!("{HEAD}{NEWCOMER}");
    let asked = said(&src, &["/mulai", "ya", "1", "5 juta"]);
    assert!(asked.contains("Alamat email Anda?"), "{asked}");
    assert_eq!(asked.matches("/lewati").count(), 1, "{asked}");
    assert!(!asked.contains("Boleh dilewati"), "{asked}");
    let en = said(&src, &["/bahasa en", "/mulai", "yes", "1", "5 juta"]);
    assert_eq!(en.matches("/skip").count(), 1, "{en}");
    // A question that does not say it still gets the bot's line.
    let asked = said(&src, &["/mulai", "ya", "1", "5 juta", "/lewati"]);
    assert!(asked.contains("Ada saran?"), "{asked}");
    assert!(asked.contains("(Boleh dilewati: ketik /lewati)"), "{asked}");
}

#[test]
fn two_choices_are_one_or_two() {
    let src = format!("{HEAD}{NEWCOMER}");
    let reply = said(&src, &["/mulai", "ya", "3"]);
    assert!(reply.contains("Balas dengan nomor 1 atau 2."), "{reply}");
    assert!(!reply.contains("sampai"), "{reply}");
    let reply = said(&src, &["/bahasa en", "/mulai", "yes", "3"]);
    assert!(reply.contains("Reply with 1 or 2."), "{reply}");
}

#[test]
fn the_summary_keeps_examples_out_of_the_answers() {
    let src = format!("{HEAD}{NEWCOMER}");
    let summary = said(&src, &["/mulai", "ya", "2", "5 juta", "/ringkasan"]);
    assert!(
        summary.contains("• Berapa gaji Anda? Rp5.000.000"),
        "{summary}"
    );
    assert!(!summary.contains("Contoh: 3,5 juta Rp"), "{summary}");
}

#[test]
fn the_end_says_thank_you_once() {
    let inputs = ["/mulai", "ya", "1", "5 juta", "/lewati", "/lewati"];
    // Without an outro the bot thanks, by name.
    let plain = said(&format!("{HEAD}{NEWCOMER}"), &inputs);
    assert_eq!(plain.matches("Terima kasih").count(), 1, "{plain}");
    assert!(plain.contains("Terima kasih, Siti!"), "{plain}");
    // With an outro that thanks, the bot does not thank again.
    let head = HEAD.replace(
        "sections:",
        "  outro: { id: \"Terima kasih banyak, { $name }!\", en: \"Thank you, { $name }!\" }\nsections:",
    );
    let outro = said(&format!("{head}{NEWCOMER}"), &inputs);
    assert_eq!(outro.matches("Terima kasih").count(), 1, "{outro}");
    assert!(outro.contains("Terima kasih banyak, Siti!"), "{outro}");
    assert!(outro.contains("Jawaban Anda sudah tersimpan."), "{outro}");
}

/// Every question of the shipped flows, as asked in both languages: the skip hint, the
/// multiple-choice hint and an example of the answer each appear at most once, whether the
/// flow's text or the bot's hint says it.
#[test]
fn the_shipped_flows_say_each_hint_once() {
    use jejak::engine::{Position, render};
    let catalog = Catalog::embedded().expect("catalog");
    let respondent = RespondentFields {
        name: Some("Siti".into()),
        school: Some("SMKN 1 Contoh".into()),
        ..Default::default()
    };
    for path in ["flows/tracer-smk.yaml", "flows/tracer-pelatihan.yaml"] {
        let flow = jejak::flow::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
        let cx = Context {
            flow: &flow,
            catalog: &catalog,
            respondent: &respondent,
        };
        for lang in [Lang::Id, Lang::En] {
            let st = SessionState::invited(lang);
            for (item, q) in flow.items.iter().enumerate() {
                let iteration = u32::from(q.group.is_some());
                let text = render::ask(&cx, &st, Position::Question { item, iteration }).text;
                let lower = text.to_lowercase();
                let count = |words: &[&str]| {
                    words
                        .iter()
                        .map(|w| lower.matches(w).count())
                        .sum::<usize>()
                };
                let at = format!("{path} {} ({lang:?}):\n{text}", q.code);
                assert!(count(&["/lewati", "/skip"]) <= 1, "skip hint twice in {at}");
                assert!(
                    count(&["lebih dari satu", "more than one"]) <= 1,
                    "multiple-choice hint twice in {at}"
                );
                assert!(
                    count(&["contoh:", "misalnya", "for example", "e.g."]) <= 1,
                    "two examples in {at}"
                );
            }
        }
    }
}

/// Issue 13: the words alumni used for the shipped SMK flow's options, refused before.
#[test]
fn the_shipped_smk_flow_understands_everyday_words() {
    let flow = jejak::flow::load(std::path::Path::new("flows/tracer-smk.yaml")).expect("loads");
    let answer = |inputs: &[&str], code: &str| {
        let out = converse(&flow, inputs).unwrap_or_else(|e| panic!("{inputs:?}: {e}"));
        out.state
            .answers
            .iter()
            .find(|(k, _)| k.code == code)
            .map(|(_, a)| a.value.export())
    };
    for (word, want) in [
        ("kuliah", "4"),
        ("lanjut kuliah", "4"),
        ("studi", "4"),
        ("wiraswasta", "3"),
        ("lagi nyari kerja", "5"),
        ("kerja", "1"),
        ("karyawan", "1"),
        ("belum kerja", "2"),
    ] {
        let got = answer(&["/mulai", "ya", word], "f8");
        assert_eq!(got.as_deref(), Some(want), "f8 {word:?}");
    }
    for (word, want) in [
        ("swasta", "3"),
        ("pemerintah", "1"),
        ("PNS", "1"),
        ("bumn", "6"),
    ] {
        let got = answer(&["/mulai", "ya", "1", "iya", "2 bulan", word], "f1101");
        assert_eq!(got.as_deref(), Some(want), "f1101 {word:?}");
    }
    // "1 tahun" in the months question is 12 months; f504's answer exports as 1.
    let got = answer(&["/mulai", "ya", "1", "iya", "1 tahun"], "f502");
    assert_eq!(got.as_deref(), Some("12"));
}

// --- grids and section intros (issue 13) ------------------------------------------------------

/// A competency grid of two rows on two scales, after a section intro; an optional grid on
/// one scale (buttons); a closing question.
const GRID: &str = r#"
flow:
  id: kisi
  version: 1
  title: { id: "Kisi", en: "Grid" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: awal
    title: { id: "Awal", en: "Start" }
    questions:
      - code: nama
        type: text
        text: { id: "Siapa nama panggilan Anda?", en: "What do people call you?" }
  - id: kompetensi
    title: { id: "Kompetensi", en: "Competencies" }
    intro:
      id: "A = saat Anda lulus, B = yang dibutuhkan di pekerjaan."
      en: "A = when you graduated, B = needed at work."
    questions:
      - code: f17
        type: grid
        text: { id: "Nilai kompetensi berikut (A lalu B):", en: "Rate this competency (A then B):" }
        scales:
          - label: { id: "A saat lulus", en: "A at graduation" }
            from: 1
            to: 5
            low: { id: "sangat rendah", en: "very low" }
            high: { id: "sangat tinggi", en: "very high" }
          - { label: { id: "B di pekerjaan", en: "B at work" }, from: 1, to: 5 }
        rows:
          - { code: f17_etika, label: { id: "Etika", en: "Ethics" }, export: [f1761, f1762] }
          - { code: f17_ahli, label: { id: "Keahlian", en: "Expertise" }, export: [f1763, f1764] }
      - code: f21
        type: grid
        optional: true
        text: { id: "Seberapa besar penekanan pada metode ini?", en: "How much emphasis on this method?" }
        scales:
          - label: { id: "Penekanan", en: "Emphasis" }
            from: 1
            to: 5
            low: { id: "sangat kecil", en: "very little" }
            high: { id: "sangat besar", en: "very much" }
        rows:
          - { code: f21_kuliah, label: { id: "Perkuliahan", en: "Lectures" } }
  - id: akhir
    title: { id: "Akhir", en: "End" }
    questions:
      - code: puas
        type: yesno
        text: { id: "Apakah Anda puas?", en: "Are you satisfied?" }
"#;

const GRID_CASES: &[Case] = &[
    Case {
        name: "the first row comes after the section title and intro, with the scales",
        inputs: &["/mulai", "ya", "Siti"],
        expect: &[
            "Pertanyaan 2 dari 5",
            "*Kompetensi*",
            "A = saat Anda lulus, B = yang dibutuhkan di pekerjaan.",
            "Nilai kompetensi berikut (A lalu B):\n*Etika*",
            "Balas dengan 2 angka sekaligus, berurutan: A saat lulus (1–5), B di pekerjaan (1–5). Misalnya «4 5».",
            "1 = sangat rendah … 5 = sangat tinggi",
        ],
        expect_not: &["Keahlian"],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "two numbers answer a row; the next row has no intro",
        inputs: &["/mulai", "ya", "Siti", "4 5"],
        expect: &["Pertanyaan 3 dari 5", "*Keahlian*"],
        expect_not: &["A = saat Anda lulus", "*Kompetensi*"],
        answers: &[("f17_etika", "4 5"), ("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "4,5 is two ratings, not four and a half",
        inputs: &["/mulai", "ya", "Siti", "4,5"],
        expect: &["*Keahlian*"],
        expect_not: &[],
        answers: &[("f17_etika", "4 5"), ("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "4 dan 5, A4 B5 and 45 are understood",
        inputs: &["/mulai", "ya", "Siti", "4 dan 5", "A3 B2"],
        expect: &["Seberapa besar penekanan"],
        expect_not: &[],
        answers: &[("f17_ahli", "3 2"), ("f17_etika", "4 5"), ("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "one digit each: 45 is four and five",
        inputs: &["/mulai", "ya", "Siti", "45"],
        expect: &["*Keahlian*"],
        expect_not: &[],
        answers: &[("f17_etika", "4 5"), ("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "one number is refused with what to write, without the intro again",
        inputs: &["/mulai", "ya", "Siti", "4"],
        expect: &[
            "Mohon tulis 2 angka, satu untuk setiap penilaian, berurutan: A saat lulus (1–5), B di pekerjaan (1–5). Misalnya «4 5».",
            "*Etika*",
        ],
        expect_not: &["A = saat Anda lulus", "*Keahlian*"],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "a rating outside its scale is refused naming the scale",
        inputs: &["/mulai", "ya", "Siti", "4 7"],
        expect: &[
            "Angka untuk B di pekerjaan harus dari 1 sampai 5.",
            "*Etika*",
        ],
        expect_not: &["*Keahlian*"],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "back from the second row asks the first again and forgets it",
        inputs: &["/mulai", "ya", "Siti", "4 5", "/kembali"],
        expect: &["*Etika*"],
        expect_not: &["*Keahlian*"],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "a row cannot be skipped unless the grid is optional",
        inputs: &["/mulai", "ya", "Siti", "/lewati"],
        expect: &["tidak bisa dilewati", "*Etika*"],
        expect_not: &[],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "an optional one-scale grid: a button answers, a skip is kept",
        inputs: &[
            "/mulai",
            "ya",
            "Siti",
            "4 5",
            "3 3",
            "btn:f21_kuliah=4",
            "ya",
        ],
        expect: &[],
        expect_not: &[],
        answers: &[
            ("f17_ahli", "3 3"),
            ("f17_etika", "4 5"),
            ("f21_kuliah", "4"),
            ("nama", "Siti"),
            ("puas", "1"),
        ],
        status: Completed,
    },
    Case {
        name: "skipping the optional grid row",
        inputs: &["/mulai", "ya", "Siti", "4 5", "3 3", "/lewati"],
        expect: &["Apakah Anda puas?"],
        expect_not: &[],
        answers: &[
            ("f17_ahli", "3 3"),
            ("f17_etika", "4 5"),
            ("f21_kuliah", ""),
            ("nama", "Siti"),
        ],
        status: Answering,
    },
    Case {
        name: "the summary shows each row with its scales",
        inputs: &["/mulai", "ya", "Siti", "4 5", "/ringkasan"],
        expect: &["• Etika: A saat lulus 4, B di pekerjaan 5"],
        expect_not: &[],
        answers: &[("f17_etika", "4 5"), ("nama", "Siti")],
        status: Answering,
    },
    Case {
        name: "in English the scales and the intro are English",
        inputs: &["/mulai", "ya", "/bahasa", "en", "Siti"],
        expect: &[
            "A = when you graduated, B = needed at work.",
            "*Ethics*",
            "Reply with 2 numbers at once, in this order: A at graduation (1–5), B at work (1–5). For example «4 5».",
        ],
        expect_not: &[],
        answers: &[("nama", "Siti")],
        status: Answering,
    },
];

#[test]
fn grid_conversations() {
    let flow = flow(GRID);
    let failures: Vec<String> = GRID_CASES
        .iter()
        .filter_map(|c| check(&flow, c).err().map(|e| format!("## {}\n{e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        GRID_CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn grid_case_names_are_unique() {
    let mut names: Vec<&str> = GRID_CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

/// A grid row on each channel, the way choices render there: a row on two scales is typed
/// everywhere (no buttons: no platform has them for two numbers), a row on one scale gets
/// its points as buttons (Telegram keyboard, WhatsApp list like a Likert scale, web buttons)
/// and the terminal shows no numbered list; the row's label is a bold line.
#[test]
fn grid_rows_render_on_every_channel() {
    use jejak::channel::{console, telegram, web, whatsapp};
    let flow = flow(GRID);
    let catalog = Catalog::embedded().expect("catalog");
    let two = converse(&flow, &["/mulai", "ya", "Siti"]).expect("conversation");
    let one = converse(&flow, &["/mulai", "ya", "Siti", "4 5", "3 3"]).expect("conversation");
    let last = |o: &Outcome| o.replies.last().cloned().expect("a reply");
    let (two, one) = (last(&two), last(&one));

    let tg = telegram::render::Renderer::new(&flow);
    let msgs = tg.render(&two, &catalog, Lang::Id);
    assert!(msgs.iter().all(|m| m.keyboard.is_none()), "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.html.contains("<b>Etika</b>")),
        "{msgs:?}"
    );
    let msgs = tg.render(&one, &catalog, Lang::Id);
    let kb = msgs
        .last()
        .and_then(|m| m.keyboard.as_ref())
        .expect("a keyboard for one scale");
    let labels: Vec<String> = kb
        .inline_keyboard
        .iter()
        .flatten()
        .map(|b| b.text.clone())
        .collect();
    assert_eq!(labels, ["1", "2", "3", "4", "5"]);

    let wa = whatsapp::render::render(&two, "Pilih");
    assert!(
        wa.iter()
            .all(|m| matches!(m, whatsapp::render::Outgoing::Text(_))),
        "{wa:?}"
    );
    let wa = whatsapp::render::render(&one, "Pilih");
    assert!(
        matches!(wa.last(), Some(whatsapp::render::Outgoing::List { .. })),
        "{wa:?}"
    );

    let page = web::render::render(&catalog, 1, Lang::Id, &two);
    let prompt = page.prompt.expect("a prompt");
    assert!(prompt.options.is_empty() && !prompt.multi);
    assert!(
        page.lines
            .iter()
            .any(|l| l.iter().any(|s| s.b && s.t == "Etika")),
        "{:?}",
        page.lines
    );
    let page = web::render::render(&catalog, 2, Lang::Id, &one);
    let values: Vec<String> = page
        .prompt
        .expect("a prompt")
        .options
        .iter()
        .map(|o| o.value.clone())
        .collect();
    assert_eq!(values, ["1", "2", "3", "4", "5"]);

    let term = console::render(&two, false);
    assert!(
        term.contains("Etika") && term.contains("Misalnya «4 5»"),
        "{term}"
    );
    assert!(!term.contains("1. "), "{term}");
    let term = console::render(&one, false);
    assert!(!term.contains("\n1. 1"), "{term}");
}

/// Lookups: a province, its kabupaten/kota (filtered by the province, "not in the list"
/// falling back to text), an occupation (KBJI).
const LOOKUP: &str = r#"
flow:
  id: lookup
  version: 1
  title: { id: "Lookup", en: "Lookup" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: tempat
    title: { id: "Tempat kerja", en: "Workplace" }
    questions:
      - code: f5a1
        type: lookup
        list: provinces
        text: { id: "Di provinsi mana Anda bekerja?", en: "In which province do you work?" }
      - code: f5a2
        type: lookup
        list: regencies
        within: { answer: f5a1 }
        other: { code: f5a2_lain, text: { id: "Tulis nama daerahnya.", en: "Write its name." } }
        text: { id: "Di kabupaten/kota mana?", en: "In which regency or city?" }
      - code: kbji
        type: lookup
        list: kbji
        text: { id: "Apa jenis pekerjaan Anda?", en: "What kind of work do you do?" }
"#;

const LOOKUP_CASES: &[Case] = &[
    Case {
        name: "the question says to type a few letters and offers no list",
        inputs: &["/mulai", "ya"],
        expect: &[
            "Di provinsi mana Anda bekerja?",
            "Ketik beberapa huruf namanya",
        ],
        expect_not: &["1. Aceh"],
        answers: &[],
        status: Answering,
    },
    Case {
        name: "an alias is taken at once and confirmed in the next message",
        inputs: &["/mulai", "ya", "Jatim"],
        expect: &["Tercatat: Jawa Timur (35).\n\nPertanyaan 2 dari"],
        expect_not: &["pilih salah satu"],
        answers: &[("f5a1", "35")],
        status: Answering,
    },
    Case {
        name: "several matches are offered numbered and a number picks one",
        inputs: &["/mulai", "ya", "jatim", "malang", "2"],
        expect: &["Tercatat: Kota Malang (35.73)", "Apa jenis pekerjaan Anda?"],
        expect_not: &[],
        answers: &[("f5a1", "35"), ("f5a2", "35.73")],
        status: Answering,
    },
    Case {
        name: "the offer lists the matches best first",
        inputs: &["/mulai", "ya", "jatim", "malang"],
        expect: &[
            "Yang cocok dengan «malang»",
            "1. Kabupaten Malang",
            "2. Kota Malang",
        ],
        expect_not: &["Apa jenis pekerjaan Anda?"],
        answers: &[("f5a1", "35")],
        status: Answering,
    },
    Case {
        name: "a button carries the code",
        inputs: &["/mulai", "ya", "jatim", "malang", "btn:f5a2=35.07"],
        expect: &["Tercatat: Kabupaten Malang (35.07)"],
        expect_not: &[],
        answers: &[("f5a1", "35"), ("f5a2", "35.07")],
        status: Answering,
    },
    Case {
        name: "a regency of another province is not found",
        inputs: &["/mulai", "ya", "Bali", "surabaya"],
        expect: &[
            "Tidak ada yang cocok dengan «surabaya»",
            "tidak ada di daftar",
        ],
        expect_not: &["Apa jenis pekerjaan Anda?"],
        answers: &[("f5a1", "51")],
        status: Answering,
    },
    Case {
        name: "not in the list falls back to the other question",
        inputs: &["/mulai", "ya", "Bali", "tidak ada di daftar", "Nusa Penida"],
        expect: &["Apa jenis pekerjaan Anda?"],
        expect_not: &["Tercatat"],
        answers: &[
            ("f5a1", "51"),
            ("f5a2", "lainnya"),
            ("f5a2_lain", "Nusa Penida"),
        ],
        status: Answering,
    },
    Case {
        name: "not in the list asks the other question",
        inputs: &["/mulai", "ya", "Bali", "tidak ada di daftar"],
        expect: &["Tulis nama daerahnya."],
        expect_not: &["Tercatat", "Apa jenis pekerjaan Anda?"],
        answers: &[("f5a1", "51"), ("f5a2", "lainnya")],
        status: Answering,
    },
    Case {
        name: "a code without its dot is a BPS regency code",
        inputs: &["/mulai", "ya", "35", "3578"],
        expect: &["Tercatat: Kota Surabaya (35.78)"],
        expect_not: &[],
        answers: &[("f5a1", "35"), ("f5a2", "35.78")],
        status: Answering,
    },
    Case {
        name: "an occupation by its words",
        inputs: &[
            "/mulai",
            "ya",
            "DKI",
            "jakarta selatan",
            "profesional pendidikan",
        ],
        expect: &["Tercatat: Profesional Pendidikan (23)"],
        expect_not: &[],
        answers: &[("f5a1", "31"), ("f5a2", "31.74"), ("kbji", "23")],
        status: Completed,
    },
    Case {
        name: "a number that was not offered is searched as a code",
        inputs: &["/mulai", "ya", "2"],
        expect: &["Tidak ada yang cocok dengan «2»"],
        expect_not: &[],
        answers: &[],
        status: Answering,
    },
];

#[test]
fn lookup_conversations() {
    let flow = flow(LOOKUP);
    let failures: Vec<String> = LOOKUP_CASES
        .iter()
        .filter_map(|c| check(&flow, c).err().map(|e| format!("## {}\n{e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        LOOKUP_CASES.len(),
        failures.join("\n\n")
    );
}

/// The matches a lookup offers render as choices do on every channel: a WhatsApp list (at
/// most 8 rows, within its limit of 10), a Telegram keyboard, web buttons, a numbered list
/// in the terminal.
#[test]
fn lookup_offers_render_on_every_channel() {
    use jejak::channel::whatsapp;
    let flow = flow(LOOKUP);
    let o = converse(&flow, &["/mulai", "ya", "jawa"]).expect("conversation");
    let offer = o.replies.last().cloned().expect("a reply");
    let prompt = offer.prompt.clone().expect("a prompt");
    assert_eq!(
        prompt
            .options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>(),
        ["32", "33", "35"]
    );
    assert!(
        offer
            .plain()
            .contains("1. Jawa Barat\n2. Jawa Tengah\n3. Jawa Timur")
    );
    let wa = whatsapp::render::render(&offer, "Pilih");
    let json = format!("{wa:?}");
    // Three rows: a reply button each (at most 3 fit), no numbered text.
    assert!(json.contains("Jawa Timur"), "{json}");
    assert!(!json.contains("1. Jawa Barat"), "{json}");
}

/// A `refusable` question: its prompt ends with the "prefer not to say" button, the button
/// and the words decline it (stored as refused, not skipped); on a question that is not
/// refusable "rahasia" is an answer like any other.
#[test]
fn refusable_questions_take_the_button_and_the_words() {
    const SRC: &str = r#"
flow:
  id: tolak
  version: 1
  title: { id: "Tolak", en: "Refuse" }
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
      - code: kerja
        type: single
        refusable: true
        text: { id: "Status kerja?", en: "Work status?" }
        options:
          - { code: "1", label: { id: "Tetap", en: "Permanent" } }
          - { code: "2", label: { id: "Kontrak", en: "Contract" } }
      - code: gaji
        type: money
        refusable: true
        text: { id: "Gaji per bulan?", en: "Monthly pay?" }
      - code: kantor
        type: text
        text: { id: "Nama kantor?", en: "Employer?" }
"#;
    let f = flow(SRC);
    let out = converse(&f, &["/mulai", "ya"]).expect("conversation");
    let prompt = out
        .replies
        .last()
        .and_then(|r| r.prompt.clone())
        .expect("a prompt");
    let values: Vec<&str> = prompt.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["1", "2", jejak::engine::answer::REFUSE]);
    let out = converse(
        &f,
        &[
            "/mulai",
            "ya",
            "btn:kerja=@refuse",
            "Tidak mau menjawab.",
            "rahasia",
        ],
    )
    .expect("conversation");
    let value = |code: &str| {
        out.state
            .answers
            .iter()
            .find(|(k, _)| k.code == code)
            .map(|(_, a)| a.value.clone())
    };
    use jejak::model::Value;
    assert_eq!(value("kerja"), Some(Value::Refused));
    assert_eq!(value("gaji"), Some(Value::Refused));
    assert_eq!(value("kantor"), Some(Value::Text("rahasia".into())));
    assert_eq!(out.state.status, Completed);
    // A typed amount still answers a refusable question; the next one is not refusable.
    let out = converse(&f, &["/mulai", "ya", "1", "3,5 juta"]).expect("conversation");
    assert!(
        !out.replies
            .iter()
            .any(|r| r.plain().contains("ketik «rahasia»")),
        "no refusal hint on a question that is not refusable"
    );
    assert!(
        out.replies
            .iter()
            .any(|r| r.plain().contains("Nama kantor?"))
    );
}
