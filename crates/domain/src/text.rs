//! Text folding for search. Azerbaijani has a dotted and a dotless i (İ/i and I/ı), which
//! Rust's `to_lowercase` maps the Turkish-unaware way, and users often type without
//! diacritics ("Seki" for "Şəki"). Names are therefore stored with a folded search key and
//! queries are folded the same way. SQL `lower()`/`LIKE` are ASCII-only in SQLite, so the
//! folding must happen here, never in the database.

/// Lower-cases by Azerbaijani rules: `İ`→`i`, `I`→`ı`; everything else as Unicode says.
pub fn az_lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'İ' => out.push('i'),
            'I' => out.push('ı'),
            other => out.extend(other.to_lowercase()),
        }
    }
    // `to_lowercase` of a precomposed İ never reaches here; a decomposed "I + U+0307" does.
    out.replace("ı\u{307}", "i")
}

/// Upper-cases by Azerbaijani rules: `i`→`İ`, `ı`→`I`.
pub fn az_uppercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'i' => out.push('İ'),
            'ı' => out.push('I'),
            other => out.extend(other.to_uppercase()),
        }
    }
    out
}

/// The key a name is searched by: lower case, Azerbaijani letters folded to their plain
/// Latin look-alikes, punctuation and repeated spaces collapsed. Cyrillic stays Cyrillic.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_was_space = true;
    for c in az_lowercase(text).chars() {
        let folded = match c {
            'ə' => 'e',
            'ı' => 'i',
            'ş' => 's',
            'ç' => 'c',
            'ğ' => 'g',
            'ö' => 'o',
            'ü' => 'u',
            'ё' => 'е',
            c if c.is_alphanumeric() => c,
            // The combining dot left by a decomposed İ, and the like.
            c if is_combining_mark(c) => continue,
            _ => ' ',
        };
        if folded == ' ' {
            if !last_was_space {
                out.push(' ');
            }
            last_was_space = true;
        } else {
            out.push(folded);
            last_was_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azerbaijani_i_rules_hold_both_ways() {
        assert_eq!(az_lowercase("İSMAYILLI"), "ismayıllı");
        assert_eq!(az_uppercase("ismayıllı"), "İSMAYILLI");
        assert_eq!(az_lowercase("I\u{307}"), "i");
    }

    #[test]
    fn search_key_matches_typing_without_diacritics() {
        assert_eq!(search_key("Şəki"), search_key("SEKI"));
        assert_eq!(search_key("İsmayıllı"), "ismayilli");
        assert_eq!(search_key("  Nəsimi-Binəqədi  "), "nesimi bineqedi");
        assert_eq!(search_key("Ильхам Алиев"), "ильхам алиев");
    }
}
