//! The one message splitter every channel uses: platforms cap a message's length
//! (Telegram 4,096 characters of HTML, WhatsApp 4,096 of text), so a long reply goes as
//! several messages, cut where a reader would: at a paragraph break, else a line break,
//! else a space, else anywhere.

/// Splits `text` into pieces whose `measure` is at most `max` (a channel measures what it
/// will send: Telegram the escaped HTML, WhatsApp the characters). Cuts at the last
/// paragraph break, line break or space that keeps the piece under the limit, dropping
/// only that break, so joining the pieces with the breaks gives the text back; a run
/// without any break is cut at the last character that fits. `measure` must grow with
/// the text (a longer prefix never measures less).
pub fn split(text: &str, max: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while measure(rest) > max {
        // The longest prefix that fits, by bisection over character boundaries.
        let bounds: Vec<usize> = rest.char_indices().map(|(i, _)| i).skip(1).collect();
        let (mut lo, mut hi) = (0usize, bounds.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if measure(&rest[..bounds[mid - 1]]) <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        // Not even one character fits: take one anyway, or nothing would ever end.
        let end = if lo == 0 {
            bounds.first().copied().unwrap_or(rest.len())
        } else {
            bounds[lo - 1]
        };
        let window = &rest[..end];
        let (cut, skip) = [("\n\n", 2), ("\n", 1), (" ", 1)]
            .into_iter()
            .find_map(|(brk, skip)| window.rfind(brk).filter(|&i| i > 0).map(|i| (i, skip)))
            .unwrap_or((end, 0));
        out.push(rest[..cut].to_string());
        rest = &rest[cut + skip..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(rest.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split("halo", 10, chars), vec!["halo"]);
        assert_eq!(split("", 10, chars), vec![""]);
    }

    #[test]
    fn cuts_at_paragraphs_then_lines_then_spaces() {
        assert_eq!(split("aaa bbb\n\nccc", 9, chars), vec!["aaa bbb", "ccc"]);
        assert_eq!(split("aaa\nbbb ccc", 9, chars), vec!["aaa", "bbb ccc"]);
        assert_eq!(split("aaa bbb ccc", 9, chars), vec!["aaa bbb", "ccc"]);
        assert_eq!(split("abcdefghij", 4, chars), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn pieces_fit_their_measure_and_lose_nothing() {
        let line = "kata ".repeat(300);
        let text = vec![line.clone(); 10].join("\n");
        let pieces = split(&text, 4000, chars);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| chars(p) <= 4000));
        assert_eq!(pieces.join("\n"), text);
        // A measure that weighs characters differently (HTML escaping).
        let amp = "&".repeat(100);
        let pieces = split(&amp, 50, |s| chars(s) * 5);
        assert!(pieces.iter().all(|p| chars(p) * 5 <= 50));
        assert_eq!(pieces.concat(), amp);
    }
}
