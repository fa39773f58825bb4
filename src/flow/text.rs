//! A flow's own texts. Each text of the YAML file becomes one Fluent message per language, all
//! held in one bundle per language, so formatting at run time is a lookup, not a parse.

use crate::model::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_syntax::ast::{Expression, InlineExpression, Pattern, PatternElement};
use fluent_syntax::parser::ParserError;
use std::fmt;

/// A reference to one text of a flow, with the variables its patterns use (so that callers
/// build only the arguments a text needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The Fluent message id inside the flow's bundles.
    pub id: String,
    /// Variables used by the pattern in any language, without `$`.
    pub vars: Vec<String>,
}

/// The bundles of one flow, one per language.
pub struct Texts {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field(
                "languages",
                &self.bundles.iter().map(|b| b.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Texts {
    /// Formats a text in `lang` (or the flow's first language if `lang` is not offered).
    /// Missing variables are shown as `…` rather than failing: a chat must go on.
    pub fn format(&self, lang: Lang, text: &Text, args: Option<&FluentArgs>) -> String {
        let Some((_, bundle)) = self
            .bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .or_else(|| self.bundles.first())
        else {
            return String::new();
        };
        let Some(pattern) = bundle.get_message(&text.id).and_then(|m| m.value()) else {
            return String::new();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// Collects the flow's texts while the checker walks the file.
pub struct TextsBuilder {
    langs: Vec<Lang>,
    sources: Vec<String>,
}

/// Why one pattern is not valid Fluent.
#[derive(Debug)]
pub struct PatternError(pub String);

impl TextsBuilder {
    /// A builder for these languages.
    pub fn new(langs: &[Lang]) -> Self {
        TextsBuilder {
            langs: langs.to_vec(),
            sources: vec![String::new(); langs.len()],
        }
    }

    /// Checks one pattern and returns the variables it uses.
    pub fn check_pattern(pattern: &str) -> Result<Vec<String>, PatternError> {
        let src = to_ftl("x", pattern);
        match fluent_syntax::parser::parse(src.as_str()) {
            Ok(res) => {
                let mut vars = Vec::new();
                for entry in &res.body {
                    if let fluent_syntax::ast::Entry::Message(m) = entry
                        && let Some(p) = &m.value
                    {
                        collect_vars(p, &mut vars);
                    }
                }
                Ok(vars)
            }
            Err((_, errors)) => Err(PatternError(describe(&errors))),
        }
    }

    /// Adds a checked text: `patterns` holds one pattern per builder language, in order.
    pub fn add(&mut self, id: String, patterns: &[&str], vars: Vec<String>) -> Text {
        for (src, p) in self.sources.iter_mut().zip(patterns) {
            src.push_str(&to_ftl(&id, p));
        }
        Text { id, vars }
    }

    /// Builds the bundles.
    pub fn build(self) -> Texts {
        let mut bundles = Vec::new();
        for (lang, src) in self.langs.into_iter().zip(self.sources) {
            let langid = lang
                .tag()
                .parse()
                .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            bundle.set_use_isolating(false);
            // Every pattern was parsed on its own already; a failure here would only drop
            // the bad entries, which the checker has reported.
            let res = FluentResource::try_new(src).unwrap_or_else(|(res, _)| res);
            let _ = bundle.add_resource(res);
            bundles.push((lang, bundle));
        }
        Texts { bundles }
    }
}

/// Writes a pattern as an FTL message in block form, so multi-line texts keep their lines.
/// Lines starting with `[`, `*` or `.` would be read as syntax, so they are escaped.
fn to_ftl(id: &str, pattern: &str) -> String {
    let mut out = format!("{id} =\n");
    // Inside a selector, `[key]` and `*[other]` lines are syntax and must stay as written.
    let selector = pattern.contains("->");
    for line in pattern.trim_end().lines() {
        let body = line.trim_start();
        if body.is_empty() {
            out.push('\n');
            continue;
        }
        out.push_str("    ");
        match body.chars().next().filter(|_| !selector) {
            Some(c @ ('[' | '*' | '.')) => {
                out.push_str(&format!("{{\"{c}\"}}"));
                out.push_str(&body[c.len_utf8()..]);
            }
            _ => out.push_str(body),
        }
        out.push('\n');
    }
    out
}

fn describe(errors: &[ParserError]) -> String {
    errors
        .iter()
        .map(|e| e.kind.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn collect_vars(p: &Pattern<&str>, out: &mut Vec<String>) {
    for el in &p.elements {
        if let PatternElement::Placeable { expression } = el {
            collect_expr(expression, out);
        }
    }
}

fn collect_expr(e: &Expression<&str>, out: &mut Vec<String>) {
    match e {
        Expression::Inline(i) => collect_inline(i, out),
        Expression::Select { selector, variants } => {
            collect_inline(selector, out);
            for v in variants {
                collect_vars(&v.value, out);
            }
        }
    }
}

fn collect_inline(i: &InlineExpression<&str>, out: &mut Vec<String>) {
    match i {
        InlineExpression::VariableReference { id } if !out.iter().any(|v| v == id.name) => {
            out.push(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => collect_expr(expression, out),
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                collect_inline(a, out);
            }
            for a in &arguments.named {
                collect_inline(&a.value, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_report_variables_and_errors() {
        let vars = TextsBuilder::check_pattern("Halo { $name }, di { $school }").unwrap();
        assert_eq!(vars, vec!["name", "school"]);
        assert!(TextsBuilder::check_pattern("Halo { $name ").is_err());
        let sel = "{ $n ->\n [one] satu\n *[other] banyak { $x }\n}";
        assert_eq!(TextsBuilder::check_pattern(sel).unwrap(), vec!["n", "x"]);
    }

    #[test]
    fn multi_line_and_bullets_survive() {
        let mut b = TextsBuilder::new(&[Lang::Id]);
        let t = b.add("t".into(), &["Baris satu\n* poin\n\nBaris { $a }"], vec![]);
        let texts = b.build();
        let mut args = FluentArgs::new();
        args.set("a", "dua");
        let s = texts.format(Lang::Id, &t, Some(&args));
        assert_eq!(s, "Baris satu\n* poin\n\nBaris dua");
    }
}
