//! Writing shell command lines: quoting words for `sh -c`.

/// `word` as one `sh` word: bare when it holds only safe characters, else single-quoted.
pub(crate) fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '@' | ',' | '+'));
    if safe { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// The words as one command line.
pub(crate) fn join<S: AsRef<str>>(words: &[S]) -> String {
    words.iter().map(|w| quote(w.as_ref())).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("plain", "plain")]
    #[case("/a/b.yaml", "/a/b.yaml")]
    #[case("with space", "'with space'")]
    #[case("it's", r"'it'\''s'")]
    #[case("", "''")]
    #[case("{{.State}}", "'{{.State}}'")]
    fn quote_makes_one_word(#[case] word: &str, #[case] quoted: &str) {
        assert_eq!(quote(word), quoted);
    }
}
