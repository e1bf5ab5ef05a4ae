//! Source files, byte spans and line/column positions.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// A byte range in one source file (`start..end`, `start <= end`).
///
/// Spans are byte offsets so they are cheap to store on every value; turn them into a line and column with
/// [`SourceFile::line_col`] only when a message is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`; the ends are swapped if given in the wrong order.
    #[must_use]
    pub fn new(start: u32, end: u32) -> Span {
        if start <= end {
            Span { start, end }
        } else {
            Span { start: end, end: start }
        }
    }

    /// An empty span at `offset`.
    #[must_use]
    pub fn empty(offset: u32) -> Span {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// The span as a `usize` range, for slicing the source text.
    #[must_use]
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The number of bytes covered.
    #[must_use]
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    /// Whether the span covers no bytes.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and 1-based column, the column counted in Unicode scalar values (as rustc does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number in characters, starting at 1.
    pub column: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A named source text with a line index; cheap to clone (shared).
///
/// The definition loaded by [`crate::load`] is kept in [`crate::RestApi::source`], so crates that compile parts
/// of the model later (mapping templates, selection patterns) can report their own errors at `file:line:col`.
#[derive(Clone)]
pub struct SourceFile {
    inner: Arc<SourceInner>,
}

struct SourceInner {
    name: String,
    text: String,
    /// Byte offset of the start of every line; the first entry is 0.
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// A source file named `name` (used in messages, e.g. `api.yaml`) holding `text`.
    #[must_use]
    pub fn new(name: &str, text: &str) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (index, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(clamp_u32(index + 1));
            }
        }
        SourceFile {
            inner: Arc::new(SourceInner {
                name: name.to_owned(),
                text: text.to_owned(),
                line_starts,
            }),
        }
    }

    /// The file name given when the source was loaded.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The whole text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The text covered by `span`, or `""` if the span is out of bounds or not on character boundaries.
    #[must_use]
    pub fn slice(&self, span: Span) -> &str {
        self.inner.text.get(span.range()).unwrap_or("")
    }

    /// The line and column of a byte offset (clamped to the text; an offset inside a character counts as
    /// that character).
    #[must_use]
    pub fn line_col(&self, offset: u32) -> LineCol {
        line_col_in(&self.inner.text, &self.inner.line_starts, offset)
    }

    /// The byte offset of a 1-based line and column, if the line exists (a column past the end of the line
    /// gives the end of the line).
    #[must_use]
    pub fn offset_of(&self, position: LineCol) -> Option<u32> {
        let index = usize::try_from(position.line).ok()?.checked_sub(1)?;
        let start = *self.inner.line_starts.get(index)?;
        let line = line_text_at(&self.inner.text, &self.inner.line_starts, index);
        let skip = usize::try_from(position.column.saturating_sub(1)).unwrap_or(usize::MAX);
        let within = line.char_indices().nth(skip).map_or(line.len(), |(at, _)| at);
        Some(start + clamp_u32(within))
    }

    /// The text of a 1-based line without its line break, or `""` if there is no such line.
    #[must_use]
    pub fn line_text(&self, line: u32) -> &str {
        match usize::try_from(line).ok().and_then(|line| line.checked_sub(1)) {
            Some(index) if index < self.inner.line_starts.len() => {
                line_text_at(&self.inner.text, &self.inner.line_starts, index)
            }
            _ => "",
        }
    }

    /// The number of lines (a text without a final newline still counts its last line).
    #[must_use]
    pub fn line_count(&self) -> u32 {
        clamp_u32(self.inner.line_starts.len())
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.inner.name)
            .field("len", &self.inner.text.len())
            .finish()
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &SourceFile) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
            || (self.inner.name == other.inner.name && self.inner.text == other.inner.text)
    }
}

impl Eq for SourceFile {}

/// Line and column of `offset` in `text`, computing the line index on the fly (for one-off lookups).
pub(crate) fn line_col_of(text: &str, offset: u32) -> LineCol {
    let end = (offset as usize).min(text.len());
    let before = text.as_bytes().get(..end).unwrap_or(&[]);
    let line = before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    let column = count_chars(text, line_start, end);
    LineCol {
        line: clamp_u32(line + 1),
        column: clamp_u32(column + 1),
    }
}

fn line_col_in(text: &str, line_starts: &[u32], offset: u32) -> LineCol {
    let offset = offset.min(clamp_u32(text.len()));
    let index = line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
    let line_start = line_starts.get(index).copied().unwrap_or(0);
    let column = count_chars(text, line_start as usize, offset as usize);
    LineCol {
        line: clamp_u32(index + 1),
        column: clamp_u32(column + 1),
    }
}

/// Characters in `text[from..to]`, counting a partial character at the end as one.
fn count_chars(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes().get(from..to).unwrap_or(&[]);
    // A UTF-8 character starts at every byte that is not a continuation byte (10xxxxxx).
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

fn line_text_at<'t>(text: &'t str, line_starts: &[u32], index: usize) -> &'t str {
    let start = line_starts.get(index).copied().unwrap_or(0) as usize;
    let end = line_starts.get(index + 1).map_or(text.len(), |&next| next as usize);
    let line = text.get(start..end).unwrap_or("");
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// Offsets are `u32`: definitions are capped far below 4 GiB ([`crate::ImportOptions::max_bytes`]).
pub(crate) fn clamp_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
