//! Keeps credentials out of everything we print.
//!
//! Proxy URLs may carry a user and password (`http://user:pass@proxy:3128`,
//! or without a scheme, `user:pass@proxy:3128`). Wherever such a value, or a
//! message that may quote one, is shown (doctor's report, log lines), it
//! goes through [`userinfo`] first.

/// `text` with the password of every URL in it replaced by `***`
/// (`http://user:***@host:3128`); a user with no password is hidden whole
/// (`http://***@host`), since a lone user part is often a token.
///
/// Works on free text: every whitespace-separated word holding an `@` is
/// treated as a URL, with or without a scheme. Everything up to the last `@`
/// of the word's authority is user information, so a password holding an
/// unescaped `@` or `/` is hidden too.
pub fn userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        let (blank, word_on) = rest.split_at(start);
        out.push_str(blank);
        let end = word_on.find(char::is_whitespace).unwrap_or(word_on.len());
        let (word, after) = word_on.split_at(end);
        out.push_str(&redact_word(word));
        rest = after;
    }
    out.push_str(rest);
    out
}

fn redact_word(word: &str) -> String {
    let Some(at) = word.rfind('@') else {
        return word.to_string();
    };
    // The user information starts after `scheme://`, or else after the last
    // quote, bracket or `=` before the `@` (`KEY="u:p@h"`), or at the word.
    let start = match word.find("://") {
        Some(scheme_end) if scheme_end < at => scheme_end.saturating_add(3),
        _ => word[..at]
            .rfind(|c: char| "\"'(<[{=,;".contains(c))
            .map_or(0, |d| d.saturating_add(1)),
    };
    let Some(info) = word.get(start..at).filter(|i| !i.is_empty()) else {
        return word.to_string();
    };
    let shown = match info.split_once(':') {
        Some((user, _)) if !user.is_empty() => format!("{user}:***"),
        _ => "***".to_string(),
    };
    format!("{}{shown}{}", &word[..start], &word[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_of_a_url_is_hidden() {
        assert_eq!(
            userinfo("http://user:s3cret@proxy:3128"),
            "http://user:***@proxy:3128"
        );
        assert_eq!(
            userinfo("https://u:p@[fd00::1]:3128/x"),
            "https://u:***@[fd00::1]:3128/x"
        );
        assert_eq!(userinfo("http://token@proxy"), "http://***@proxy");
        assert_eq!(userinfo("http://:pw@proxy"), "http://***@proxy");
    }

    #[test]
    fn scheme_less_values_and_awkward_passwords_are_hidden() {
        assert_eq!(userinfo("user:s3cret@proxy:3128"), "user:***@proxy:3128");
        assert_eq!(
            userinfo("http://user:p@ss/w@proxy:3128"),
            "http://user:***@proxy:3128"
        );
        assert_eq!(userinfo("HTTPS_PROXY=u:pw@p:1"), "HTTPS_PROXY=u:***@p:1");
        assert_eq!(userinfo("response=[a@b]"), "response=[***@b]");
    }

    #[test]
    fn free_text_keeps_everything_but_the_secrets() {
        let text = "the proxy setting cannot be used (invalid proxy URL: http://u:pw@h:1); see  HTTPS_PROXY=\"u2:pw2@h:2\"";
        assert_eq!(
            userinfo(text),
            "the proxy setting cannot be used (invalid proxy URL: http://u:***@h:1); see  HTTPS_PROXY=\"u2:***@h:2\""
        );
    }

    #[test]
    fn text_without_credentials_is_unchanged() {
        for plain in [
            "",
            "  ",
            "http://proxy:3128",
            "no proxy: EC2 is reached directly",
            "@b",
        ] {
            assert_eq!(userinfo(plain), plain);
        }
    }
}
