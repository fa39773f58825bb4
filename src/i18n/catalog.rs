//! The bot's own messages: `locales/<lang>/*.ftl`, embedded in the binary so a fresh install
//! speaks without any files around it. Code names messages through the `Msg` enum only, so a
//! test can check that every id code asks for exists in every locale.

use crate::model::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The embedded Fluent sources: several files per language (one per part of the bot), all
/// loaded into that language's bundle.
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (
        Lang::Id,
        "locales/id/bot.ftl",
        include_str!("../../locales/id/bot.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/terminal.ftl",
        include_str!("../../locales/id/terminal.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/telegram.ftl",
        include_str!("../../locales/id/telegram.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/whatsapp.ftl",
        include_str!("../../locales/id/whatsapp.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/waves.ftl",
        include_str!("../../locales/id/waves.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/roster.ftl",
        include_str!("../../locales/id/roster.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/console.ftl",
        include_str!("../../locales/id/console.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/console-roster.ftl",
        include_str!("../../locales/id/console-roster.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/console-waves.ftl",
        include_str!("../../locales/id/console-waves.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/console-pages.ftl",
        include_str!("../../locales/id/console-pages.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/cli.ftl",
        include_str!("../../locales/id/cli.ftl"),
    ),
    (
        Lang::Id,
        "locales/id/webchat.ftl",
        include_str!("../../locales/id/webchat.ftl"),
    ),
    (
        Lang::En,
        "locales/en/bot.ftl",
        include_str!("../../locales/en/bot.ftl"),
    ),
    (
        Lang::En,
        "locales/en/terminal.ftl",
        include_str!("../../locales/en/terminal.ftl"),
    ),
    (
        Lang::En,
        "locales/en/telegram.ftl",
        include_str!("../../locales/en/telegram.ftl"),
    ),
    (
        Lang::En,
        "locales/en/whatsapp.ftl",
        include_str!("../../locales/en/whatsapp.ftl"),
    ),
    (
        Lang::En,
        "locales/en/waves.ftl",
        include_str!("../../locales/en/waves.ftl"),
    ),
    (
        Lang::En,
        "locales/en/roster.ftl",
        include_str!("../../locales/en/roster.ftl"),
    ),
    (
        Lang::En,
        "locales/en/console.ftl",
        include_str!("../../locales/en/console.ftl"),
    ),
    (
        Lang::En,
        "locales/en/console-roster.ftl",
        include_str!("../../locales/en/console-roster.ftl"),
    ),
    (
        Lang::En,
        "locales/en/console-waves.ftl",
        include_str!("../../locales/en/console-waves.ftl"),
    ),
    (
        Lang::En,
        "locales/en/console-pages.ftl",
        include_str!("../../locales/en/console-pages.ftl"),
    ),
    (
        Lang::En,
        "locales/en/cli.ftl",
        include_str!("../../locales/en/cli.ftl"),
    ),
    (
        Lang::En,
        "locales/en/webchat.ftl",
        include_str!("../../locales/en/webchat.ftl"),
    ),
];

macro_rules! messages {
    ($($variant:ident => $id:literal),* $(,)?) => {
        /// A message the bot says; the id is its Fluent message id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $(
            #[doc = concat!("`", $id, "`")]
            $variant
        ),* }
        impl Msg {
            /// Every message code can ask for.
            pub const ALL: &'static [Msg] = &[$(Msg::$variant),*];
            /// The Fluent id.
            pub fn id(self) -> &'static str {
                match self { $(Msg::$variant => $id),* }
            }
        }
    };
}

messages! {
    ConsentTitle => "consent-title",
    ConsentPurpose => "consent-purpose",
    ConsentData => "consent-data",
    ConsentRetention => "consent-retention",
    ConsentRights => "consent-rights",
    ConsentAsk => "consent-ask",
    ConsentReprompt => "consent-reprompt",
    ConsentDeclined => "consent-declined",
    Progress => "progress",
    OptionalHint => "optional-hint",
    HintSingle => "hint-single",
    HintMulti => "hint-multi",
    HintLikert => "hint-likert",
    HintYesNo => "hint-yesno",
    HintText => "hint-text",
    HintInteger => "hint-integer",
    HintDecimal => "hint-decimal",
    HintMoney => "hint-money",
    HintDate => "hint-date",
    HintMonthYear => "hint-month-year",
    HintPhone => "hint-phone",
    HintEmail => "hint-email",
    HintLookup => "hint-lookup",
    HintLookupOther => "hint-lookup-other",
    LookupPick => "lookup-pick",
    LookupNone => "lookup-none",
    LookupNoneOther => "lookup-none-other",
    LookupTaken => "lookup-taken",
    ErrEmpty => "err-empty",
    ErrTextShort => "err-text-short",
    ErrTextLong => "err-text-long",
    ErrNumber => "err-number",
    ErrMin => "err-min",
    ErrMax => "err-max",
    ErrMinAnswer => "err-min-answer",
    ErrMaxAnswer => "err-max-answer",
    UnsureAsk => "unsure-ask",
    UnsureDefault => "unsure-default",
    UnsureHint => "unsure-hint",
    UnsureRetry => "unsure-retry",
    ErrChoice => "err-choice",
    ErrChoiceWords => "err-choice-words",
    ErrChoiceWhich => "err-choice-which",
    ErrPattern => "err-pattern",
    ErrDateMin => "err-date-min",
    ErrDateMax => "err-date-max",
    HintDateOrMonth => "hint-date-or-month",
    UnitConverted => "unit-converted",
    ErrPicksMin => "err-picks-min",
    ErrPicksMax => "err-picks-max",
    ErrExclusive => "err-exclusive",
    ErrLikert => "err-likert",
    HintGrid => "hint-grid",
    ErrGridCount => "err-grid-count",
    ErrGridRange => "err-grid-range",
    ErrYesNo => "err-yesno",
    SkipNotAllowed => "skip-not-allowed",
    Skipped => "skipped",
    BackAtStart => "back-at-start",
    BackPrevious => "back-previous",
    Help => "help",
    LangAsk => "lang-ask",
    LangChanged => "lang-changed",
    LangNotOffered => "lang-not-offered",
    RestartConfirm => "restart-confirm",
    RestartDone => "restart-done",
    StopConfirm => "stop-confirm",
    StopDone => "stop-done",
    Cancelled => "cancelled",
    Completed => "completed",
    CompletedSaved => "completed-saved",
    AlreadyCompleted => "already-completed",
    SummaryTitle => "summary-title",
    SummaryEmpty => "summary-empty",
    SummarySkipped => "summary-skipped",
    Resume => "resume",
    Expired => "expired",
    OptedOutInfo => "opted-out-info",
    StaleButton => "stale-button",
    UnknownCommand => "unknown-command",
    Yes => "yes",
    No => "no",
    LangName => "lang-name",
    MoreHint => "more-hint",
    StopKeepAsk => "stop-keep-ask",
    StopKept => "stop-kept",
    StopDeleted => "stop-deleted",
    EraseConfirm => "erase-confirm",
    EraseDone => "erase-done",
    EditNothing => "edit-nothing",
    EditPick => "edit-pick",
    EditPickInvalid => "edit-pick-invalid",
    EditAsk => "edit-ask",
    EditDone => "edit-done",
    MyDataTitle => "mydata-title",
    MyDataRoster => "mydata-roster",
    MyDataAnswers => "mydata-answers",
    MyDataNone => "mydata-none",
    MyDataRights => "mydata-rights",
    MyDataName => "mydata-name",
    MyDataExternalId => "mydata-external-id",
    MyDataBirthDate => "mydata-birth-date",
    MyDataPhone => "mydata-phone",
    MyDataEmail => "mydata-email",
    MyDataCohort => "mydata-cohort",
    MyDataProgramme => "mydata-programme",
    MyDataSchool => "mydata-school",
    MyDataProvince => "mydata-province",
    // tg
    TgDone => "tg-done",
    TgNeedLink => "tg-need-link",
    TgBadToken => "tg-bad-token",
    TgTokenTaken => "tg-token-taken",
    WebTokenTaken => "web-token-taken",
    TgOtherLink => "tg-other-link",
    TgOnlyText => "tg-only-text",
    TgCmdStart => "tg-cmd-start",
    TgCmdBack => "tg-cmd-back",
    TgCmdSkip => "tg-cmd-skip",
    TgCmdSummary => "tg-cmd-summary",
    TgCmdLanguage => "tg-cmd-language",
    TgCmdRestart => "tg-cmd-restart",
    TgCmdStop => "tg-cmd-stop",
    TgCmdHelp => "tg-cmd-help",
    TgCmdMyData => "tg-cmd-mydata",
    TgCmdEdit => "tg-cmd-edit",
    TgCmdDelete => "tg-cmd-delete",
    // roster
    IdentityAsk => "identity-ask",
    IdentityWrong => "identity-wrong",
    IdentityLocked => "identity-locked",
    IdentityOk => "identity-ok",
    // wa
    WaUnknownNumber => "wa-unknown-number",
    WaTokenUnknown => "wa-token-unknown",
    WaBindRefused => "wa-bind-refused",
    WaUnsupported => "wa-unsupported",
    WaListButton => "wa-list-button",
    // terminal (jejak chat)
    TermIntro => "term-intro",
    TermAnsweringAs => "term-answering-as",
    TermContinuingAs => "term-continuing-as",
    TermHelpQuit => "term-help-quit",
    TermBye => "term-bye",
    TermByeDone => "term-bye-done",
    Refused => "refused",
    RefuseHint => "refuse-hint",
    RefuseButton => "refuse-button",
    SummaryRefused => "summary-refused",
}

/// Fluent bundles of the bot's messages, one per language.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalog")
    }
}

/// A locale file that does not parse (only possible while editing `locales/`).
#[derive(Debug, thiserror::Error)]
#[error("{file}: invalid Fluent: {message}")]
pub struct CatalogError {
    /// The file.
    pub file: &'static str,
    /// What the parser said.
    pub message: String,
}

impl Catalog {
    /// Builds the catalog from the embedded locale files.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        let mut bundles: Vec<(Lang, FluentBundle<FluentResource>)> = Vec::new();
        for (lang, file, src) in SOURCES {
            let res =
                FluentResource::try_new(src.to_string()).map_err(|(_, errs)| CatalogError {
                    file,
                    message: errs
                        .iter()
                        .map(|e| e.kind.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                })?;
            let idx = match bundles.iter().position(|(l, _)| l == lang) {
                Some(i) => i,
                None => {
                    let langid = lang.tag().parse().unwrap_or_default();
                    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
                    bundle.set_use_isolating(false);
                    bundles.push((*lang, bundle));
                    bundles.len() - 1
                }
            };
            // A message id defined twice across a language's files is an error.
            bundles[idx]
                .1
                .add_resource(res)
                .map_err(|errs| CatalogError {
                    file,
                    message: format!("{errs:?}"),
                })?;
        }
        Ok(Catalog { bundles })
    }

    /// Whether `lang` has a message with this id.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundle(lang).is_some_and(|b| b.has_message(id))
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .or_else(|| self.bundles.first())
            .map(|(_, b)| b)
    }

    /// Formats a message with no arguments.
    pub fn t(&self, lang: Lang, msg: Msg) -> String {
        self.format(lang, msg, None)
    }

    /// Formats a message with arguments given as name/value pairs.
    pub fn ta(&self, lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::with_capacity(args.len());
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format(lang, msg, Some(&fa))
    }

    /// Formats a message with one whole-number argument, so the message can select on it
    /// (`{ $count -> [2] 1 atau 2 *[other] 1 sampai { $count } }`); a string argument would
    /// never match a number variant.
    pub fn tn(&self, lang: Lang, msg: Msg, name: &str, n: i64) -> String {
        let mut fa = FluentArgs::with_capacity(1);
        fa.set(name, FluentValue::from(n));
        self.format(lang, msg, Some(&fa))
    }

    /// Formats a message chosen at run time (e.g. a wave's `--message` id, checked with
    /// [`Catalog::has`] when the wave is created). Unknown ids come back as the id itself.
    pub fn message(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::with_capacity(args.len());
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format_id(lang, id, Some(&fa))
    }

    fn format(&self, lang: Lang, msg: Msg, args: Option<&FluentArgs>) -> String {
        self.format_id(lang, msg.id(), args)
    }

    fn format_id(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
        let Some(bundle) = self.bundle(lang) else {
            return id.to_string();
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(src: &str) -> BTreeSet<String> {
        let res = fluent_syntax::parser::parse(src).expect("locale parses");
        res.body
            .iter()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_locale_has_the_same_ids_and_every_id_code_uses() {
        let mut sets: Vec<(Lang, BTreeSet<String>)> = Vec::new();
        for (l, _, s) in SOURCES {
            match sets.iter_mut().find(|(x, _)| x == l) {
                Some((_, set)) => set.extend(ids(s)),
                None => sets.push((*l, ids(s))),
            }
        }
        for (la, a) in &sets {
            for (lb, b) in &sets {
                let missing: Vec<_> = a.difference(b).collect();
                assert!(missing.is_empty(), "in {la} but not in {lb}: {missing:?}");
            }
            for m in Msg::ALL {
                assert!(
                    a.contains(m.id()),
                    "code uses `{}` but {la} lacks it",
                    m.id()
                );
            }
        }
        let cat = Catalog::embedded().expect("catalog builds");
        assert_eq!(cat.t(Lang::Id, Msg::Yes), "Ya");
        assert_eq!(cat.t(Lang::En, Msg::Yes), "Yes");
        // No Unicode isolation marks in chat text.
        let p = cat.ta(Lang::Id, Msg::Progress, &[("n", "5"), ("total", "23")]);
        assert_eq!(p, "Pertanyaan 5 dari 23");
        // Numbers select variants: two choices read "1 atau 2", not "1 sampai 2".
        let two = cat.tn(Lang::Id, Msg::ErrChoice, "count", 2);
        assert!(two.ends_with("Balas dengan nomor 1 atau 2."), "{two}");
        let three = cat.tn(Lang::Id, Msg::ErrChoice, "count", 3);
        assert!(three.ends_with("Balas dengan nomor 1 sampai 3."), "{three}");
        let two = cat.tn(Lang::En, Msg::ErrChoice, "count", 2);
        assert!(two.ends_with("Reply with 1 or 2."), "{two}");
    }
}
