//! Java regular expressions: Java's syntax translated (ASCII `\d \w \s`, `\Q…\E`), Java's replacement syntax
//! (`$1`, `${name}`, `\$`) and `String.split`'s rules.
//!
//! Three engines, chosen once per pattern: a pattern without metacharacters (`"`, `\\`, `\n`, `, `) is a plain
//! substring search; everything the linear-time `regex` crate accepts runs there; only patterns that need
//! backreferences or lookaround (which Java accepts and `regex` cannot run) go to `fancy-regex`, a backtracking
//! engine with a backtrack limit so a render's cost stays bounded.

use regex::Regex;

/// A compiled Java pattern.
#[derive(Debug)]
pub(crate) struct JavaRegex {
    kind: Kind,
    /// Capture groups, without group 0.
    groups: usize,
    /// Group names by index (for `${name}` in replacements).
    names: Box<[Option<Box<str>>]>,
    /// The replacement string this pattern is used with at its call site, parsed ahead of time.
    replacement: Option<(Box<str>, Parsed)>,
}

/// A replacement string parsed against a pattern's groups, or the exception reading it throws.
type Parsed = Result<Box<[Part]>, String>;

#[derive(Debug)]
enum Kind {
    /// No metacharacters: these exact characters, searched with a finder built once.
    Literal(Box<str>, Box<memchr::memmem::Finder<'static>>),
    Linear {
        re: Regex,
        /// The same pattern anchored at both ends, for `matches`.
        whole: Regex,
    },
    Backtracking {
        re: Box<fancy_regex::Regex>,
        whole: Box<fancy_regex::Regex>,
    },
}

/// Java's regex engine is unbounded; this one is linear-time, with a size cap on compiled programs.
const MAX_REGEX_SIZE: usize = 1 << 20;
/// Backtracking steps one search of a backreference/lookaround pattern may take (Java has no such bound; past
/// it the method call fails, as a render error).
const BACKTRACK_LIMIT: usize = 200_000;

/// One match: byte spans of group 0 and, when asked for, of the capture groups.
type Spans<'a> = &'a [Option<(usize, usize)>];

fn syntax_error(e: impl std::fmt::Display) -> String {
    format!("java.util.regex.PatternSyntaxException: {e}")
}

fn backtrack_error(e: &fancy_regex::Error) -> String {
    format!("java.lang.StackOverflowError: the regular expression backtracked too much ({e})")
}

impl JavaRegex {
    pub(crate) fn compile(pattern: &str) -> Result<JavaRegex, String> {
        if let Some(lit) = literal(pattern) {
            let finder = Box::new(memchr::memmem::Finder::new(lit.as_bytes()).into_owned());
            return Ok(JavaRegex {
                kind: Kind::Literal(lit.into_boxed_str(), finder),
                groups: 0,
                names: Box::new([None]),
                replacement: None,
            });
        }
        let translated = translate(pattern)?;
        if !translated.backtracking {
            let build = |p: &str| {
                regex::RegexBuilder::new(p)
                    .size_limit(MAX_REGEX_SIZE)
                    .dfa_size_limit(MAX_REGEX_SIZE)
                    .build()
                    .map_err(syntax_error)
            };
            let re = build(&translated.pattern)?;
            let whole = build(&format!(r"\A(?:{})\z", translated.pattern))?;
            let names = re.capture_names().map(|n| n.map(Box::from)).collect();
            return Ok(JavaRegex {
                groups: re.captures_len() - 1,
                names,
                kind: Kind::Linear { re, whole },
                replacement: None,
            });
        }
        let build = |p: &str| {
            fancy_regex::RegexBuilder::new(p)
                .backtrack_limit(BACKTRACK_LIMIT)
                .delegate_size_limit(MAX_REGEX_SIZE)
                .delegate_dfa_size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(syntax_error)
        };
        let re = build(&translated.pattern)?;
        let whole = build(&format!(r"\A(?:{})\z", translated.pattern))?;
        let names = re.capture_names().map(|n| n.map(Box::from)).collect();
        Ok(JavaRegex {
            groups: re.captures_len() - 1,
            names,
            kind: Kind::Backtracking {
                re: Box::new(re),
                whole: Box::new(whole),
            },
            replacement: None,
        })
    }

