//! Java regular expressions on the `regex` crate: Java's syntax translated (ASCII `\d \w \s`, `\Q…\E`),
//! Java's replacement syntax (`$1`, `${name}`, `\$`) and `String.split`'s rules.

use regex::Regex;

/// A compiled Java pattern.
#[derive(Debug)]
pub(crate) struct JavaRegex {
    re: Regex,
    /// The same pattern anchored at both ends, for `matches`.
    whole: Regex,
}

/// Java's regex engine is unbounded; this one is linear-time, with a size cap on compiled programs.
const MAX_REGEX_SIZE: usize = 1 << 20;

impl JavaRegex {
    pub(crate) fn compile(pattern: &str) -> Result<JavaRegex, String> {
        let translated = translate(pattern)?;
        let build = |p: &str| {
            regex::RegexBuilder::new(p)
                .size_limit(MAX_REGEX_SIZE)
                .dfa_size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))
        };
        Ok(JavaRegex {
            re: build(&translated)?,
            whole: build(&format!(r"\A(?:{translated})\z"))?,
        })
    }

    pub(crate) fn matches(&self, s: &str) -> bool {
        self.whole.is_match(s)
    }

    /// `replaceAll` (`first == false`) / `replaceFirst`.
    /// `Ok(None)` when nothing matched (the string is returned unchanged, without copying).
    pub(crate) fn replace(&self, s: &str, replacement: &str, first: bool) -> Result<Option<String>, String> {
        let mut matches = self.re.find_iter(s).peekable();
        // Java reads the replacement only once something matched (a bad one fails only then).
        if matches.peek().is_none() {
            return Ok(None);
        }
        let parts = if replacement.contains(['$', '\\']) {
            parse_replacement(replacement, self.re.captures_len() - 1, &self.re)?
        } else {
            vec![Part::Lit(replacement.to_owned())]
        };
        let mut out = String::with_capacity(s.len() + replacement.len());
        let mut last = 0;
        if let [Part::Lit(literal)] | [Part::Lit(literal), ..] = parts.as_slice()
            && parts.iter().all(|p| matches!(p, Part::Lit(_)))
        {
            // No group references: plain matching (the regex crate's fast path), no capture groups.
            let joined: String;
            let literal = if parts.len() == 1 {
                literal.as_str()
            } else {
                joined = parts
                    .iter()
                    .map(|p| if let Part::Lit(l) = p { l.as_str() } else { "" })
                    .collect();
                joined.as_str()
            };
            for m in matches {
                out.push_str(&s[last..m.start()]);
                out.push_str(literal);
                last = m.end();
                if first {
                    break;
                }
            }
            out.push_str(&s[last..]);
            return Ok(Some(out));
        }
        drop(matches);
        for caps in self.re.captures_iter(s) {
            let Some(m) = caps.get(0) else { continue };
            out.push_str(&s[last..m.start()]);
            for p in &parts {
                match p {
                    Part::Lit(l) => out.push_str(l),
                    Part::Group(g) => out.push_str(caps.get(*g).map_or("", |c| c.as_str())),
                }
            }
            last = m.end();
            if first {
                break;
            }
        }
        out.push_str(&s[last..]);
        Ok(Some(out))
    }

    /// `String.split(regex, limit)`: `limit > 0` caps the number of parts; `limit < 0` keeps trailing empties.
    pub(crate) fn split_limit(&self, s: &str, limit: i32) -> Vec<String> {
        if limit == 0 {
            return self.split(s);
        }
        if s.is_empty() {
            return vec![String::new()];
        }
        let mut out = Vec::new();
        let mut last = 0;
        for m in self.re.find_iter(s) {
            if limit > 0 && out.len() + 1 >= limit as usize {
                break;
            }
            if m.end() == 0 || (m.start() == m.end() && m.start() >= s.len()) {
                continue;
            }
            out.push(s[last..m.start()].to_owned());
            last = m.end();
        }
        out.push(s[last..].to_owned());
        out
    }

    /// `String.split(regex)`: a zero-width match at the start yields no leading empty string; trailing empty
    /// strings are removed.
    pub(crate) fn split(&self, s: &str) -> Vec<String> {
        if s.is_empty() {
            return vec![String::new()];
        }
        let mut out = Vec::new();
        let mut last = 0;
        for m in self.re.find_iter(s) {
            if m.end() == 0 {
                continue;
            }
            if m.start() == m.end() && m.start() >= s.len() {
                continue;
            }
            out.push(s[last..m.start()].to_owned());
            last = m.end();
        }
        out.push(s[last..].to_owned());
        while out.len() > 1 && out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        if out.len() == 1 && out[0].is_empty() && !s.is_empty() {
            return Vec::new();
        }
        out
    }
}

