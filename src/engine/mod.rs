//! The pure engine: `step(context, state, input, now)` returns the new state, the replies and
//! the answer changes. It reads no clock, touches no disk or network, and never panics on
//! input, so it can be tested exhaustively and run anywhere (console, Telegram, WhatsApp).

pub mod answer;
pub mod command;
pub mod nav;
pub mod render;
pub mod state;

use crate::flow::{Flow, Kind};
use crate::i18n::{Catalog, Msg};
use crate::model::{Lang, RespondentFields, SessionStatus};
use chrono::{DateTime, Duration, Utc};
use command::Command;
use nav::{Next, View};
pub use state::{
    Answer, AnswerChange, Event, Input, Outcome, Pending, Position, Prompt, Reply, ReplyOption,
    SessionState, Step,
};

/// What a step needs besides the state: the flow, the bot's messages, the respondent's fields.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The compiled flow.
    pub flow: &'a Flow,
    /// The bot's own messages.
    pub catalog: &'a Catalog,
    /// Roster fields for conditions and piping.
    pub respondent: &'a RespondentFields,
}

/// Advances a session by one input.
pub fn step(cx: &Context, state: SessionState, input: &Input, now: DateTime<Utc>) -> Outcome {
    let mut s = Stepper {
        cx,
        st: state,
        out: Vec::new(),
        answers: Vec::new(),
        events: Vec::new(),
        now,
    };
    s.run(input);
    Outcome {
        state: s.st,
        replies: s.out,
        answers: s.answers,
        events: s.events,
    }
}

/// The question the respondent is at, asked again: what a reminder ends with, so the
/// respondent's next message answers it. `None` when nothing is open (not started,
/// finished, stopped) or when a confirmation (`/berhenti`, `/ulang`, `/bahasa`) is waiting,
/// since the next message would answer that instead.
pub fn current_prompt(cx: &Context, st: &SessionState) -> Option<Reply> {
    if st.pending.is_some() {
        return None;
    }
    match st.status {
        SessionStatus::Answering => st.current.map(|p| render::ask(cx, st, p)),
        SessionStatus::Consent => Some(Reply {
            text: cx.catalog.t(st.lang, Msg::ConsentAsk),
            prompt: Some(render::yes_no(cx, st.lang, "@consent")),
        }),
        _ => None,
    }
}

/// The message and prompt id of a yes/no confirmation.
fn confirmation(p: Pending) -> Option<(Msg, &'static str)> {
    match p {
        Pending::Restart => Some((Msg::RestartConfirm, "@restart")),
        Pending::Stop => Some((Msg::StopConfirm, "@stop")),
        Pending::Keep => Some((Msg::StopKeepAsk, "@keep")),
        Pending::Erase => Some((Msg::EraseConfirm, "@erase")),
        Pending::Language | Pending::EditPick | Pending::Edit { .. } | Pending::Unsure { .. } => {
            None
        }
    }
}

/// The flow's closing day is read in WIB (UTC+7), where the ministries keep their calendars.
fn closed(flow: &Flow, now: DateTime<Utc>) -> bool {
    let wib = (now + Duration::hours(7)).date_naive();
    flow.closes.is_some_and(|c| wib > c)
}

/// What the checks that read other answers make of an answer.
enum Judged {
    /// Keep it.
    Fine,
    /// Refuse it, saying this.
    Refused(String),
    /// Ask "are you sure?" first.
    Unsure,
}

struct Stepper<'a, 'c> {
    cx: &'a Context<'c>,
    st: SessionState,
    out: Vec<Reply>,
    answers: Vec<AnswerChange>,
    events: Vec<Event>,
    now: DateTime<Utc>,
}

impl Stepper<'_, '_> {
    fn lang(&self) -> Lang {
        self.st.lang
    }

    fn say(&mut self, msg: Msg) {
        let t = self.cx.catalog.t(self.lang(), msg);
        self.out.push(Reply::say(t));
    }

