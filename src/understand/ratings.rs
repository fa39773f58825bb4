//! Ratings of one grid row: one point per scale in a single answer, written the ways people
//! type two numbers on a phone ("4 5", "4,5", "4 dan 5", "4/5", "A4 B5", "empat lima"), and
//! "45" when every scale is one digit.

use super::{MAX_INPUT_BYTES, parse_integer};
use crate::model::Lang;

/// Words that join the points and say nothing themselves.
const JOINERS: [&str; 6] = ["dan", "and", "lalu", "then", "serta", "&"];

/// What a grid answer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ratings {
    /// Exactly `count` points, in order (not yet checked against the scales' ranges).
    Points(Vec<i64>),
    /// Some other number of points (possibly none).
    Count(usize),
}

/// Reads `count` whole numbers from `input`. A letter naming a scale before its point ("A4",
/// "B: 5") is ignored, as are joining words; a single run of `count` digits is split into
/// one point per digit when `single_digit` (every scale lies within 0–9), so "45" is 4 and 5.
pub fn parse_ratings(input: &str, lang: Lang, count: usize, single_digit: bool) -> Ratings {
    if input.len() > MAX_INPUT_BYTES {
        return Ratings::Count(0);
    }
    let lowered = input.to_lowercase();
    let spaced: String = lowered
        .chars()
        .map(|c| match c {
            ',' | ';' | '/' | '|' | '-' | ':' | '=' | '.' | '+' => ' ',
            c => c,
        })
        .collect();
    let mut points = Vec::new();
    for token in spaced.split_whitespace() {
        if JOINERS.contains(&token) {
            continue;
        }
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            // "a4", "4x": the digits are the point; a long run is one number ("10").
            match digits.parse::<i64>() {
                Ok(n) => points.push(n),
                Err(_) => return Ratings::Count(0),
            }
        } else if let Some(n) = parse_integer(token, lang) {
            points.push(n);
        }
        // Any other word ("a", "nilai") is a label around the points.
    }
    if points.len() == 1 && count > 1 && single_digit {
        let run: Vec<i64> = points[0]
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10).map(i64::from))
            .collect();
        if run.len() == count {
            return Ratings::Points(run);
        }
    }
    if points.len() == count {
        Ratings::Points(points)
    } else {
        Ratings::Count(points.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two(s: &str) -> Ratings {
        parse_ratings(s, Lang::Id, 2, true)
    }

    #[test]
    fn two_points_written_every_way() {
        for s in [
            "4 5",
            "4,5",
            "4, 5",
            "4 dan 5",
            "4/5",
            "4-5",
            "A4 B5",
            "a: 4, b: 5",
            "45",
            "empat lima",
            "4 and 5",
            " 4  5 ",
        ] {
            assert_eq!(two(s), Ratings::Points(vec![4, 5]), "{s:?}");
        }
    }

    #[test]
    fn a_wrong_count_is_reported_not_guessed() {
        assert_eq!(two("4"), Ratings::Count(1));
        assert_eq!(two("4 5 3"), Ratings::Count(3));
        assert_eq!(two("tidak tahu"), Ratings::Count(0));
        assert_eq!(two("456"), Ratings::Count(1));
        // Two-digit scales are never split.
        assert_eq!(parse_ratings("45", Lang::Id, 2, false), Ratings::Count(1));
    }

    #[test]
    fn one_scale_takes_one_number() {
        assert_eq!(
            parse_ratings("4", Lang::Id, 1, true),
            Ratings::Points(vec![4])
        );
        assert_eq!(
            parse_ratings("10", Lang::Id, 1, false),
            Ratings::Points(vec![10])
        );
    }

    #[test]
    fn long_input_is_not_read() {
        let s = "4 ".repeat(MAX_INPUT_BYTES);
        assert_eq!(two(&s), Ratings::Count(0));
    }
}
