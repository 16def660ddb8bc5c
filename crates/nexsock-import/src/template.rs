//! process-compose's two text substitutions, as far as nexsock can honour them: `{{.NAME}}` from
//! `vars` (Go templates, of which only plain variable references are supported), and `$VAR`
//! expansion at load time (which nexsock does not do: the references stay for the shell).

use std::collections::BTreeMap;

/// Renders every `{{.NAME}}` (spaces inside the braces allowed) with `vars`.
///
/// # Errors
/// A message for an unknown variable, an unclosed `{{`, or any other template action.
pub(crate) fn render(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or_else(|| format!("`{{{{` without `}}}}` in `{text}`"))?;
        let action = after[..close].trim();
        let name = action
            .strip_prefix('.')
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| format!("`{{{{{action}}}}}`: only `{{{{.NAME}}}}` variable references are supported"))?;
        let value = vars.get(name).ok_or_else(|| format!("`{{{{.{name}}}}}`: no variable `{name}` in `vars`"))?;
        out.push_str(value);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// process-compose's load-time `$` handling: `$$` is a literal `$`, and `$NAME` / `${NAME}` are
/// replaced from its own environment and `.env`. nexsock keeps the references (a command's shell
/// expands them at run time from the service's environment) and returns their names, to report.
pub(crate) fn dollars(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut refs = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&(_, n)| n) {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some('{') => {
                let name: String = text[i + 2..].chars().take_while(|&c| c != '}' && c != ':' && c != '-').collect();
                refs.push(name);
                out.push(c);
            }
            Some(n) if n.is_ascii_alphabetic() || n == '_' => {
                let name: String =
                    text[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                refs.push(name);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    (out, refs)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("PORT", "8080"), ("NAME", "api")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    #[rstest]
    #[case("serve --port {{.PORT}}", "serve --port 8080")]
    #[case("{{ .NAME }}-{{.PORT}}", "api-8080")]
    #[case("no templates", "no templates")]
    fn render_replaces_variable_references(#[case] text: &str, #[case] rendered: &str) {
        assert_eq!(render(text, &vars()).expect("renders"), rendered);
    }

    #[rstest]
    #[case("{{.MISSING}}", "no variable `MISSING`")]
    #[case("{{if .PORT}}x{{end}}", "only `{{.NAME}}`")]
    #[case("open {{.PORT", "without")]
    fn render_refuses_what_it_cannot_honour(#[case] text: &str, #[case] message: &str) {
        let err = render(text, &vars()).expect_err("refused");
        assert!(err.contains(message), "{err}");
    }

    #[rstest]
    #[case("echo $$HOME", "echo $HOME", &[])]
    #[case("run_${VERSION}.py $PORT", "run_${VERSION}.py $PORT", &["VERSION", "PORT"])]
    #[case("cost: 5$", "cost: 5$", &[])]
    #[case("${A:-x}", "${A:-x}", &["A"])]
    fn dollars_unescapes_and_names_references(#[case] text: &str, #[case] kept: &str, #[case] refs: &[&str]) {
        let (out, found) = dollars(text);
        assert_eq!(out, kept);
        assert_eq!(found, refs);
    }
}
