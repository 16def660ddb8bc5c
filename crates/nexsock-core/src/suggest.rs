//! "Did you mean": the known name closest to a mistyped one — similar by clap's rule for
//! subcommands (Jaro similarity above 0.7), or a typo or two away (swapped, missing or extra
//! letters, which short names like `wbe` for `web` need).

/// The candidate most like `name`, when one is close enough.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typos = 1 + name.chars().count() / 4;
    candidates
        .into_iter()
        .filter(|c| strsim::jaro(name, c) > 0.7 || strsim::damerau_levenshtein(name, c) <= typos)
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)`, or `otherwise` when nothing is close.
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, otherwise: &str) -> String {
    closest(name, candidates).map_or_else(|| otherwise.to_owned(), |c| format!(" (did you mean `{c}`?)"))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::two_letters_swapped("wbe", &["web", "worker", "db"], Some("web"))]
    #[case::a_letter_wrong("api2", &["api", "apx"], Some("api"))]
    #[case::a_missing_letter("worke", &["web", "worker", "db"], Some("worker"))]
    #[case::nothing_close("zzz", &["web", "worker", "db"], None)]
    #[case::no_candidates("web", &[], None)]
    fn the_closest_known_name_is_suggested(#[case] name: &str, #[case] known: &[&str], #[case] expected: Option<&str>) {
        assert_eq!(closest(name, known.iter().copied()), expected);
    }
}