enum Part {
    Lit(String),
    Group(usize),
}

/// Java's `Matcher.appendReplacement` syntax.
fn parse_replacement(r: &str, groups: usize, re: &Regex) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => lit.push(n),
                None => return Err("java.lang.IllegalArgumentException: character to be escaped is missing".to_owned()),
            },
            '$' => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    let idx = re
                        .capture_names()
                        .position(|n| n == Some(name.as_str()))
                        .ok_or_else(|| format!("java.lang.IllegalArgumentException: No group with name {{{name}}}"))?;
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Group(idx));
                    continue;
                }
                let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) else {
                    return Err("java.lang.IllegalArgumentException: Illegal group reference".to_owned());
                };
                chars.next();
                let mut g = d as usize;
                if g > groups {
                    return Err(format!("java.lang.IndexOutOfBoundsException: No group {g}"));
                }
                while let Some(n) = chars.peek().and_then(|c| c.to_digit(10)) {
                    let next = g * 10 + n as usize;
                    if next > groups {
                        break;
                    }
                    g = next;
                    chars.next();
                }
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Group(g));
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(parts)
}

/// Java pattern syntax → `regex` syntax.
fn translate(p: &str) -> Result<String, String> {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = 0u32;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err("java.util.regex.PatternSyntaxException: Unexpected internal error".to_owned());
                };
                i += 2;
                match n {
                    'd' => out.push_str(if in_class > 0 { "0-9" } else { "[0-9]" }),
                    'D' => out.push_str(if in_class > 0 { r"\x00-/:-\x{10FFFF}" } else { "[^0-9]" }),
                    'w' => out.push_str(if in_class > 0 { "a-zA-Z_0-9" } else { "[a-zA-Z_0-9]" }),
                    'W' => out.push_str(if in_class > 0 { r"\W" } else { "[^a-zA-Z_0-9]" }),
                    's' => out.push_str(if in_class > 0 {
                        r"\t\n\x0B\x0C\r "
                    } else {
                        r"[\t\n\x0B\x0C\r ]"
                    }),
                    'S' => out.push_str(if in_class > 0 { r"\S" } else { r"[^\t\n\x0B\x0C\r ]" }),
                    'Q' => {
                        let mut lit = String::new();
                        while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                            lit.push(chars[i]);
                            i += 1;
                        }
                        i += 2;
                        out.push_str(&regex::escape(&lit));
                    }
                    'b' | 'B' if in_class == 0 => {
                        out.push_str(if n == 'b' { r"(?-u:\b)" } else { r"(?-u:\B)" });
                    }
                    'Z' => out.push_str(r"(?:\n?\z)"),
                    'h' => out.push_str(r"[ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]"),
                    '0'..='9' if in_class == 0 && n != '0' => {
                        return Err("backreferences are not supported".to_owned());
                    }
                    c if c.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push_str(&regex::escape(&c.to_string())),
                }
                continue;
            }
            '[' => {
                in_class += 1;
                out.push('[');
            }
            ']' if in_class > 0 => {
                in_class -= 1;
                out.push(']');
            }
            '*' | '+' | '?' | '}' if in_class == 0 && chars.get(i + 1) == Some(&'+') => {
                // Possessive quantifiers have no equivalent; a greedy one matches the same strings in a
                // linear-time engine for the patterns templates use.
                out.push(c);
                i += 2;
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}
