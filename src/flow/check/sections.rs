//! Sections and repeat groups: ids, titles, `when`, and the questions inside; a repeat group
//! becomes a range of the flat question list with its "more?" prompt and its `max`.

use super::Checker;
use super::diagnostics::pos;
use super::names::valid_name;
use crate::flow::Group;
use crate::flow::Section;
use crate::flow::cond::Cond;
use crate::flow::def::{ItemDef, S, SectionDef};
use crate::flow::text::Text;

impl Checker {
    /// Checks a section and the questions and repeat groups in it.
    pub(super) fn section(&mut self, sdef: &S<SectionDef>) {
        let s = &sdef.value;
        let index = self.sections.len();
        if !valid_name(&s.id.value, true) {
            self.err(
                pos(&s.id),
                format!(
                    "section id `{}` must be letters, digits, `-` or `_`",
                    s.id.value
                ),
            );
        }
        let earlier = self.earlier();
        let title = self.text(&s.title, "section", &earlier, false);
        let intro = s
            .intro
            .as_ref()
            .map(|t| self.text(t, "section-intro", &earlier, false));
        self.sections.push(Section {
            id: s.id.value.clone(),
            title,
            intro,
        });
        let when = s.when.as_ref().and_then(|c| self.cond(c, None));
        self.section_start
            .insert(s.id.value.clone(), self.items.len());
        if s.questions.value.is_empty() {
            self.err(
                pos(&s.questions),
                format!("section `{}` has no questions", s.id.value),
            );
        }
        for item in &s.questions.value {
            if item.value.repeat.is_some() {
                self.group(item, index, when.clone());
            } else {
                self.question(item, index, None, when.clone());
            }
        }
    }

    /// Checks a repeat group and its questions; `outer` is the section's `when`.
    fn group(&mut self, gdef: &S<ItemDef>, section: usize, outer: Option<Cond>) {
        let g = &gdef.value;
        let Some(id) = &g.repeat else { return };
        let index = self.groups.len();
        for (present, key) in [
            (g.code.is_some(), "code"),
            (g.kind.is_some(), "type"),
            (g.options.is_some(), "options"),
            (g.goto.is_some(), "goto"),
            (g.help.is_some(), "help"),
            (g.optional.is_some(), "optional"),
            (g.scale.is_some(), "scale"),
            (g.unit.is_some(), "unit"),
            (g.min.is_some(), "min"),
            (g.soft.is_some(), "soft"),
            (g.compute.is_some(), "compute"),
            (g.min_length.is_some(), "min_length"),
            (g.max_length.is_some(), "max_length"),
            (g.time_unit.is_some(), "time_unit"),
            (g.not_before.is_some(), "not_before"),
            (g.not_after.is_some(), "not_after"),
            (g.precision.is_some(), "precision"),
            (g.pattern.is_some(), "pattern"),
            (g.pattern_message.is_some(), "pattern_message"),
            (g.codes.is_some(), "codes"),
            (g.rows.is_some(), "rows"),
            (g.scales.is_some(), "scales"),
        ] {
            if present {
                self.err(
                    pos(gdef),
                    format!("`{key}` does not apply to a repeat group (`{}`)", id.value),
                );
            }
        }
        if let Some(r) = &g.refusable {
            self.err(
                pos(r),
                format!("`refusable` does not apply to a repeat group (`{}`): mark the questions in it that may be declined", id.value),
            );
        }
        let earlier = self.earlier();
        let intro = g
            .text
            .as_ref()
            .map(|t| self.text(t, "group-intro", &earlier, false));
        let more = match &g.more {
            Some(t) => self.text(t, "group-more", &earlier, true),
            None => {
                self.err(
                    pos(id),
                    format!(
                        "repeat group `{}` needs a `more` question (\"is there another?\")",
                        id.value
                    ),
                );
                Text {
                    id: String::new(),
                    vars: Vec::new(),
                }
            }
        };
        let max = match &g.max {
            None => 5,
            Some(m)
                if m.value
                    .num()
                    .is_some_and(|x| (1.0..=50.0).contains(&x) && x.fract() == 0.0) =>
            {
                m.value.num().unwrap_or(5.0) as u32
            }
            Some(m) => {
                self.err(
                    pos(m),
                    "`max` of a repeat group must be a whole number from 1 to 50",
                );
                5
            }
        };
        let when = g.when.as_ref().and_then(|c| self.cond(c, None));
        let echo = self.echo(g.more.as_ref(), g.echo.as_ref());
        let start = self.items.len();
        self.groups.push(Group {
            id: id.value.clone(),
            start,
            end: start,
            max,
            when,
            intro,
            more,
            echo,
        });
        match &g.questions {
            Some(qs) if !qs.value.is_empty() => {
                for q in &qs.value {
                    if q.value.repeat.is_some() {
                        self.err(pos(q), "repeat groups cannot be nested");
                    } else {
                        self.question(q, section, Some(index), outer.clone());
                    }
                }
            }
            _ => self.err(
                pos(gdef),
                format!("repeat group `{}` has no `questions`", id.value),
            ),
        }
        self.groups[index].end = self.items.len();
    }
}