    fn run(&mut self, input: &Input) {
        let command = match input {
            Input::Text(t) => command::parse(t),
            Input::Button { .. } => None,
        };
        // Seeing and erasing one's data are rights that outlive the survey.
        let right = matches!(command, Some(Command::MyData | Command::Delete))
            || self.st.pending == Some(Pending::Erase);
        if self.st.status == SessionStatus::Expired && !right {
            return self.say(Msg::Expired);
        }
        if self.st.status != SessionStatus::Completed
            && self.st.status != SessionStatus::Expired
            && !right
            && closed(self.cx.flow, self.now)
        {
            // Opted-out respondents cannot rejoin a closed survey either.
            self.st.status = SessionStatus::Expired;
            self.st.current = None;
            self.st.pending = None;
            self.events.push(Event::Expired);
            return self.say(Msg::Expired);
        }
        if let Some(p) = self.st.pending.take() {
            return self.pending(p, input, command);
        }
        match command {
            Some(Command::Start) => self.start(),
            Some(Command::Help) => self.help(),
            Some(Command::Language(arg)) => self.language(arg.as_deref()),
            Some(Command::Summary) => {
                let r = render::summary(self.cx, &self.st);
                self.out.push(r);
                self.reask();
            }
            Some(Command::Restart) => {
                if matches!(
                    self.st.status,
                    SessionStatus::Answering | SessionStatus::Completed
                ) {
                    self.st.pending = Some(Pending::Restart);
                    let p = render::yes_no(self.cx, self.lang(), "@restart");
                    let t = self.cx.catalog.t(self.lang(), Msg::RestartConfirm);
                    self.out.push(Reply {
                        text: t,
                        prompt: Some(p),
                    });
                } else {
                    self.start();
                }
            }
            Some(Command::Stop) => {
                if self.st.status == SessionStatus::OptedOut {
                    self.say(Msg::OptedOutInfo);
                } else {
                    self.confirm(Pending::Stop);
                }
            }
            Some(Command::Back) => self.back(),
            Some(Command::Skip) => self.skip(),
            Some(Command::MyData) => {
                let r = render::my_data(self.cx, &self.st);
                self.out.push(r);
                self.reask();
            }
            Some(Command::Delete) => self.confirm(Pending::Erase),
            Some(Command::Edit(arg)) => self.edit(arg.as_deref()),
            Some(Command::Unknown(c)) => {
                let t = self
                    .cx
                    .catalog
                    .ta(self.lang(), Msg::UnknownCommand, &[("command", &c)]);
                self.out.push(Reply::say(t));
                self.reask();
            }
            None => match self.st.status {
                SessionStatus::Invited => self.start(),
                SessionStatus::Consent => self.consent(input),
                SessionStatus::Answering => self.answer(input),
                SessionStatus::Completed => self.say(Msg::AlreadyCompleted),
                SessionStatus::OptedOut => self.say(Msg::OptedOutInfo),
                SessionStatus::Expired => self.say(Msg::Expired),
            },
        }
    }

    /// Repeats the open question (after help, a summary, an error…).
    fn reask(&mut self) {
        match self.st.status {
            SessionStatus::Answering => {
                if let Some(p) = self.st.current {
                    let r = render::ask_again(self.cx, &self.st, p);
                    self.out.push(r);
                }
            }
            SessionStatus::Consent => self.consent_ask(),
            _ => {}
        }
    }

    fn start(&mut self) {
        match self.st.status {
            SessionStatus::Invited | SessionStatus::Consent => self.show_consent(),
            SessionStatus::Answering => {
                self.say(Msg::Resume);
                self.reask();
            }
            SessionStatus::Completed => self.say(Msg::AlreadyCompleted),
            SessionStatus::Expired => self.say(Msg::Expired),
            // Withdrawn consent is asked for again; the kept answers wait in the state.
            SessionStatus::OptedOut => self.show_consent(),
        }
    }

    fn show_consent(&mut self) {
        self.st.status = SessionStatus::Consent;
        let cx = self.cx;
        let lang = self.lang();
        let mut parts = Vec::new();
        if let Some(intro) = &cx.flow.intro {
            parts.push(render::text(cx, &self.st, intro, 0));
        }
        parts.push(format!("*{}*", cx.catalog.t(lang, Msg::ConsentTitle)));
        let heads = [
            Msg::ConsentPurpose,
            Msg::ConsentData,
            Msg::ConsentRetention,
            Msg::ConsentRights,
        ];
        for (head, t) in heads.iter().zip(&cx.flow.consent) {
            parts.push(format!(
                "{}: {}",
                cx.catalog.t(lang, *head),
                render::text(cx, &self.st, t, 0)
            ));
        }
        self.out.push(Reply::say(parts.join("\n\n")));
        self.consent_ask();
    }

    fn consent_ask(&mut self) {
        let p = render::yes_no(self.cx, self.lang(), "@consent");
        let t = self.cx.catalog.t(self.lang(), Msg::ConsentAsk);
        self.out.push(Reply {
            text: t,
            prompt: Some(p),
        });
    }

    /// Reads yes/no typed, or pressed on a button of the prompt `expected` (a button of any
    /// other prompt is stale and means neither).
    /// A yes/no answer; `echo` are the words the question invites ("ada" for "Apakah ada…").
    fn yes_no_input(&self, input: &Input, expected: &str, echo: &[String]) -> Option<bool> {
        match input {
            Input::Button { prompt, .. } if prompt != expected => None,
            Input::Button { value, .. } if value == "yes" => Some(true),
            Input::Button { value, .. } if value == "no" => Some(false),
            Input::Button { .. } => None,
            Input::Text(t) => crate::understand::parse_yes_no_echo(t, self.lang(), echo),
        }
    }

    /// Today in WIB, for date bounds relative to today.
    fn today(&self) -> chrono::NaiveDate {
        (self.now + Duration::hours(7)).date_naive()
    }

