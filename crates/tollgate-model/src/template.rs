//! Template text with a map back to the definition file.
//!
//! A mapping template is a string scalar in the definition. A compiler that finds an error at byte `n` (or line
//! `l`, column `c`) of the template text asks [`TemplateSource`] where that is in the file:
//!
//! * JSON strings: exact, escapes included (`\n` in the file is one template byte mapped to the backslash).
//! * YAML literal blocks (`|`): exact; template line `k` is the `k`-th line of the block, the column shifted
//!   by the block's indentation.
//! * YAML folded blocks, plain and quoted scalars: each template character is aligned with the file character
//!   it came from; folded line breaks map to the break in the file, escapes to their backslash.

use std::ops::Range;

use crate::source::{LineCol, Span, clamp_u32};
use crate::value::{ScalarStyle, Value};

/// The text of a template (or any string scalar) and where each byte of it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateSource {
    text: String,
    origin: Span,
    /// `(template offset, file offset)` pairs, sorted by template offset; between two checkpoints template
    /// bytes map one to one onto file bytes.
    checkpoints: Vec<(u32, u32)>,
}

impl TemplateSource {
    /// A template not read from a file: every offset maps to `origin.start` plus the offset, clamped to
    /// `origin`. Useful for templates built in code and in tests.
    #[must_use]
    pub fn unmapped(text: &str, origin: Span) -> TemplateSource {
        TemplateSource {
            text: text.to_owned(),
            origin,
            checkpoints: vec![(0, origin.start)],
        }
    }

    /// The template text (decoded: escapes resolved, YAML indentation removed).
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The whole scalar in the definition file.
    #[must_use]
    pub fn origin(&self) -> Span {
        self.origin
    }

    /// The file offset of byte `offset` of the text (`offset == text.len()` maps past the last character).
    #[must_use]
    pub fn file_offset(&self, offset: usize) -> u32 {
        let offset = clamp_u32(offset.min(self.text.len()));
        let index = self
            .checkpoints
            .partition_point(|&(at, _)| at <= offset)
            .saturating_sub(1);
        let (at, file) = self.checkpoints.get(index).copied().unwrap_or((0, self.origin.start));
        file.saturating_add(offset - at)
            .clamp(self.origin.start, self.origin.end)
    }

    /// The file span of a byte range of the text.
    #[must_use]
    pub fn file_span(&self, range: Range<usize>) -> Span {
        let start = self.file_offset(range.start);
        let end = if range.end > range.start {
            // Map the last byte and step past it, so a range inside one line stays inside it.
            let last = self.file_offset(range.end - 1);
            last + 1
        } else {
            start
        };
        Span::new(start, end.max(start).min(self.origin.end.max(start)))
    }

