//! Which respondents a staff member may see, as a condition every console query carries.
//!
//! Scope is enforced in SQL, not by hiding links: a query for a respondent, a wave or an
//! export outside the scope finds nothing, so the console answers 404 as for an id that
//! does not exist.

/// The schools a reader is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every respondent (admins, and the command line).
    All,
    /// Respondents whose `school` is one of these (compared trimmed and case-insensitively;
    /// stored lower-case). An empty list sees nobody.
    Schools(Vec<String>),
}

impl Scope {
    /// A scope limited to `schools`, normalised as stored (trimmed, lower-case, no empties).
    pub fn schools<I, S>(schools: I) -> Scope
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut v: Vec<String> = schools
            .into_iter()
            .map(|s| normalise_field(s.as_ref()))
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        Scope::Schools(v)
    }

    /// Whether a respondent of `school` is inside the scope.
    pub fn admits(&self, school: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Schools(list) => {
                school.is_some_and(|s| list.iter().any(|x| *x == normalise_field(s)))
            }
        }
    }

    /// The SQL condition on the school column `column` (for example `r.school`), with its
    /// parameters numbered from `$first`; the values to bind in order are returned with it.
    /// `Scope::All` is `1 = 1` with nothing to bind.
    pub fn sql(&self, column: &str, first: usize) -> (String, Vec<String>) {
        match self {
            Scope::All => ("1 = 1".into(), Vec::new()),
            Scope::Schools(list) if list.is_empty() => ("1 = 0".into(), Vec::new()),
            Scope::Schools(list) => {
                let params: Vec<String> =
                    (0..list.len()).map(|i| format!("${}", first + i)).collect();
                (
                    format!("lower(trim({column})) IN ({})", params.join(", ")),
                    list.clone(),
                )
            }
        }
    }
}

/// A roster field (a school, a programme, a cohort) as staff comparisons see it: trimmed,
/// lower-case. The staff scope compares schools this way and wave segments every field, so
/// "SMKN 1 Contoh " in the roster and `smkn 1 contoh` typed by staff are the same.
pub fn normalise_field(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Binds the values of a [`Scope::sql`] condition after those a statement bound itself
/// (the condition's placeholders were numbered to follow them): the one way every scoped
/// console query binds its scope.
pub(super) fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: Vec<String>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in values {
        query = query.bind(v);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schools_are_compared_trimmed_and_case_insensitively() {
        let s = Scope::schools([" SMKN 1 Contoh ", "smkn 1 contoh", ""]);
        assert_eq!(s, Scope::Schools(vec!["smkn 1 contoh".into()]));
        assert!(s.admits(Some("SMKN 1 contoh  ")));
        assert!(!s.admits(Some("SMKN 2 Contoh")));
        assert!(!s.admits(None));
        assert!(Scope::All.admits(None));
    }

    #[test]
    fn sql_numbers_its_parameters_from_first() {
        let (sql, binds) = Scope::schools(["b", "a"]).sql("r.school", 3);
        assert_eq!(sql, "lower(trim(r.school)) IN ($3, $4)");
        assert_eq!(binds, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(Scope::schools(Vec::<String>::new()).sql("x", 1).0, "1 = 0");
        assert_eq!(Scope::All.sql("x", 1), ("1 = 1".to_string(), vec![]));
    }
}