    fn consent(&mut self, input: &Input) {
        match self.yes_no_input(input, "@consent", &[]) {
            Some(true) => {
                self.events.push(Event::Consented);
                if self.st.history.is_empty() {
                    self.st.status = SessionStatus::Answering;
                    self.st.resume_at = None;
                    return self.go_first();
                }
                // Back after a stop, with the answers they chose to keep.
                self.events.push(Event::Rejoined);
                match self.st.resume_at.take() {
                    Some(p) => {
                        self.st.status = SessionStatus::Answering;
                        self.say(Msg::Resume);
                        self.go(Next::Ask(p));
                    }
                    None => {
                        // They had finished before stopping: back to "completed".
                        self.st.status = SessionStatus::Completed;
                        self.say(Msg::AlreadyCompleted);
                    }
                }
            }
            Some(false) => {
                self.events.push(Event::Declined);
                self.st.status = SessionStatus::OptedOut;
                self.say(Msg::ConsentDeclined);
            }
            None => {
                self.say(Msg::ConsentReprompt);
                self.consent_ask();
            }
        }
    }

    fn view(&self, iteration: u32) -> View<'_> {
        View {
            flow: self.cx.flow,
            answers: &self.st.answers,
            fields: self.cx.respondent,
            iteration,
        }
    }

    fn go_first(&mut self) {
        let next = nav::first(&self.view(0));
        self.go(next);
    }

    fn go(&mut self, next: Next) {
        match next {
            Next::Ask(p) => {
                // What a lookup offered belongs to the question it was offered for.
                self.st.shown = None;
                self.st.current = Some(p);
                let r = render::ask(self.cx, &self.st, p);
                self.out.push(r);
            }
            Next::End => self.complete(),
        }
    }

    fn complete(&mut self) {
        self.st.status = SessionStatus::Completed;
        self.st.current = None;
        self.events.push(Event::Completed);
        let cx = self.cx;
        if let Some(outro) = &cx.flow.outro {
            // The flow's own closing words do the thanking; the bot only adds that the
            // answers are saved, so the end does not say thank you twice.
            let t = render::text(cx, &self.st, outro, 0);
            self.out.push(Reply::say(t));
            return self.say(Msg::CompletedSaved);
        }
        let name = cx.respondent.name.clone().filter(|n| !n.trim().is_empty());
        let t = cx.catalog.ta(
            self.lang(),
            Msg::Completed,
            &[("name", name.as_deref().unwrap_or("none"))],
        );
        self.out.push(Reply::say(t));
    }

    fn answer(&mut self, input: &Input) {
        let Some(pos) = self.st.current else {
            // Answering without a position cannot happen through `step`; recover by
            // starting from the first question rather than failing.
            return self.go_first();
        };
        if let Input::Button { prompt, .. } = input
            && *prompt != render::prompt_id(self.cx, pos)
        {
            self.say(Msg::StaleButton);
            return self.reask();
        }
        match pos {
            Position::More { group, .. } => {
                let echo = &self.cx.flow.groups[group].echo;
                match self.yes_no_input(input, &render::prompt_id(self.cx, pos), echo) {
                    Some(another) => {
                        self.st.history.push(Step {
                            at: pos,
                            another: Some(another),
                        });
                        let next = nav::after(&self.view(0), pos, another);
                        self.go(next);
                    }
                    None => {
                        self.say(Msg::ErrYesNo);
                        self.reask();
                    }
                }
            }
            // Declining a `refusable` question is an answer of its own, checked before the
            // answer's type: "rahasia" is no amount of money, but it is a fine reply.
            Position::Question { item, .. }
                if self.cx.flow.items[item].refusable
                    && answer::is_refusal(&self.cx.flow.items[item], input) =>
            {
                let raw = match input {
                    Input::Text(t) => t.trim().to_string(),
                    Input::Button { value, .. } => value.clone(),
                };
                self.say(Msg::Refused);
                self.record(pos, raw, crate::model::Value::Refused);
            }
            Position::Question { item, .. } => match self.parse_answer(item, input) {
                (raw, Ok(value)) => match self.judge(pos, &value) {
                    Judged::Fine => {
                        let confirm = self.lookup_taken(item, &value);
                        let before = self.out.len();
                        self.record(pos, raw, value);
                        // The row taken is confirmed at the top of the next message, so a
                        // respondent who typed "malang" sees which Malang was kept.
                        if let Some(c) = confirm {
                            match self.out.get_mut(before) {
                                Some(next) => next.text = format!("{c}\n\n{}", next.text),
                                None => self.out.push(Reply::say(c)),
                            }
                        }
                    }
                    Judged::Refused(msg) => self.refuse(pos, answer::Refusal::Reask(msg)),
                    Judged::Unsure => self.ask_unsure(pos, raw, &value, false),
                },
                (_, Err(refusal)) => self.refuse(pos, refusal),
            },
        }
    }

    /// "Tercatat: Kota Malang (35.73)." for a lookup answered with a row of its list.
    fn lookup_taken(&self, item: usize, value: &crate::model::Value) -> Option<String> {
        let q = &self.cx.flow.items[item];
        let (Kind::Lookup { list, .. }, crate::model::Value::Choice(code)) = (&q.kind, value)
        else {
            return None;
        };
        let entry = crate::lookup::lists().ok()?.get(*list).entry(code)?;
        Some(self.cx.catalog.ta(
            self.lang(),
            Msg::LookupTaken,
            &[("name", &entry.name), ("code", &entry.code)],
        ))
    }

    /// The parent code a lookup at `item` is filtered by: the answer to its `within`
    /// question (none when that was "not in the list" or is missing).
    fn lookup_within(&self, item: usize, iteration: u32) -> Option<String> {
        let Kind::Lookup {
            within: Some(w), ..
        } = &self.cx.flow.items[item].kind
        else {
            return None;
        };
        let key = View::key(self.cx.flow, *w, iteration);
        match self.st.answers.get(&key).map(|a| &a.value) {
            Some(crate::model::Value::Choice(c)) if c != crate::lookup::NOT_LISTED => {
                Some(c.clone())
            }
            _ => None,
        }
    }

    /// What typed text or a pressed button means as an answer to item `item`, with the
    /// respondent's own words.
    fn parse_answer(
        &self,
        item: usize,
        input: &Input,
    ) -> (String, Result<crate::model::Value, answer::Refusal>) {
        let cx = self.cx;
        let q = &cx.flow.items[item];
        let today = self.today();
        if let Kind::Lookup { list, other, .. } = &q.kind {
            let iteration = match self.st.current {
                Some(Position::Question { iteration, .. }) => iteration,
                _ => 0,
            };
            let within = self.lookup_within(item, iteration);
            let at = Position::Question { item, iteration };
            let shown = self
                .st
                .shown
                .as_ref()
                .filter(|s| s.at == at)
                .map(|s| s.codes.as_slice());
            let raw = match input {
                Input::Text(t) => t.trim().to_string(),
                Input::Button { value, .. } => value.clone(),
            };
            let parsed = match input {
                // A button carries the row's code: valid only if it is offered here.
                Input::Button { value, .. } => match crate::lookup::lists()
                    .ok()
                    .and_then(|l| l.get(*list).offered(value, within.as_deref()))
                {
                    Some(e) => Ok(crate::model::Value::Choice(e.code.clone())),
                    None => answer::parse_lookup(
                        cx.catalog,
                        self.lang(),
                        *list,
                        within.as_deref(),
                        other.is_some(),
                        shown,
                        value,
                    ),
                },
                Input::Text(t) => answer::parse_lookup(
                    cx.catalog,
                    self.lang(),
                    *list,
                    within.as_deref(),
                    other.is_some(),
                    shown,
                    t,
                ),
            };
            return (raw, parsed);
        }
        match input {
            Input::Text(t) => (
                t.trim().to_string(),
                answer::parse_text(cx.flow, cx.catalog, self.lang(), q, t, today),
            ),
            Input::Button { value, .. } => (
                value.clone(),
                answer::parse_button(cx.flow, cx.catalog, self.lang(), q, value, today),
            ),
        }
    }

    /// The checks that need the other answers: bounds set by an earlier answer
    /// (`max: { answer: f6 }`, not applied while that answer is missing) and the soft range.
    fn judge(&self, pos: Position, value: &crate::model::Value) -> Judged {
        let Position::Question { item, iteration } = pos else {
            return Judged::Fine;
        };
        let q = &self.cx.flow.items[item];
        let Some(x) = value.as_f64() else {
            return Judged::Fine;
        };
        let (bounds, money) = match &q.kind {
            crate::flow::Kind::Integer { bounds, .. }
            | crate::flow::Kind::Decimal { bounds, .. } => (bounds, false),
            crate::flow::Kind::Money { bounds } => (bounds, true),
            _ => return Judged::Fine,
        };
        let view = self.view(iteration);
        let other = |code: &Option<String>| {
            let code = code.as_deref()?;
            crate::flow::cond::Facts::answer(&view, code)?.as_f64()
        };
        let show = |v: f64| {
            if money {
                crate::understand::format_rupiah(v as i64)
            } else {
                crate::understand::format_number(v, self.lang())
            }
        };
        let cat = self.cx.catalog;
        if let Some(m) = other(&bounds.min_answer).filter(|m| x < *m) {
            return Judged::Refused(cat.ta(self.lang(), Msg::ErrMinAnswer, &[("min", &show(m))]));
        }
        if let Some(m) = other(&bounds.max_answer).filter(|m| x > *m) {
            return Judged::Refused(cat.ta(self.lang(), Msg::ErrMaxAnswer, &[("max", &show(m))]));
        }
        match &q.soft {
            Some(s) if !s.bounds.contains(x) => Judged::Unsure,
            _ => Judged::Fine,
        }
    }

    /// "Rp4, are you sure?": keeps the words until the respondent confirms or answers anew.
    fn ask_unsure(
        &mut self,
        target: Position,
        raw: String,
        value: &crate::model::Value,
        editing: bool,
    ) {
        let Position::Question { item, iteration } = target else {
            return;
        };
        let cx = self.cx;
        let lang = self.lang();
        let q = &cx.flow.items[item];
        let shown = render::display(cx, lang, q, value);
        let why = match q.soft.as_ref().and_then(|s| s.message.as_ref()) {
            Some(m) => render::text(cx, &self.st, m, iteration),
            None => cx.catalog.t(lang, Msg::UnsureDefault),
        };
        let text = format!(
            "{} {why}\n{}",
            cx.catalog.ta(lang, Msg::UnsureAsk, &[("answer", &shown)]),
            cx.catalog.t(lang, Msg::UnsureHint)
        );
        self.st.pending = Some(Pending::Unsure { target, editing });
        self.st.unsure = Some(raw);
        self.out.push(Reply {
            text,
            prompt: Some(render::yes_no(cx, lang, "@unsure")),
        });
    }

    /// The reply to "are you sure?": yes keeps the answer, no asks again, anything else is
    /// a new answer to the same question.
    fn unsure(&mut self, target: Position, editing: bool, input: &Input) {
        let raw = self.st.unsure.take().unwrap_or_default();
        let Position::Question { item, .. } = target else {
            return self.reask();
        };
        if let Input::Button { prompt, .. } = input
            && prompt != "@unsure"
        {
            // A button of an older message: ask again, keeping the doubtful answer.
            self.say(Msg::StaleButton);
            if let Ok(value) = self.parse_answer(item, &Input::Text(raw.clone())).1 {
                return self.ask_unsure(target, raw, &value, editing);
            }
            return self.reask();
        }
        let edit_again = |this: &mut Self| {
            if editing {
                this.st.pending = Some(Pending::Edit { target });
            }
        };
        // "ya" confirms; but a number is a new answer even where it could read as yes.
        let typed_number =
            matches!(input, Input::Text(t) if t.trim().starts_with(|c: char| c.is_ascii_digit()));
        match (typed_number, self.yes_no_input(input, "@unsure", &[])) {
            (false, Some(true)) => match self.parse_answer(item, &Input::Text(raw.clone())) {
                (raw, Ok(value)) if editing => self.apply_edit(target, raw, value),
                (raw, Ok(value)) => self.record(target, raw, value),
                (_, Err(refusal)) => {
                    edit_again(self);
                    self.refuse(target, refusal)
                }
            },
            (false, Some(false)) => {
                edit_again(self);
                self.say(Msg::UnsureRetry);
                if editing {
                    let r = render::ask_again(self.cx, &self.st, target);
                    self.out.push(r);
                } else {
                    self.reask();
                }
            }
            _ if editing => self.edit_answer(target, input),
            _ => self.answer(input),
        }
    }

    /// Says why an answer to the question at `pos` was not taken, and asks again.
    fn refuse(&mut self, pos: Position, refusal: answer::Refusal) {
        let cx = self.cx;
        match refusal {
            answer::Refusal::Reask(msg) => {
                self.out.push(Reply::say(msg));
                let r = render::ask_again(cx, &self.st, pos);
                self.out.push(r);
            }
            answer::Refusal::Brief(msg) => {
                // The buttons stay; a text-only channel is not sent the list again.
                let mut prompt = render::ask_again(cx, &self.st, pos).prompt;
                if let Some(p) = prompt.as_mut() {
                    p.numbered = false;
                }
                self.out.push(Reply { text: msg, prompt });
            }
            answer::Refusal::Pick(msg, options) => {
                self.st.shown = Some(state::Shown {
                    at: pos,
                    codes: options.iter().map(|o| o.value.clone()).collect(),
                });
                self.out.push(Reply {
                    text: msg,
                    prompt: Some(Prompt {
                        id: render::prompt_id(cx, pos),
                        options,
                        multi: false,
                        numbered: true,
                    }),
                });
            }
            answer::Refusal::Which(msg, options) => {
                self.out.push(Reply {
                    text: msg,
                    prompt: Some(Prompt {
                        id: render::prompt_id(cx, pos),
                        options,
                        multi: false,
                        numbered: false,
                    }),
                });
            }
        }
    }

    /// Keeps an answer, puts it on the path and moves on.
    fn record(&mut self, pos: Position, raw: String, value: crate::model::Value) {
        let Position::Question { item, iteration } = pos else {
            return;
        };
        let key = View::key(self.cx.flow, item, iteration);
        self.answers.push(AnswerChange::Set {
            key: key.clone(),
            raw: raw.clone(),
            value: value.clone(),
        });
        self.st.answers.insert(key, Answer { raw, value });
        self.st.history.push(Step {
            at: pos,
            another: None,
        });
        let next = nav::after(&self.view(iteration), pos, false);
        self.go(next);
    }

    fn skip(&mut self) {
        match (self.st.status, self.st.current) {
            (SessionStatus::Answering, Some(pos @ Position::Question { item, .. })) => {
                if self.cx.flow.items[item].optional {
                    self.say(Msg::Skipped);
                    self.record(pos, String::new(), crate::model::Value::Skipped);
                } else {
                    self.say(Msg::SkipNotAllowed);
                    self.reask();
                }
            }
            (SessionStatus::Answering, _) => {
                self.say(Msg::SkipNotAllowed);
                self.reask();
            }
            _ => self.where_we_are(),
        }
    }

    /// Tells a respondent who is not answering questions where they stand.
    fn where_we_are(&mut self) {
        match self.st.status {
            SessionStatus::Invited | SessionStatus::Consent => self.show_consent(),
            SessionStatus::Answering => self.reask(),
            SessionStatus::Completed => self.say(Msg::AlreadyCompleted),
            SessionStatus::OptedOut => self.say(Msg::OptedOutInfo),
            SessionStatus::Expired => self.say(Msg::Expired),
        }
    }

    fn back(&mut self) {
        if self.st.status != SessionStatus::Answering {
            return self.start();
        }
        let Some(step) = self.st.history.pop() else {
            self.say(Msg::BackAtStart);
            return self.reask();
        };
        if let Position::Question { item, iteration } = step.at {
            let key = View::key(self.cx.flow, item, iteration);
            if let Some(prev) = self.st.answers.remove(&key) {
                let shown =
                    render::display(self.cx, self.lang(), &self.cx.flow.items[item], &prev.value);
                let t = self
                    .cx
                    .catalog
                    .ta(self.lang(), Msg::BackPrevious, &[("answer", &shown)]);
                self.out.push(Reply::say(t));
            }
            self.answers.push(AnswerChange::Retract { key });
        }
        self.go(Next::Ask(step.at));
    }

    fn help(&mut self) {
        let cx = self.cx;
        if let (SessionStatus::Answering, Some(Position::Question { item, iteration })) =
            (self.st.status, self.st.current)
            && let Some(h) = &cx.flow.items[item].help
        {
            let t = render::text(cx, &self.st, h, iteration);
            self.out.push(Reply::say(t));
        }
        self.say(Msg::Help);
        self.reask();
    }

    fn language(&mut self, arg: Option<&str>) {
        match arg {
            Some(a) => self.choose_language(a),
            None => {
                self.st.pending = Some(Pending::Language);
                let cx = self.cx;
                let options = cx
                    .flow
                    .languages
                    .iter()
                    .map(|l| ReplyOption {
                        value: l.tag().to_string(),
                        label: cx.catalog.t(*l, Msg::LangName),
                    })
                    .collect();
                let t = cx.catalog.t(self.lang(), Msg::LangAsk);
                self.out.push(Reply {
                    text: t,
                    prompt: Some(Prompt {
                        id: "@lang".into(),
                        options,
                        multi: false,
                        numbered: true,
                    }),
                });
            }
        }
    }

    fn choose_language(&mut self, input: &str) {
        let langs = &self.cx.flow.languages;
        let t = input.trim().to_lowercase();
        let chosen = t
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| langs.get(i).copied())
            .or_else(|| Lang::from_tag(&t))
            .or(match t.as_str() {
                "indonesia" | "bahasa indonesia" | "indonesian" => Some(Lang::Id),
                "english" | "inggris" | "bahasa inggris" => Some(Lang::En),
                _ => None,
            });
        match chosen {
            Some(l) if langs.contains(&l) => {
                if l != self.st.lang {
                    self.events.push(Event::LanguageChanged { lang: l });
                }
                self.st.lang = l;
                self.say(Msg::LangChanged);
            }
            _ => self.say(Msg::LangNotOffered),
        }
        self.reask();
    }

    /// Asks the yes/no question of a confirmation and waits for it.
    fn confirm(&mut self, p: Pending) {
        let Some((msg, id)) = confirmation(p) else {
            return;
        };
        self.st.pending = Some(p);
        let t = self.cx.catalog.t(self.lang(), msg);
        let prompt = render::yes_no(self.cx, self.lang(), id);
        self.out.push(Reply {
            text: t,
            prompt: Some(prompt),
        });
    }

    fn pending(&mut self, p: Pending, input: &Input, command: Option<Command>) {
        match p {
            Pending::Language => {
                return match (input, command) {
                    (Input::Button { value, .. }, _) => self.choose_language(value),
                    (Input::Text(t), None) => self.choose_language(t),
                    // Any other command cancels the language question and runs as usual.
                    (Input::Text(_), Some(_)) => self.run_again(input),
                };
            }
            Pending::EditPick => {
                return match (input, command) {
                    (Input::Button { prompt, value }, _) if prompt == "@edit" => {
                        self.edit_pick(value)
                    }
                    (Input::Text(t), None) => self.edit_pick(t),
                    (Input::Button { .. }, _) => {
                        self.say(Msg::StaleButton);
                        self.edit_menu();
                    }
                    (Input::Text(_), Some(_)) => self.run_again(input),
                };
            }
            Pending::Edit { target } => {
                return if command.is_some() {
                    self.run_again(input)
                } else {
                    self.edit_answer(target, input)
                };
            }
            Pending::Unsure { target, editing } => {
                return if command.is_some() {
                    // A command instead: the doubtful answer is dropped, the question stays.
                    self.st.unsure = None;
                    self.run_again(input)
                } else {
                    self.unsure(target, editing, input)
                };
            }
            Pending::Restart | Pending::Stop | Pending::Keep | Pending::Erase => {}
        }
        if command.is_some() {
            // A command instead of yes/no: forget the confirmation and do what was asked
            // (after a stop, the answers are then kept).
            return self.run_again(input);
        }
        let Some((_, expected)) = confirmation(p) else {
            return;
        };
        if let Input::Button { prompt, .. } = input
            && prompt != expected
        {
            // A button of an older message neither confirms nor cancels: ask again.
            self.say(Msg::StaleButton);
            return self.confirm(p);
        }
        match (p, self.yes_no_input(input, expected, &[])) {
            (Pending::Restart, Some(true)) => {
                self.events.push(Event::Restarted);
                self.answers.push(AnswerChange::RetractAll);
                self.st.answers.clear();
                self.st.history.clear();
                self.st.status = SessionStatus::Answering;
                self.say(Msg::RestartDone);
                self.go_first();
            }
            (Pending::Stop, Some(true)) => {
                self.events.push(Event::OptedOut);
                self.st.resume_at = self.st.current.take();
                if self.st.status == SessionStatus::Consent {
                    self.st.resume_at = None;
                }
                self.st.status = SessionStatus::OptedOut;
                if self.st.answers.is_empty() {
                    self.say(Msg::StopDone);
                } else {
                    // What the consent text promised: they decide what happens to them.
                    self.confirm(Pending::Keep);
                }
            }
            (Pending::Keep, Some(true)) => self.say(Msg::StopKept),
            (Pending::Keep, Some(false)) => {
                self.events.push(Event::AnswersDeleted);
                self.answers.push(AnswerChange::EraseAll);
                self.st.answers.clear();
                self.st.history.clear();
                self.st.resume_at = None;
                self.say(Msg::StopDeleted);
            }
            (Pending::Keep, None) => {
                self.say(Msg::ErrYesNo);
                self.confirm(Pending::Keep);
            }
            (Pending::Erase, Some(true)) => self.erase(),
            _ => {
                self.say(Msg::Cancelled);
                self.reask();
            }
        }
    }

    /// `/hapus` confirmed: the answers and personal data go, the session ends (a finished
    /// one stays counted as finished), and the bot says so once more.
    fn erase(&mut self) {
        self.events.push(Event::Erased);
        self.answers.push(AnswerChange::EraseRespondent);
        self.st.answers.clear();
        self.st.history.clear();
        self.st.current = None;
        self.st.resume_at = None;
        if !matches!(
            self.st.status,
            SessionStatus::Completed | SessionStatus::Expired
        ) {
            self.st.status = SessionStatus::OptedOut;
        }
        self.say(Msg::EraseDone);
    }

    /// The answered questions on the path, in the order they were asked.
    fn answered(&self) -> Vec<Position> {
        self.st
            .history
            .iter()
            .map(|s| s.at)
            .filter(|p| matches!(p, Position::Question { .. }))
            .collect()
    }

    /// `/ubah`: a number picks the answer to change, else the list of answers is shown.
    fn edit(&mut self, arg: Option<&str>) {
        let editable = matches!(
            self.st.status,
            SessionStatus::Answering | SessionStatus::Completed
        );
        if !editable || self.st.answers.is_empty() {
            self.say(Msg::EditNothing);
            return self.reask();
        }
        match arg {
            Some(a) => self.edit_pick(a),
            None => self.edit_menu(),
        }
    }

    fn edit_menu(&mut self) {
        let cx = self.cx;
        let options = self
            .answered()
            .into_iter()
            .enumerate()
            .map(|(i, pos)| ReplyOption {
                value: (i + 1).to_string(),
                label: render::edit_label(cx, &self.st, pos),
            })
            .collect();
        self.st.pending = Some(Pending::EditPick);
        let t = cx.catalog.t(self.lang(), Msg::EditPick);
        self.out.push(Reply {
            text: t,
            prompt: Some(Prompt {
                id: "@edit".into(),
                options,
                multi: false,
                numbered: true,
            }),
        });
    }

    fn edit_pick(&mut self, text: &str) {
        let answered = self.answered();
        let picked = text
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| answered.get(i).copied());
        let Some(target) = picked else {
            let t = self.cx.catalog.ta(
                self.lang(),
                Msg::EditPickInvalid,
                &[("max", answered.len().to_string().as_str())],
            );
            self.out.push(Reply::say(t));
            return self.edit_menu();
        };
        self.st.pending = Some(Pending::Edit { target });
        self.say(Msg::EditAsk);
        let r = render::ask(self.cx, &self.st, target);
        self.out.push(r);
    }

    /// The new answer to `target`: stored in place of the old one, then the path is walked
    /// again from the start, so questions the change ruled out lose their answers and
    /// questions it now asks for come next.
    fn edit_answer(&mut self, target: Position, input: &Input) {
        let Position::Question { item, .. } = target else {
            return self.reask();
        };
        if let Input::Button { prompt, .. } = input
            && *prompt != render::prompt_id(self.cx, target)
        {
            self.say(Msg::StaleButton);
            self.st.pending = Some(Pending::Edit { target });
            let r = render::ask(self.cx, &self.st, target);
            return self.out.push(r);
        }
        // `/ubah` may also turn an answer into a refusal (the respondent thought again).
        let q = &self.cx.flow.items[item];
        if q.refusable && answer::is_refusal(q, input) {
            let raw = match input {
                Input::Text(t) => t.trim().to_string(),
                Input::Button { value, .. } => value.clone(),
            };
            return self.apply_edit(target, raw, crate::model::Value::Refused);
        }
        let (raw, parsed) = self.parse_answer(item, input);
        let value = match parsed {
            Ok(v) => v,
            Err(refusal) => {
                self.st.pending = Some(Pending::Edit { target });
                return self.refuse(target, refusal);
            }
        };
        match self.judge(target, &value) {
            Judged::Fine => self.apply_edit(target, raw, value),
            Judged::Refused(msg) => {
                self.st.pending = Some(Pending::Edit { target });
                self.refuse(target, answer::Refusal::Reask(msg))
            }
            Judged::Unsure => self.ask_unsure(target, raw, &value, true),
        }
    }

    /// Stores a changed answer, then walks the path again (see `edit_answer`).
    fn apply_edit(&mut self, target: Position, raw: String, value: crate::model::Value) {
        let Position::Question { item, iteration } = target else {
            return self.reask();
        };
        let key = View::key(self.cx.flow, item, iteration);
        self.answers.push(AnswerChange::Set {
            key: key.clone(),
            raw: raw.clone(),
            value: value.clone(),
        });
        self.st.answers.insert(key, Answer { raw, value });
        self.events.push(Event::Edited);
        self.say(Msg::EditDone);
        let was = self.st.status;
        match (self.replay(), was) {
            (Some(next), _) => {
                self.st.status = SessionStatus::Answering;
                self.go(Next::Ask(next));
            }
            (None, SessionStatus::Answering) => self.complete(),
            (None, _) => {
                self.st.current = None;
            }
        }
    }

    /// Walks the path again from the first question with the answers kept, rebuilding the
    /// history; answers off the new path are retracted. Returns the first position without
    /// an answer (`None`: the path reaches the end).
    fn replay(&mut self) -> Option<Position> {
        let old = std::mem::take(&mut self.st.history);
        let more: std::collections::HashMap<(usize, u32), bool> = old
            .iter()
            .filter_map(|s| match (s.at, s.another) {
                (Position::More { group, iteration }, Some(a)) => Some(((group, iteration), a)),
                _ => None,
            })
            .collect();
        let mut next = nav::first(&self.view(0));
        let mut found = None;
        // Every step taken uses up an answer or a "more?" reply: the walk ends.
        for _ in 0..=(self.st.answers.len() + more.len()) {
            match next {
                Next::End => break,
                Next::Ask(p @ Position::Question { item, iteration }) => {
                    let key = View::key(self.cx.flow, item, iteration);
                    if !self.st.answers.contains_key(&key)
                        || self.st.history.iter().any(|s| s.at == p)
                    {
                        found = Some(p);
                        break;
                    }
                    self.st.history.push(Step {
                        at: p,
                        another: None,
                    });
                    next = nav::after(&self.view(iteration), p, false);
                }
                Next::Ask(p @ Position::More { group, iteration }) => {
                    let Some(&another) = more.get(&(group, iteration)) else {
                        found = Some(p);
                        break;
                    };
                    self.st.history.push(Step {
                        at: p,
                        another: Some(another),
                    });
                    next = nav::after(&self.view(0), p, another);
                }
            }
        }
        let on_path: std::collections::HashSet<_> = self
            .st
            .history
            .iter()
            .filter_map(|s| match s.at {
                Position::Question { item, iteration } => {
                    Some(View::key(self.cx.flow, item, iteration))
                }
                Position::More { .. } => None,
            })
            .collect();
        let off: Vec<_> = self
            .st
            .answers
            .keys()
            .filter(|k| !on_path.contains(*k))
            .cloned()
            .collect();
        for key in off {
            self.st.answers.remove(&key);
            self.answers.push(AnswerChange::Retract { key });
        }
        if found.is_none() && !matches!(next, Next::End) {
            // The walk ran out of steps (a flow the checker let through with a loop):
            // ask where it stopped rather than end the survey.
            if let Next::Ask(p) = next {
                found = Some(p);
            }
        }
        found
    }

    fn run_again(&mut self, input: &Input) {
        // `pending` was taken already, so this cannot recurse into `pending` again.
        self.run(input);
    }
}