    /// The byte offset in the text of a 1-based line and column of the text (column in characters), clamped
    /// to the line's end and the text's end.
    #[must_use]
    pub fn text_offset(&self, position: LineCol) -> usize {
        let mut line_start = 0usize;
        for _ in 1..position.line.max(1) {
            match self.text.get(line_start..).and_then(|rest| rest.find('\n')) {
                Some(at) => line_start += at + 1,
                None => return self.text.len(),
            }
        }
        let line = self.text.get(line_start..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        let skip = position.column.saturating_sub(1) as usize;
        line_start + line.char_indices().nth(skip).map_or(line.len(), |(at, _)| at)
    }

    /// The file offset of a 1-based line and column of the text.
    #[must_use]
    pub fn file_offset_at(&self, position: LineCol) -> u32 {
        self.file_offset(self.text_offset(position))
    }

    /// Builds the map for a string value of the document `source` (the whole file text).
    pub(crate) fn from_value(source: &str, value: &Value, text: &str) -> TemplateSource {
        let origin = value.span();
        let pairs = match value.style() {
            ScalarStyle::Json => json_pairs(source, origin, text),
            ScalarStyle::Literal => literal_pairs(source, origin, text),
            ScalarStyle::Plain => aligned_pairs(source, origin.start as usize, origin, text, Quote::None),
            ScalarStyle::SingleQuoted => aligned_pairs(source, origin.start as usize + 1, origin, text, Quote::Single),
            ScalarStyle::DoubleQuoted => aligned_pairs(source, origin.start as usize + 1, origin, text, Quote::Double),
            ScalarStyle::Folded => aligned_pairs(source, origin.start as usize, origin, text, Quote::None),
            ScalarStyle::None => Vec::new(),
        };
        let mut checkpoints: Vec<(u32, u32)> = Vec::new();
        for (at, file) in pairs {
            let (at, file) = (clamp_u32(at), clamp_u32(file));
            let continues = checkpoints.last().is_some_and(|&(last_at, last_file)| {
                at >= last_at && file >= last_file && at - last_at == file - last_file
            });
            if !continues {
                checkpoints.push((at, file));
            }
        }
        if checkpoints.first().is_none_or(|&(at, _)| at != 0) {
            checkpoints.insert(0, (0, origin.start));
        }
        TemplateSource {
            text: text.to_owned(),
            origin,
            checkpoints,
        }
    }
}

/// `(text offset, file offset)` for each character of a JSON string literal at `origin`.
fn json_pairs(source: &str, origin: Span, text: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut pairs = Vec::with_capacity(text.len() / 8 + 1);
    let mut at_file = origin.start as usize + 1; // Skip the opening quote.
    for (at_text, c) in text.char_indices() {
        pairs.push((at_text, at_file));
        at_file += match bytes.get(at_file) {
            Some(b'\\') => match bytes.get(at_file + 1) {
                // A surrogate pair is two `\uXXXX` escapes for one character beyond the BMP.
                Some(b'u') if u32::from(c) > 0xFFFF => 12,
                Some(b'u') => 6,
                _ => 2,
            },
            _ => c.len_utf8(),
        };
    }
    pairs
}

/// Literal block: saphyr's span starts at the first character of the first non-empty line, after its
/// indentation. Template line `j` is file line `first - blank + j` (`blank` = leading empty lines), each
/// shifted by the same indentation.
fn literal_pairs(source: &str, origin: Span, text: &str) -> Vec<(usize, usize)> {
    let bytes = source.as_bytes();
    let start = (origin.start as usize).min(source.len());
    let first_line_start = bytes
        .get(..start)
        .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
        .map_or(0, |at| at + 1);
    let indent = start - first_line_start;
    let blank = text.bytes().take_while(|&b| b == b'\n').count();
    // Walk back over the leading empty lines.
    let mut file_line_start = first_line_start;
    for _ in 0..blank {
        if file_line_start == 0 {
            break;
        }
        file_line_start = bytes
            .get(..file_line_start - 1)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |at| at + 1);
    }
    let mut pairs = Vec::new();
    let mut at_text = 0usize;
    for line in text.split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let rest = bytes.get(file_line_start..).unwrap_or(&[]);
        let file_line_len = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        pairs.push((at_text, file_line_start + indent.min(file_line_len)));
        if line.ends_with('\n') {
            pairs.push((at_text + content.len(), file_line_start + file_line_len));
        }
        at_text += line.len();
        file_line_start = (file_line_start + file_line_len + 1).min(source.len());
    }
    pairs
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// Aligns each character of `text` with the file character it came from, starting at `from`: equal characters
/// match; line folding, indentation and quote doubling are skipped; escapes map to their backslash.
fn aligned_pairs(source: &str, from: usize, origin: Span, text: &str, quote: Quote) -> Vec<(usize, usize)> {
    let end = (origin.end as usize).min(source.len());
    let file = source.as_bytes();
    let mut pairs = Vec::with_capacity(text.len() / 8 + 1);
    let mut at_file = from.min(end);
    for (at_text, c) in text.char_indices() {
        while let Some(&byte) = file.get(at_file).filter(|_| at_file < end) {
            if quote == Quote::Double && byte == b'\\' {
                let escape_len = double_quoted_escape_len(file, at_file);
                if matches!(file.get(at_file + 1), Some(b'\n' | b'\r')) {
                    // An escaped line break produces nothing.
                    at_file += escape_len;
                    continue;
                }
                pairs.push((at_text, at_file));
                at_file += escape_len;
                break;
            }
            let file_char = source
                .get(at_file..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or('\u{0}');
            if file_char == c {
                pairs.push((at_text, at_file));
                at_file += file_char.len_utf8();
                break;
            }
            if byte == b'\n' && (c == ' ' || c == '\n') {
                // A folded line break.
                pairs.push((at_text, at_file));
                at_file += 1;
                break;
            }
            if matches!(byte, b' ' | b'\t' | b'\r' | b'\n') || (quote == Quote::Single && byte == b'\'') {
                at_file += 1;
                continue;
            }
            // Unexpected: keep the character here so the rest stays aligned.
            pairs.push((at_text, at_file));
            break;
        }
        if at_file >= end {
            pairs.push((at_text, end.saturating_sub(1)));
        }
    }
    pairs
}

/// Length in bytes of the escape starting at `at` (a backslash) in a YAML double-quoted scalar.
fn double_quoted_escape_len(file: &[u8], at: usize) -> usize {
    match file.get(at + 1) {
        Some(b'x') => 4,
        Some(b'u') => 6,
        Some(b'U') => 10,
        Some(b'\r') if file.get(at + 2) == Some(&b'\n') => 3,
        Some(_) => 2,
        None => 1,
    }
}
