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

/// A short Latin code (an organisation's "MISTM") as it is stored and looked up: upper case,
/// with `İ`, `ı` and `i` all read as `I`, so a code typed on an Azerbaijani keyboard (caps
/// lock gives "MİSTM") is still found.
pub fn code_key(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if matches!(c, 'İ' | 'ı' | 'i') { 'I' } else { c })
        .flat_map(char::to_uppercase)
        .collect()
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

/// How Azerbaijani letters are written by someone without them on their keyboard.
#[derive(Clone, Copy)]
enum Spelling {
    /// ə→e, ş→s, ç→c, ğ→g, ı→i, ö→o, ü→u: what people type on a plain Latin keyboard.
    Plain,
    /// As Plain, but ə→a ("Aliyev" for "Əliyev").
    OpenA,
    /// English transliteration: ə→a, ş→sh, ç→ch, x→kh, ğ→gh, c→j, q→g ("Shaki", "Ganja").
    English,
}

fn fold(text: &str, spelling: Spelling) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_was_space = true;
    for c in az_lowercase(text).chars() {
        let folded: &str = match (c, spelling) {
            ('ə', Spelling::Plain) => "e",
            ('ə', _) => "a",
            ('ş', Spelling::English) => "sh",
            ('ç', Spelling::English) => "ch",
            ('x', Spelling::English) => "kh",
            ('ğ', Spelling::English) => "gh",
            ('c', Spelling::English) => "j",
            ('q', Spelling::English) => "g",
            ('ş', _) => "s",
            ('ç', _) => "c",
            ('ğ', _) => "g",
            ('ı', _) => "i",
            ('ö', _) => "o",
            ('ü', _) => "u",
            ('ё', _) => "е",
            // The combining dot left by a decomposed İ, and the like.
            (c, _) if is_combining_mark(c) => continue,
            (c, _) if c.is_alphanumeric() => {
                out.push(c);
                last_was_space = false;
                continue;
            }
            _ => " ",
        };
        if folded == " " {
            if !last_was_space {
                out.push(' ');
            }
            last_was_space = true;
        } else {
            out.push_str(folded);
            last_was_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// What a query is compared with: lower case, Azerbaijani letters folded to plain Latin,
/// punctuation and repeated spaces collapsed. Cyrillic stays Cyrillic.
pub fn search_query(text: &str) -> String {
    fold(text, Spelling::Plain)
}

/// The key a name is stored with: its folded spellings side by side, so that a query typed
/// the plain way ("Seki"), with ə as a ("Aliyev") or in English ("Shaki") all find it.
/// Variants are separated by " / ", which a folded query never contains.
pub fn search_key(text: &str) -> String {
    let mut variants: Vec<String> = Vec::with_capacity(3);
    for spelling in [Spelling::Plain, Spelling::OpenA, Spelling::English] {
        let variant = fold(text, spelling);
        if !variants.contains(&variant) {
            variants.push(variant);
        }
    }
    variants.join(" / ")
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
    fn queries_fold_to_plain_latin() {
        assert_eq!(search_query("Şəki"), search_query("SEKI"));
        assert_eq!(search_query("İsmayıllı"), "ismayilli");
        assert_eq!(search_query("  Nəsimi-Binəqədi  "), "nesimi bineqedi");
        assert_eq!(search_query("Ильхам Алиев"), "ильхам алиев");
    }

    #[test]
    fn stored_keys_match_every_common_spelling() {
        let key = search_key("Əliyev Şəki Gəncə");
        for query in ["eliyev", "aliyev", "seki", "shaki", "ganja", "gence"] {
            assert!(key.contains(&search_query(query)), "{query} should match {key}");
        }
        assert_eq!(search_key("Rauf"), "rauf", "names without special letters have one variant");
    }

    #[test]
    fn codes_typed_on_an_azerbaijani_keyboard_are_found() {
        for typed in ["MİSTM", "mistm", "mıstm", " MISTM "] {
            assert_eq!(code_key(typed), "MISTM", "{typed}");
        }
    }
}
