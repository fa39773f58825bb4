//! Properties of the pure engine over the shipped SMK flow: whatever a respondent sends, the
//! engine does not panic, keeps its state consistent and serialisable, emits answer changes
//! that reproduce its answers exactly, always says something, and is deterministic.

use chrono::{DateTime, TimeZone, Utc};
use jejak::engine::{Answer, AnswerChange, Context, Input, Outcome, Position, SessionState, step};
use jejak::flow::{Flow, Kind};
use jejak::i18n::{Catalog, Msg};
use jejak::model::{AnswerKey, Lang, RespondentFields, SessionStatus};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

struct World {
    flow: Flow,
    catalog: Catalog,
    respondent: RespondentFields,
    /// Every option label of the flow, in both languages.
    labels: Vec<String>,
    /// Every prompt id the flow can show, plus the bot's own.
    prompts: Vec<String>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let flow = jejak::flow::load(std::path::Path::new("flows/tracer-smk.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut labels = Vec::new();
        for q in &flow.items {
            for o in q.kind.options() {
                for l in &flow.languages {
                    labels.push(flow.texts.format(*l, &o.label, None));
                }
            }
        }
        let mut prompts: Vec<String> = flow.items.iter().map(|q| q.code.clone()).collect();
        for q in &flow.items {
            if q.group.is_some() {
                prompts.push(format!("{}#1", q.code));
                prompts.push(format!("{}#2", q.code));
            }
        }
        for g in &flow.groups {
            prompts.push(format!("@more:{}#1", g.id));
            prompts.push(format!("@more:{}#2", g.id));
        }
        prompts.extend(
            [
                "@consent", "@restart", "@stop", "@lang", "@keep", "@erase", "@edit", "", "f8#1",
            ]
            .map(String::from),
        );
        World {
            flow,
            catalog: Catalog::embedded().expect("catalog"),
            respondent: RespondentFields {
                name: Some("Siti Rahmawati".into()),
                cohort: Some("2024".into()),
                programme: Some("Akuntansi".into()),
                school: Some("SMKN 5 Banjarmasin".into()),
                ..Default::default()
            },
            labels,
            prompts,
        }
    })
}

fn cx(w: &World) -> Context<'_> {
    Context {
        flow: &w.flow,
        catalog: &w.catalog,
        respondent: &w.respondent,
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap()
}

/// An input as generated; resolved against the world and the last prompt shown.
#[derive(Debug, Clone)]
enum Spec {
    Text(String),
    /// The n-th option label of the flow (modulo).
    Label(usize),
    /// A button for the prompt currently shown: its n-th option (modulo), or `value`.
    CurrentButton(usize, Option<String>),
    /// A button for some prompt id of the flow (often stale), with a value.
    Button(usize, String),
    /// A button with an arbitrary prompt id.
    RandomButton(String, String),
}

const COMMANDS: &[&str] = &[
    "/mulai",
    "/kembali",
    "/lewati",
    "/bantuan",
    "/bahasa",
    "/bahasa en",
    "/bahasa id",
    "/ulang",
    "/berhenti",
    "/ringkasan",
    "/datasaya",
    "/ubah",
    "/ubah 1",
    "/ubah 3",
    "/hapus",
    "/xyz",
];

const WORDS: &[&str] = &[
    "ya",
    "iya",
    "gak",
    "tidak",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "0",
    "3,5 juta",
    "12",
    "1, 3",
    "3, 8",
    "8",
    "Rp3.500.000",
    "500 ribu",
    "17 Agustus 2024",
    "17/08/2024",
    "2024-08-17",
    "Januari 2024",
    "jan 24",
    "01/2024",
    "0812-3456-7890",
    "nama@contoh.id",
    "Kalimantan Selatan",
    "en",
    "id",
    "",
    "   ",
];

/// An answer that fits a free question of this type.
fn fitting_answer(kind: &Kind) -> &'static str {
    match kind {
        Kind::Money { .. } => "3,5 juta",
        Kind::Date { .. } => "17/08/2024",
        Kind::MonthYear { .. } => "Januari 2024",
        Kind::Phone => "0812-3456-7890",
        Kind::Email => "nama@contoh.id",
        Kind::Text { .. } => "PT Sinar Abadi",
        _ => "1",
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_weighted(4, 3)
}

/// Like `spec`, but mostly answering the current question sensibly, to get deep into the flow.
fn spec_answering() -> impl Strategy<Value = Spec> {
    spec_weighted(120, 12)
}