    /// Parses, ahead of time, the replacement string a call site always passes (`replaceAll('"', '\\"')`).
    pub(crate) fn with_replacement(mut self, replacement: &str) -> JavaRegex {
        let parsed = parse_replacement(replacement, self.groups, &self.names).map(Vec::into_boxed_slice);
        self.replacement = Some((replacement.into(), parsed));
        self
    }

    /// The pattern's byte and the replacement's text, when the pattern is one literal ASCII character and the
    /// replacement parsed ahead of time ([`with_replacement`](Self::with_replacement)) has no group references.
    pub(crate) fn byte_replacement(&self) -> Option<(u8, String)> {
        let Kind::Literal(lit, _) = &self.kind else { return None };
        let [byte] = lit.as_bytes() else { return None };
        let Some((_, Ok(parts))) = &self.replacement else {
            return None;
        };
        let mut text = String::new();
        for part in parts.iter() {
            match part {
                Part::Lit(l) => text.push_str(l),
                Part::Group(_) => return None,
            }
        }
        Some((*byte, text))
    }

    /// `true` when the pattern needs the backtracking engine.
    #[cfg(test)]
    fn is_backtracking(&self) -> bool {
        matches!(self.kind, Kind::Backtracking { .. })
    }

    /// `true` when the pattern is searched as a plain string.
    #[cfg(test)]
    fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Literal(..))
    }

    pub(crate) fn matches(&self, s: &str) -> Result<bool, String> {
        match &self.kind {
            Kind::Literal(lit, _) => Ok(s == &**lit),
            Kind::Linear { whole, .. } => Ok(whole.is_match(s)),
            Kind::Backtracking { whole, .. } => whole.is_match(s).map_err(|e| backtrack_error(&e)),
        }
    }

    /// Calls `f` with each successive non-overlapping match (group spans only when `groups` is set) until it
    /// returns `false`.
    fn each_match(&self, s: &str, groups: bool, f: &mut dyn FnMut(Spans<'_>) -> bool) -> Result<(), String> {
        match &self.kind {
            Kind::Literal(lit, finder) => {
                for start in finder.find_iter(s.as_bytes()) {
                    if !f(&[Some((start, start + lit.len()))]) {
                        break;
                    }
                }
            }
            Kind::Linear { re, .. } if !groups => {
                for m in re.find_iter(s) {
                    if !f(&[Some((m.start(), m.end()))]) {
                        break;
                    }
                }
            }
            Kind::Linear { re, .. } => {
                let mut spans = Vec::with_capacity(self.groups + 1);
                for caps in re.captures_iter(s) {
                    spans.clear();
                    spans.extend(caps.iter().map(|c| c.map(|c| (c.start(), c.end()))));
                    if !f(&spans) {
                        break;
                    }
                }
            }
            Kind::Backtracking { re, .. } if !groups => {
                for m in re.find_iter(s) {
                    let m = m.map_err(|e| backtrack_error(&e))?;
                    if !f(&[Some((m.start(), m.end()))]) {
                        break;
                    }
                }
            }
            Kind::Backtracking { re, .. } => {
                let mut spans = Vec::with_capacity(self.groups + 1);
                for caps in re.captures_iter(s) {
                    let caps = caps.map_err(|e| backtrack_error(&e))?;
                    spans.clear();
                    spans.extend((0..=self.groups).map(|i| caps.get(i).map(|c| (c.start(), c.end()))));
                    if !f(&spans) {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// The first match's span.
    fn first_match(&self, s: &str) -> Result<Option<(usize, usize)>, String> {
        match &self.kind {
            Kind::Literal(lit, _) if lit.len() == 1 => Ok(memchr::memchr(
                lit.as_bytes().first().copied().unwrap_or_default(),
                s.as_bytes(),
            )
            .map(|i| (i, i + 1))),
            Kind::Literal(lit, finder) => Ok(finder.find(s.as_bytes()).map(|i| (i, i + lit.len()))),
            Kind::Linear { re, .. } => Ok(re.find(s).map(|m| (m.start(), m.end()))),
            Kind::Backtracking { re, .. } => re
                .find(s)
                .map(|m| m.map(|m| (m.start(), m.end())))
                .map_err(|e| backtrack_error(&e)),
        }
    }

    /// `replaceAll` (`first == false`) / `replaceFirst`, appended to `out`.
    /// `Ok(false)` when nothing matched (nothing is appended: the string is returned unchanged, without copying).
    pub(crate) fn replace_into(
        &self,
        s: &str,
        replacement: &str,
        first: bool,
        out: &mut String,
    ) -> Result<bool, String> {
        // Java reads the replacement only once something matched (a bad one fails only then).
        let Some((start, _)) = self.first_match(s)? else {
            return Ok(false);
        };
        let parsed;
        let parts: &[Part] = match &self.replacement {
            Some((source, parts)) if **source == *replacement => parts.as_ref().map_err(Clone::clone)?,
            _ => {
                parsed = if replacement.contains(['$', '\\']) {
                    parse_replacement(replacement, self.groups, &self.names)?
                } else {
                    vec![Part::Lit(replacement.into())]
                };
                &parsed
            }
        };
        out.reserve(s.len() + replacement.len());
        let mut last = 0;
        if let [Part::Lit(literal)] = parts {
            // No group references: plain matching, no capture groups.
            if let Kind::Literal(lit, finder) = &self.kind {
                // The common case (`replaceAll('"', '\\"')`): search on from the first match.
                out.push_str(&s[..start]);
                out.push_str(literal);
                last = start + lit.len();
                if !first {
                    let base = last;
                    let rest = s.as_bytes().get(base..).unwrap_or_default();
                    let mut each = |i: usize| {
                        out.push_str(s.get(last..base + i).unwrap_or_default());
                        out.push_str(literal);
                        last = base + i + lit.len();
                    };
                    // A one-byte pattern (`"`, `\\`, `\n`) is a byte search; a searcher costs more to start.
                    if let [byte] = lit.as_bytes() {
                        memchr::memchr_iter(*byte, rest).for_each(&mut each);
                    } else {
                        finder.find_iter(rest).for_each(&mut each);
                    }
                }
                out.push_str(&s[last..]);
                return Ok(true);
            }
            self.each_match(s, false, &mut |m| {
                if let Some(Some((a, b))) = m.first() {
                    out.push_str(&s[last..*a]);
                    out.push_str(literal);
                    last = *b;
                }
                !first
            })?;
        } else {
            let needs_groups = parts.iter().any(|p| matches!(p, Part::Group(g) if *g > 0));
            self.each_match(s, needs_groups, &mut |m| {
                let Some(Some((a, b))) = m.first() else { return true };
                out.push_str(&s[last..*a]);
                for p in parts {
                    match p {
                        Part::Lit(l) => out.push_str(l),
                        Part::Group(g) => {
                            if let Some(Some((x, y))) = m.get(*g) {
                                out.push_str(&s[*x..*y]);
                            }
                        }
                    }
                }
                last = *b;
                !first
            })?;
        }
        out.push_str(&s[last..]);
        Ok(true)
    }

    /// Match spans, in order (for `split`).
    fn spans(&self, s: &str) -> Result<Vec<(usize, usize)>, String> {
        let mut all = Vec::new();
        self.each_match(s, false, &mut |m| {
            if let Some(Some(span)) = m.first() {
                all.push(*span);
            }
            true
        })?;
        Ok(all)
    }

    /// `String.split(regex, limit)`: `limit > 0` caps the number of parts; `limit < 0` keeps trailing empties.
    pub(crate) fn split_limit(&self, s: &str, limit: i32) -> Result<Vec<String>, String> {
        if limit == 0 {
            return self.split(s);
        }
        if s.is_empty() {
            return Ok(vec![String::new()]);
        }
        let mut out = Vec::new();
        let mut last = 0;
        for (start, end) in self.spans(s)? {
            if limit > 0 && out.len() + 1 >= limit as usize {
                break;
            }
            if end == 0 || (start == end && start >= s.len()) {
                continue;
            }
            out.push(s[last..start].to_owned());
            last = end;
        }
        out.push(s[last..].to_owned());
        Ok(out)
    }

    /// `String.split(regex)`: a zero-width match at the start yields no leading empty string; trailing empty
    /// strings are removed.
    pub(crate) fn split(&self, s: &str) -> Result<Vec<String>, String> {
        if s.is_empty() {
            return Ok(vec![String::new()]);
        }
        let mut out = Vec::new();
        let mut last = 0;
        for (start, end) in self.spans(s)? {
            if end == 0 {
                continue;
            }
            if start == end && start >= s.len() {
                continue;
            }
            out.push(s[last..start].to_owned());
            last = end;
        }
        out.push(s[last..].to_owned());
        while out.len() > 1 && out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        if out.len() == 1 && out[0].is_empty() && !s.is_empty() {
            return Ok(Vec::new());
        }
        Ok(out)
    }
}

#[derive(Debug, Clone)]
enum Part {
    Lit(Box<str>),
    Group(usize),
}

/// Java's `Matcher.appendReplacement` syntax.
fn parse_replacement(r: &str, groups: usize, names: &[Option<Box<str>>]) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = r.chars().peekable();
    let flush = |lit: &mut String, parts: &mut Vec<Part>| {
        if !lit.is_empty() {
            parts.push(Part::Lit(std::mem::take(lit).into_boxed_str()));
        }
    };
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
                    let idx = names
                        .iter()
                        .position(|n| n.as_deref() == Some(name.as_str()))
                        .ok_or_else(|| format!("java.lang.IllegalArgumentException: No group with name {{{name}}}"))?;
                    flush(&mut lit, &mut parts);
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
                flush(&mut lit, &mut parts);
                parts.push(Part::Group(g));
            }
            c => lit.push(c),
        }
    }
    flush(&mut lit, &mut parts);
    if parts.is_empty() {
        parts.push(Part::Lit("".into()));
    }
    // Adjacent literals (only groups split them) are already merged; a lone literal is the fast case.
    Ok(parts)
}

/// The characters a pattern matches when it has no metacharacters: `"`, `, `, `\\` (a backslash), `\n`,
/// `\"`. `None` for anything a regex engine has to interpret (and for the empty pattern).
fn literal(p: &str) -> Option<String> {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                't' => out.push('\t'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                'f' => out.push('\u{c}'),
                'a' => out.push('\u{7}'),
                'e' => out.push('\u{1b}'),
                // A backslash before any other non-alphanumeric ASCII character quotes it.
                n if n.is_ascii() && !n.is_ascii_alphanumeric() => out.push(n),
                _ => return None,
            },
            '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}' => return None,
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A Java pattern in the syntax of the engine that will run it.
struct Translated {
    pattern: String,
    /// Uses backreferences or lookaround: only the backtracking engine runs it.
    backtracking: bool,
}

/// Java pattern syntax → `regex` (or, with backreferences and lookaround, `fancy-regex`) syntax.
fn translate(p: &str) -> Result<Translated, String> {
    let chars: Vec<char> = p.chars().collect();
    // Backreferences and lookaround decide the engine, and the engine decides how `\b` is written.
    let backtracking = needs_backtracking(&chars);
    let total_groups = count_groups(&chars);
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut in_class = 0u32;
    let mut groups = 0usize;
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
                        // fancy-regex cannot switch Unicode off inside a pattern.
                        out.push_str(match (n, backtracking) {
                            ('b', false) => r"(?-u:\b)",
                            (_, false) => r"(?-u:\B)",
                            ('b', true) => r"\b",
                            _ => r"\B",
                        });
                    }
                    'Z' => out.push_str(r"(?:\n?\z)"),
                    'h' => out.push_str(r"[ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]"),
                    '1'..='9' if in_class == 0 => {
                        // Java: `\1`…`\9` always refer back; more digits only while that many groups exist so far.
                        let mut g = n.to_digit(10).unwrap_or(0) as usize;
                        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                            let next = g * 10 + d as usize;
                            if next > groups {
                                break;
                            }
                            g = next;
                            i += 1;
                        }
                        if g > total_groups {
                            // Java compiles a reference to a group the pattern lacks; it never matches.
                            out.push_str("(?!)");
                        } else {
                            out.push_str(&format!(r"(?:\{g})"));
                        }
                    }
                    'k' if in_class == 0 && chars.get(i) == Some(&'<') => {
                        out.push_str(r"\k");
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
            '(' if in_class == 0 => {
                let next = chars.get(i + 1).copied();
                let named =
                    next == Some('?') && chars.get(i + 2) == Some(&'<') && !matches!(chars.get(i + 3), Some('=' | '!'));
                if next != Some('?') || named {
                    groups += 1;
                }
                out.push('(');
            }
            '*' | '+' | '?' | '}' if in_class == 0 && chars.get(i + 1) == Some(&'+') && !backtracking => {
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
    Ok(Translated {
        pattern: out,
        backtracking,
    })
}

/// Capturing groups in a pattern: `(` outside classes, not `(?…` unless a named group `(?<name>`.
fn count_groups(chars: &[char]) -> usize {
    let (mut i, mut in_class, mut groups) = (0, 0u32, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if chars.get(i + 1) == Some(&'Q') {
                    i += 2;
                    while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                        i += 1;
                    }
                }
                i += 2;
                continue;
            }
            '[' => in_class += 1,
            ']' if in_class > 0 => in_class -= 1,
            '(' if in_class == 0 => {
                let named = chars.get(i + 1) == Some(&'?')
                    && chars.get(i + 2) == Some(&'<')
                    && !matches!(chars.get(i + 3), Some('=' | '!'));
                if chars.get(i + 1) != Some(&'?') || named {
                    groups += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    groups
}

/// Backreferences (`\1`, `\k<name>`), lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) or atomic groups (`(?>`)
/// outside character classes.
fn needs_backtracking(chars: &[char]) -> bool {
    let mut i = 0;
    let mut in_class = 0u32;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                match chars.get(i + 1) {
                    Some('1'..='9') if in_class == 0 => return true,
                    Some('k') if in_class == 0 && chars.get(i + 2) == Some(&'<') => return true,
                    Some('Q') => {
                        // Quoted text up to `\E` is literal.
                        i += 2;
                        while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                            i += 1;
                        }
                    }
                    _ => {}
                }
                i += 2;
                continue;
            }
            '[' => in_class += 1,
            ']' if in_class > 0 => in_class -= 1,
            '(' if in_class == 0 && chars.get(i + 1) == Some(&'?') => {
                let look = match chars.get(i + 2) {
                    Some('=' | '!' | '>') => true,
                    Some('<') => matches!(chars.get(i + 3), Some('=' | '!')),
                    _ => false,
                };
                if look {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::JavaRegex;

    fn replace_all(p: &str, s: &str, r: &str) -> String {
        let re = JavaRegex::compile(p).unwrap();
        let mut out = String::new();
        if re.replace_into(s, r, false, &mut out).unwrap() {
            out
        } else {
            s.to_owned()
        }
    }

    #[test]
    fn engines_are_chosen_by_what_the_pattern_uses() {
        for lit in ["\"", "\\\\", "\\n", "\\t", ", ", "\\.", "abc", "é"] {
            assert!(JavaRegex::compile(lit).unwrap().is_literal(), "{lit}");
        }
        for re in ["a+", "\\d", "[\"]", "(a)", "a|b", "\\Qa\\E"] {
            let c = JavaRegex::compile(re).unwrap();
            assert!(!c.is_literal() && !c.is_backtracking(), "{re}");
        }
        for re in [
            "(a)\\1",
            "a(?=b)",
            "a(?!b)",
            "(?<=a)b",
            "(?<!a)b",
            "(?<n>a)\\k<n>",
            "(?>a)",
        ] {
            assert!(JavaRegex::compile(re).unwrap().is_backtracking(), "{re}");
        }
        // A named group is not a lookbehind.
        assert!(!JavaRegex::compile("(?<n>a)").unwrap().is_backtracking());
    }

    #[test]
    fn literal_patterns_replace_as_java_does() {
        assert_eq!(replace_all("\"", r#"a "b" c"#, r#"\\""#), r#"a \"b\" c"#);
        assert_eq!(replace_all("\\\\", r"a\b", r"\\\\"), r"a\\b");
        assert_eq!(replace_all("\\n", "a\nb\n", "\\\\n"), "a\\nb\\n");
        assert_eq!(replace_all("aa", "aaa", "b"), "ba");
        let re = JavaRegex::compile("\"").unwrap();
        let mut out = String::new();
        assert!(re.replace_into("\"x\"", "'", true, &mut out).unwrap());
        assert_eq!(out, "'x\"");
    }

    #[test]
    fn backreferences_and_lookaround_run_on_the_backtracking_engine() {
        // Expected strings: java.lang.String.replaceAll / split / matches on OpenJDK 17.
        assert_eq!(replace_all("(\\w)\\1", "aabbcd", "<$1>"), "<a><b>cd");
        assert_eq!(replace_all("(?<=a)b", "abcb", "X"), "aXcb");
        assert_eq!(replace_all("b(?!c)", "bcbd", "X"), "bcXd");
        assert_eq!(
            replace_all("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10", "abcdefghijj", "!"),
            "!"
        );
        let re = JavaRegex::compile("(?=[A-Z])").unwrap();
        assert_eq!(re.split("helloWorldFoo").unwrap(), ["hello", "World", "Foo"]);
        assert!(JavaRegex::compile("(\\d+)-\\1").unwrap().matches("12-12").unwrap());
        assert!(!JavaRegex::compile("(\\d+)-\\1").unwrap().matches("12-13").unwrap());
    }

    #[test]
    fn a_reference_to_a_missing_group_never_matches() {
        // OpenJDK 17: "aa".replaceAll("(a)\\2", "!") is "aa".
        assert_eq!(replace_all("(a)\\2", "aa", "!"), "aa");
        assert!(!JavaRegex::compile("(a)\\2").unwrap().matches("aa").unwrap());
    }

    #[test]
    fn runaway_backtracking_fails_instead_of_running_on() {
        let re = JavaRegex::compile("(a*)*b\\1").unwrap();
        let input = "a".repeat(40);
        assert!(re.matches(&input).is_err());
    }

    #[test]
    fn precompiled_replacements_are_used_only_for_their_own_string() {
        let re = JavaRegex::compile("(a)").unwrap().with_replacement("[$1]");
        let mut out = String::new();
        re.replace_into("xa", "[$1]", false, &mut out).unwrap();
        assert_eq!(out, "x[a]");
        out.clear();
        re.replace_into("xa", "<$1>", false, &mut out).unwrap();
        assert_eq!(out, "x<a>");
        let bad = JavaRegex::compile("a").unwrap().with_replacement("$9");
        assert!(bad.replace_into("a", "$9", false, &mut String::new()).is_err());
        // Nothing matched: the replacement is never read.
        assert!(!bad.replace_into("b", "$9", false, &mut String::new()).unwrap());
    }
}