fn spec_weighted(current: u32, commands: u32) -> impl Strategy<Value = Spec> {
    let button_values = prop_oneof![
        Just("yes".to_string()),
        Just("no".to_string()),
        Just("en".to_string()),
        "[0-9]{1,2}",
        Just("1,3".to_string()),
        Just("3,8".to_string()),
        "\\PC{0,8}",
    ];
    prop_oneof![
        commands => proptest::sample::select(COMMANDS).prop_map(|s| Spec::Text(s.to_string())),
        8 => proptest::sample::select(WORDS).prop_map(|s| Spec::Text(s.to_string())),
        3 => any::<usize>().prop_map(Spec::Label),
        2 => "\\PC{0,24}".prop_map(Spec::Text),
        1 => any::<String>().prop_map(Spec::Text),
        current => any::<usize>().prop_map(|i| Spec::CurrentButton(i, None)),
        2 => (any::<usize>(), button_values.clone()).prop_map(|(i, v)| Spec::CurrentButton(i, Some(v))),
        2 => (any::<usize>(), button_values.clone()).prop_map(|(i, v)| Spec::Button(i, v)),
        1 => ("\\PC{0,10}", button_values).prop_map(|(p, v)| Spec::RandomButton(p, v)),
    ]
}

fn resolve(w: &World, s: &Spec, last: &Outcome) -> Input {
    match s {
        Spec::Text(t) => Input::Text(t.clone()),
        Spec::Label(i) => Input::Text(w.labels[i % w.labels.len()].clone()),
        Spec::CurrentButton(i, v) => {
            let prompt = last.replies.iter().rev().find_map(|r| r.prompt.as_ref());
            match prompt {
                Some(p) => {
                    let value = match (v, p.options.is_empty()) {
                        (Some(v), _) => v.clone(),
                        (None, false) => p.options[i % p.options.len()].value.clone(),
                        (None, true) => {
                            let code = p.id.split('#').next().unwrap_or_default();
                            w.flow
                                .question(code)
                                .map_or("1", |q| fitting_answer(&q.kind))
                                .to_string()
                        }
                    };
                    Input::Button {
                        prompt: p.id.clone(),
                        value,
                    }
                }
                None => Input::Button {
                    prompt: "@consent".into(),
                    value: v.clone().unwrap_or_else(|| "yes".into()),
                },
            }
        }
        Spec::Button(i, v) => Input::Button {
            prompt: w.prompts[i % w.prompts.len()].clone(),
            value: v.clone(),
        },
        Spec::RandomButton(p, v) => Input::Button {
            prompt: p.clone(),
            value: v.clone(),
        },
    }
}

fn start_state() -> SessionState {
    SessionState::invited(Lang::Id)
}

/// Applies answer changes as the store does.
fn replay(map: &mut BTreeMap<AnswerKey, Answer>, changes: &[AnswerChange]) {
    for c in changes {
        match c {
            AnswerChange::Set { key, raw, value } => {
                map.insert(
                    key.clone(),
                    Answer {
                        raw: raw.clone(),
                        value: value.clone(),
                    },
                );
            }
            AnswerChange::Retract { key } => {
                map.remove(key);
            }
            AnswerChange::RetractAll | AnswerChange::EraseAll | AnswerChange::EraseRespondent => {
                map.clear()
            }
        }
    }
}

/// How far a run steers around the engine bugs known today (see `tests/engine_cases.rs`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bugs {
    /// Send every input as generated: the strict properties, ignored until the bugs are fixed.
    Hit,
    /// Replace the two inputs known to break an invariant with `/ringkasan`:
    /// `/lewati` outside answering and consent (no reply at all), and `/berhenti` after
    /// completing (a later `/mulai` re-asks the first question over the old history).
    Avoid,
}

fn known_bug_trigger(state: &SessionState, input: &Input) -> bool {
    let Input::Text(t) = input else { return false };
    let t = t.trim();
    let closed = matches!(
        state.status,
        SessionStatus::Invited | SessionStatus::Completed | SessionStatus::OptedOut
    );
    (t == "/lewati" && closed) || (t == "/berhenti" && state.status == SessionStatus::Completed)
}

/// Runs a conversation, checking the invariants after every step. Returns the outcomes.
fn run(specs: &[Spec], bugs: Bugs) -> Result<Vec<Outcome>, TestCaseError> {
    let w = world();
    let cx = cx(w);
    let (items, groups) = (w.flow.items.len(), w.flow.groups.len());
    let mut state = start_state();
    let mut last = Outcome {
        state: state.clone(),
        replies: Vec::new(),
        answers: Vec::new(),
        events: Vec::new(),
    };
    let mut store: BTreeMap<AnswerKey, Answer> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for (n, s) in specs.iter().enumerate() {
        let mut input = resolve(w, s, &last);
        if bugs == Bugs::Avoid && known_bug_trigger(&state, &input) {
            input = Input::Text("/ringkasan".into());
        }
        let before = state.clone();
        let out = step(&cx, state, &input, now());
        let ctx = || {
            format!(
                "step {n}: {input:?}\nbefore: {before:?}\nafter: {:?}",
                out.state
            )
        };
        prop_assert!(
            out.state.is_valid(items, groups),
            "invalid state after {}",
            ctx()
        );
        let json = serde_json::to_string(&out.state).expect("state serialises");
        let back: SessionState = serde_json::from_str(&json).expect("state deserialises");
        prop_assert_eq!(
            &back,
            &out.state,
            "JSON round trip changed the state: {}",
            json
        );
        replay(&mut store, &out.answers);
        prop_assert_eq!(
            &store,
            &out.state.answers,
            "replayed changes {:?} differ from the state's answers after {}",
            out.answers,
            ctx()
        );
        prop_assert!(!out.replies.is_empty(), "no reply after {}", ctx());
        if matches!(s, Spec::CurrentButton(..)) {
            // A button of the prompt just shown is never stale.
            let stale = [Lang::Id, Lang::En].map(|l| w.catalog.t(l, Msg::StaleButton));
            prop_assert!(
                out.replies.iter().all(|r| !stale.contains(&r.text)),
                "a fresh button was called stale after {}",
                ctx()
            );
        }
        prop_assert!(
            out.replies.iter().all(|r| !r.text.trim().is_empty()),
            "an empty reply after {}: {:?}",
            ctx(),
            out.replies
        );
        if let Some(Position::Question { item, .. }) = out.state.current {
            prop_assert!(item < items);
        }
        state = out.state.clone();
        last = out.clone();
        outcomes.push(out);
    }
    Ok(outcomes)
}

/// Prefix that gets past consent, so random sequences spend their length on questions.
fn consented(tail: Vec<Spec>) -> Vec<Spec> {
    let mut v = vec![Spec::Text("/mulai".into()), Spec::Text("ya".into())];
    v.extend(tail);
    v
}

/// `cases` by default; `PROPTEST_CASES` overrides it for longer local runs.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn random_conversations_keep_the_invariants(
        specs in proptest::collection::vec(spec(), 0..60)
    ) {
        run(&specs, Bugs::Avoid)?;
    }

    #[test]
    fn random_conversations_after_consent_keep_the_invariants(
        specs in proptest::collection::vec(spec(), 0..60)
    ) {
        let outs = run(&consented(specs), Bugs::Avoid)?;
        prop_assert_eq!(outs[1].state.status, SessionStatus::Answering);
    }

    #[test]
    fn mostly_sensible_conversations_keep_the_invariants(
        specs in proptest::collection::vec(spec_answering(), 0..60)
    ) {
        let outs = run(&consented(specs), Bugs::Avoid)?;
        prop_assert_eq!(outs[1].state.status, SessionStatus::Answering);
    }

    #[test]
    fn random_conversations_keep_the_invariants_strict(
        specs in proptest::collection::vec(spec(), 0..60)
    ) {
        run(&specs, Bugs::Hit)?;
    }

    #[test]
    fn mostly_sensible_conversations_keep_the_invariants_strict(
        specs in proptest::collection::vec(spec_answering(), 0..60)
    ) {
        run(&consented(specs), Bugs::Hit)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn the_engine_is_deterministic(specs in proptest::collection::vec(spec(), 0..40)) {
        let w = world();
        let cx = cx(w);
        let mut a = start_state();
        let mut b = start_state();
        let mut last: Option<Outcome> = None;
        for s in consented(specs) {
            let input = match &last {
                Some(o) => resolve(w, &s, o),
                None => resolve(w, &s, &Outcome {
                    state: a.clone(),
                    replies: Vec::new(),
                    answers: Vec::new(),
                    events: Vec::new(),
                }),
            };
            let oa = step(&cx, a, &input, now());
            let ob = step(&cx, b, &input, now());
            prop_assert_eq!(&oa.state, &ob.state);
            prop_assert_eq!(&oa.replies, &ob.replies);
            prop_assert_eq!(&oa.answers, &ob.answers);
            prop_assert_eq!(&oa.events, &ob.events);
            a = oa.state.clone();
            b = ob.state;
            last = Some(oa);
        }
    }
}
