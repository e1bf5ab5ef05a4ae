//! pest pairs → owned syntax tree, collecting every syntax error it can find.

use std::collections::HashSet;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::ast::{BinOp, Block, Expr, Node, Ref, Seg};
use super::{Rule, VtlParser};
use crate::error::{Error, ErrorKind, Span};

/// Directives Velocity 1.7 registers (directive.properties); escapes before them are processed.
const DIRECTIVES: [&str; 8] = [
    "foreach", "include", "parse", "macro", "literal", "evaluate", "break", "define",
];
/// Interpolated strings parse as templates; they can nest only this deep.
const MAX_STRING_DEPTH: u32 = 8;

/// Parses `source` (whose first byte is at `base` in the template) into a block.
pub(crate) fn parse(source: &str, base: usize) -> Result<Block, Vec<Error>> {
    let mut lowerer = Lowerer {
        base,
        errors: Vec::new(),
        macros: HashSet::new(),
        depth: 0,
        unclosed: 0,
    };
    let block = lowerer.template(source);
    if lowerer.errors.is_empty() {
        Ok(block)
    } else {
        Err(lowerer.errors)
    }
}

struct Lowerer {
    base: usize,
    errors: Vec<Error>,
    /// Macros defined so far (Velocity's parser knows only those when it decides on escapes).
    macros: HashSet<String>,
    depth: u32,
    /// Blocks reported as malformed whose `#end` is still to come.
    unclosed: u32,
}

impl Lowerer {
    fn template(&mut self, source: &str) -> Block {
        match VtlParser::parse(Rule::template, source) {
            Ok(mut pairs) => {
                let Some(template) = pairs.next() else {
                    return Vec::new();
                };
                match template.into_inner().next() {
                    Some(block) => self.block(block),
                    None => Vec::new(),
                }
            }
            Err(e) => {
                self.errors.push(self.pest_error(&e));
                Vec::new()
            }
        }
    }

    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn pest_error(&self, e: &pest::error::Error<Rule>) -> Error {
        let pos = match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        let message = match &e.variant {
            ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
                let names: Vec<&str> = positives.iter().map(|r| rule_name(*r)).collect();
                format!("unexpected input; expected {}", dedup(&names).join(", "))
            }
            ErrorVariant::ParsingError { .. } => "unexpected input".to_owned(),
            ErrorVariant::CustomError { message } => message.clone(),
        };
        Error::new(ErrorKind::Syntax, message).with_span(Span::new(self.base + pos, self.base + pos + 1))
    }

    fn syntax_error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(Error::new(ErrorKind::Syntax, message).with_span(span));
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Block {
        let mut out: Block = Vec::new();
        let mut pairs = pair.into_inner().peekable();
        while let Some(p) = pairs.next() {
            match p.as_rule() {
                Rule::text | Rule::lone_char => push_text(&mut out, p.as_str()),
                Rule::comment => {}
                Rule::textblock => {
                    let body = p.into_inner().next().map_or("", |b| b.as_str());
                    push_text(&mut out, body);
                }
                Rule::escape_pairs => {
                    let control = pairs.peek().is_some_and(|next| self.is_control(next));
                    let pairs_count = p.as_str().len() / 2;
                    let text = if control {
                        "\\".repeat(pairs_count)
                    } else {
                        p.as_str().to_owned()
                    };
                    push_text(&mut out, &text);
                }
                Rule::escaped_directive => {
                    let image = p.as_str();
                    let last = image.rfind('\\').unwrap_or(0);
                    let directive = &image[last + 1..];
                    let tag = directive[1..].trim_start_matches('{').trim_end_matches('}');
                    let known = DIRECTIVES.contains(&tag)
                        || ["if", "end", "set", "else", "elseif", "stop"].contains(&tag)
                        || self.macros.contains(tag);
                    if known {
                        let text = format!("{}{}", &image[..last / 2], directive);
                        push_text(&mut out, &text);
                    } else {
                        push_text(&mut out, image);
                    }
                }
                Rule::reference => {
                    let r = self.reference(p);
                    out.push(Node::Ref(r));
                }
                Rule::set_directive => {
                    let span = self.span(&p);
                    let mut inner = p.into_inner().filter(|x| x.as_rule() != Rule::set_open);
                    let (Some(target), Some(value)) = (inner.next(), inner.next()) else {
                        continue;
                    };
                    let formal = target.as_str().trim_start_matches('\\').starts_with("${")
                        || target.as_str().trim_start_matches('\\').starts_with("$!");
                    let target = self.reference(target);
                    let value = self.expression(value);
                    // `#set(${a} = …)` and `#set($!a = …)` evaluate the right side but assign nothing in 1.7.
                    out.push(Node::Set {
                        target,
                        value,
                        span,
                        assigns: !formal,
                    });
                }
                Rule::if_directive => out.push(self.if_directive(p)),
                Rule::stop_directive => out.push(Node::Stop),
                Rule::block_directive => {
                    if let Some(node) = self.block_directive(p) {
                        out.push(node);
                    }
                }
                Rule::line_directive => {
                    if let Some(node) = self.line_directive(p) {
                        out.push(node);
                    }
                }
                Rule::malformed_set => self.malformed(&p),
                Rule::malformed_if | Rule::malformed_block_directive => {
                    self.unclosed += 1;
                    self.malformed(&p);
                }
                Rule::bang_text => {
                    let t = p.as_str();
                    push_text(&mut out, &t[..t.len() - 1]);
                }
                Rule::lexical_error => {
                    let len = p.get_input().len();
                    let span = Span::new(self.base + len, self.base + len);
                    self.syntax_error(span, "lexical error: unexpected end of template");
                }
                Rule::malformed_reference => self.malformed_at(&p, Rule::reference),
                Rule::malformed_call => self.malformed_at(&p, Rule::line_directive),
                Rule::stray_keyword => {
                    // The `#end` of a block that was already reported as malformed is no news.
                    if p.as_str().starts_with("#end") || p.as_str().starts_with("#{end}") {
                        if self.unclosed > 0 {
                            self.unclosed -= 1;
                            continue;
                        }
                    } else if self.unclosed > 0 {
                        continue;
                    }
                    let span = self.span(&p);
                    self.syntax_error(span, format!("`{}` without a matching block", p.as_str().trim_end()));
                }
                _ => {}
            }
        }
        out
    }

    /// Whether a `\\` pair run before `next` is halved: control directives and registered directives.
    fn is_control(&self, next: &Pair<'_, Rule>) -> bool {
        match next.as_rule() {
            Rule::if_directive | Rule::malformed_if | Rule::stop_directive => true,
            Rule::block_directive | Rule::line_directive | Rule::malformed_block_directive => {
                let name = next.as_str().trim_start_matches('#');
                let word: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '@')
                    .collect();
                DIRECTIVES.contains(&word.as_str())
            }
            _ => false,
        }
    }

    /// A construct Velocity commits to but that does not parse: find where it fails, as Velocity reports it.
    fn malformed(&mut self, p: &Pair<'_, Rule>) {
        let rule = match p.as_rule() {
            Rule::malformed_set => Rule::set_directive,
            Rule::malformed_block_directive => Rule::block_directive,
            _ => Rule::if_directive,
        };
        self.malformed_at(p, rule);
    }

    /// Re-parses the text at `p` as `rule` to find the position pest gives up at.
    fn malformed_at(&mut self, p: &Pair<'_, Rule>, rule: Rule) {
        let start = p.as_span().start();
        let input = p.get_input();
        let rest = &input[start..];
        let error = match VtlParser::parse(rule, rest) {
            Err(e) => {
                let err = self.pest_error(&e);
                let mut span = shift(err.span(), start);
                // An unterminated string literal is a lexical error after the last character.
                let error_at = (span.start as usize).saturating_sub(self.base + start);
                if ends_inside_string(rest).is_some_and(|open| open <= error_at) {
                    let len = self.base + input.len();
                    return self.errors.push(
                        Error::new(ErrorKind::Syntax, "lexical error: unterminated string literal")
                            .with_span(Span::new(len, len)),
                    );
                }
                // Velocity reports an error at end of input on the last character read (its EOF token's place).
                let end = u32::try_from(self.base + input.len()).unwrap_or(u32::MAX);
                if span.start >= end && !input.is_empty() {
                    let last = input.char_indices().last().map_or(0, |(i, _)| i);
                    span = Span::new(self.base + last, self.base + input.len());
                }
                Error::new(ErrorKind::Syntax, err.message().to_owned()).with_span(span)
            }
            // The construct parses on its own but not in place (e.g. unclosed at end of input).
            Ok(_) => Error::new(ErrorKind::Syntax, "unexpected end of template; expected `#end`")
                .with_span(Span::new(self.base + input.len(), self.base + input.len())),
        };
        self.errors.push(error);
    }

    /// A block that ended without `#end`: Velocity reports the token it found instead (at the end of input,
    /// its last character).
    fn missing_end(&mut self, p: &Pair<'_, Rule>) {
        let input = p.get_input();
        let at = p.as_span().start();
        let span = if at >= input.len() {
            let last = input.char_indices().last().map_or(0, |(i, _)| i);
            Span::new(self.base + last, self.base + input.len())
        } else {
            Span::new(self.base + at, self.base + at + 1)
        };
        self.syntax_error(span, "expected `#end` before this");
    }

    fn if_directive(&mut self, p: Pair<'_, Rule>) -> Node {
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut cond = None;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::expression => cond = Some(self.expression(part)),
                Rule::missing_end => self.missing_end(&part),
                Rule::block => {
                    if let Some(c) = cond.take() {
                        let b = self.block(part);
                        branches.push((c, b));
                    }
                }
                Rule::elseif_part => {
                    let mut e = None;
                    let mut b = None;
                    for x in part.into_inner() {
                        match x.as_rule() {
                            Rule::expression => e = Some(x),
                            Rule::block => b = Some(x),
                            _ => {}
                        }
                    }
                    if let (Some(e), Some(b)) = (e, b) {
                        let c = self.expression(e);
                        let b = self.block(b);
                        branches.push((c, b));
                    }
                }
                Rule::else_part => {
                    if let Some(b) = part.into_inner().find(|x| x.as_rule() == Rule::block) {
                        otherwise = Some(self.block(b));
                    }
                }
                _ => {}
            }
        }
        Node::If { branches, otherwise }
    }

    fn directive_args(&mut self, p: Pair<'_, Rule>) -> Vec<Expr> {
        p.into_inner().map(|a| self.operand(a)).collect()
    }

    fn block_directive(&mut self, p: Pair<'_, Rule>) -> Option<Node> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let name_pair = inner.next()?;
        let name = directive_word(name_pair.as_str());
        let name_span = self.span(&name_pair);
        let mut args = Vec::new();
        let mut body_pair = None;
        for part in inner {
            match part.as_rule() {
                Rule::directive_args => args = self.directive_args(part),
                Rule::block => body_pair = Some(part),
                Rule::missing_end => self.missing_end(&part),
                _ => {}
            }
        }
        match name.as_str() {
            "foreach" => {
                let body = body_pair.map(|b| self.block(b)).unwrap_or_default();
                // Velocity 1.7 checks little: any second argument acts as `in`, a missing list iterates nothing.
                let mut it = args.into_iter();
                match (it.next(), it.next(), it.next()) {
                    (Some(Expr::Ref(_)), None, _) => Some(Node::Fail {
                        message:
                            "#foreach needs `($var in <list>)`: Velocity fails with ArrayIndexOutOfBoundsException"
                                .to_owned(),
                        span,
                    }),
                    (Some(Expr::Ref(var)), _, iterable) => Some(Node::Foreach {
                        var: *var,
                        iterable,
                        body,
                        span,
                    }),
                    _ => {
                        self.syntax_error(name_span, "#foreach expects `($var in <list>)`");
                        None
                    }
                }
            }
            "macro" => {
                let mut it = args.into_iter();
                let macro_name = match it.next() {
                    Some(Expr::Word(w, _)) => w,
                    Some(other) => {
                        self.syntax_error(
                            other.span(),
                            "Invalid first arg in #macro() directive - must be a word token (no ' or \" surrounding)",
                        );
                        return None;
                    }
                    None => {
                        self.syntax_error(name_span, "A macro declaration requires at least a name argument");
                        return None;
                    }
                };
                let mut params = Vec::new();
                for a in it {
                    // Velocity 1.7 accepts (and ignores the meaning of) non-reference parameters.
                    match a {
                        Expr::Ref(r) => params.push(r.root),
                        _ => params.push(String::new()),
                    }
                }
                self.macros.insert(macro_name.clone());
                let body = body_pair.map(|b| self.block(b)).unwrap_or_default();
                Some(Node::Macro {
                    name: macro_name,
                    params,
                    body,
                })
            }
            "define" => {
                let body = body_pair.map(|b| self.block(b)).unwrap_or_default();
                match args.into_iter().next() {
                    Some(Expr::Ref(r)) => Some(Node::Define { target: *r, body }),
                    _ => {
                        self.syntax_error(name_span, "#define expects a reference argument");
                        None
                    }
                }
            }
            "literal" => {
                // Deprecated in 1.7: renders its block unparsed. Keep its source text.
                let text = body_pair.map(|b| b.as_str().to_owned()).unwrap_or_default();
                Some(Node::Text(text))
            }
            _ => {
                // `#@name(args) … #end`: a block macro call.
                let body = body_pair.map(|b| self.block(b));
                let macro_name = name.trim_start_matches('@').to_owned();
                Some(Node::Call {
                    name: macro_name,
                    args,
                    body,
                    literal: String::new(),
                    span,
                })
            }
        }
    }

    fn line_directive(&mut self, p: Pair<'_, Rule>) -> Option<Node> {
        let span = self.span(&p);
        let literal = p.as_str().to_owned();
        let mut inner = p.into_inner();
        let name_pair = inner.next()?;
        let name = directive_word(name_pair.as_str());
        let has_parens = literal.len() > name_pair.as_str().len();
        let args = inner.next().map(|a| self.directive_args(a)).unwrap_or_default();
        match name.as_str() {
            "evaluate" if has_parens => {
                let mut it = args.into_iter();
                match (it.next(), it.next()) {
                    (Some(arg @ (Expr::Str(..) | Expr::Interp { .. } | Expr::Ref(_))), None) => {
                        Some(Node::Evaluate { arg, span })
                    }
                    (Some(other), None) => {
                        self.syntax_error(
                            other.span(),
                            "#evaluate() argument must be a string literal or a reference",
                        );
                        None
                    }
                    _ => {
                        self.syntax_error(span, "#evaluate() requires exactly one argument");
                        None
                    }
                }
            }
            "break" => Some(Node::Break {
                arg: args.into_iter().next(),
            }),
            "parse" | "include" if has_parens => Some(Node::Include {
                parse: name == "parse",
                arg: args.into_iter().next(),
                span,
            }),
            "foreach" | "macro" | "define" | "literal" if has_parens => {
                self.syntax_error(span, format!("#{name} is missing its `#end`"));
                None
            }
            _ => {
                if !has_parens {
                    // `#name` alone: a macro call without arguments if such a macro exists, else text.
                    return Some(Node::Call {
                        name,
                        args: Vec::new(),
                        body: None,
                        literal,
                        span,
                    });
                }
                Some(Node::Call {
                    name,
                    args,
                    body: None,
                    literal,
                    span,
                })
            }
        }
    }

    fn reference(&mut self, p: Pair<'_, Rule>) -> Ref {
        let text = p.as_str();
        let escapes = text.bytes().take_while(|&b| b == b'\\').count();
        let full = p.as_span();
        let span = Span::new(self.base + full.start() + escapes, self.base + full.end());
        let literal = text[escapes..].to_owned();
        let mut quiet = false;
        let mut root = String::new();
        let mut chain = Vec::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::ref_quiet => quiet = true,
                Rule::ref_formal => {
                    if let Some(body) = part.into_inner().next() {
                        self.ref_body(body, &mut root, &mut chain);
                    }
                }
                Rule::ref_body => self.ref_body(part, &mut root, &mut chain),
                _ => {}
            }
        }
        Ref {
            escapes: u32::try_from(escapes).unwrap_or(u32::MAX),
            quiet,
            root,
            chain,
            span,
            literal,
        }
    }

    fn ref_body(&mut self, p: Pair<'_, Rule>, root: &mut String, chain: &mut Vec<Seg>) {
        for part in p.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::identifier => part.as_str().clone_into(root),
                Rule::property => chain.push(Seg::Property {
                    name: part.as_str().to_owned(),
                    span,
                }),
                Rule::method => {
                    let mut inner = part.into_inner();
                    let name = inner.next().map(|n| n.as_str().to_owned()).unwrap_or_default();
                    let args = inner
                        .next()
                        .map(|a| a.into_inner().map(|x| self.operand(x)).collect())
                        .unwrap_or_default();
                    chain.push(Seg::Method { name, args, span });
                }
                Rule::malformed_method => self.malformed_at(&part, Rule::method),
                Rule::malformed_index => self.malformed_at(&part, Rule::index),
                Rule::index => {
                    if let Some(k) = part.into_inner().next() {
                        let key = self.operand(k);
                        chain.push(Seg::Index { key, span });
                    }
                }
                _ => {}
            }
        }
    }

    fn expression(&mut self, p: Pair<'_, Rule>) -> Expr {
        match p.as_rule() {
            Rule::expression => match p.into_inner().next() {
                Some(inner) => self.expression(inner),
                None => Expr::Bool(false, Span::default()),
            },
            Rule::or_expr | Rule::and_expr | Rule::eq_expr | Rule::rel_expr | Rule::add_expr | Rule::mul_expr => {
                let mut inner = p.into_inner();
                let Some(first) = inner.next() else {
                    return Expr::Bool(false, Span::default());
                };
                let mut left = self.expression(first);
                while let (Some(op), Some(right)) = (inner.next(), inner.next()) {
                    let right = self.expression(right);
                    let op = bin_op(op.as_rule());
                    let span = Span {
                        start: left.span().start,
                        end: right.span().end,
                    };
                    left = Expr::Binary(op, Box::new(left), Box::new(right), span);
                }
                left
            }
            Rule::unary => {
                let span = self.span(&p);
                let mut inner = p.into_inner();
                let Some(first) = inner.next() else {
                    return Expr::Bool(false, span);
                };
                if first.as_rule() == Rule::op_not {
                    let operand = inner.next().map_or(Expr::Bool(false, span), |x| self.expression(x));
                    Expr::Not(Box::new(operand), span)
                } else {
                    self.operand(first)
                }
            }
            Rule::paren => match p.into_inner().next() {
                Some(e) => self.expression(e),
                None => Expr::Bool(false, Span::default()),
            },
            _ => self.operand(p),
        }
    }

    /// Literals, references, lists, maps, ranges and words.
    fn operand(&mut self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::reference => Expr::Ref(Box::new(self.reference(p))),
            Rule::dq_string => self.dq_string(p.as_str(), span),
            Rule::sq_string => {
                let s = p.as_str();
                let body = &s[1..s.len() - 1];
                Expr::Str(unescape_unicode(&body.replace("''", "'")), span)
            }
            Rule::integer => integer_literal(p.as_str(), span),
            Rule::float => Expr::Double(p.as_str().parse::<f64>().unwrap_or(f64::NAN), span),
            Rule::true_lit => Expr::Bool(true, span),
            Rule::false_lit => Expr::Bool(false, span),
            Rule::arg_word => Expr::Word(p.as_str().to_owned(), span),
            Rule::list => Expr::List(p.into_inner().map(|x| self.operand(x)).collect(), span),
            Rule::map => {
                let mut entries = Vec::new();
                for entry in p.into_inner() {
                    let mut kv = entry.into_inner();
                    if let (Some(k), Some(v)) = (kv.next(), kv.next()) {
                        let k = self.operand(k);
                        let v = self.operand(v);
                        entries.push((k, v));
                    }
                }
                Expr::Map(entries, span)
            }
            Rule::range => {
                let mut inner = p.into_inner();
                match (inner.next(), inner.next()) {
                    (Some(a), Some(b)) => {
                        let a = self.operand(a);
                        let b = self.operand(b);
                        Expr::Range(Box::new(a), Box::new(b), span)
                    }
                    _ => Expr::Bool(false, span),
                }
            }
            _ => self.expression(p),
        }
    }

    fn dq_string(&mut self, image: &str, span: Span) -> Expr {
        let body = &image[1..image.len() - 1];
        let text = unescape_unicode(&body.replace("\"\"", "\""));
        if !(image.contains('$') || image.contains('#')) {
            return Expr::Str(text, span);
        }
        if self.depth >= MAX_STRING_DEPTH {
            self.syntax_error(span, "string interpolation nests too deeply");
            return Expr::Str(text, span);
        }
        // Velocity parses the body plus a space (its "MORE kludge") unless the body holds `##`, and drops the
        // last rendered character afterwards; the same trailing space changes gobbling at the end.
        let padded = if text.contains("##") {
            text.clone()
        } else {
            format!("{text} ")
        };
        let mut nested = Lowerer {
            base: span.start as usize + 1,
            errors: Vec::new(),
            macros: self.macros.clone(),
            depth: self.depth + 1,
            unclosed: 0,
        };
        let body = nested.template(&padded);
        // Velocity reports a problem inside an interpolated string at the string literal.
        for e in nested.errors.drain(..) {
            self.errors
                .push(Error::new(e.kind(), e.message().to_owned()).with_span(span));
        }
        let strip_last = !text.contains("##");
        Expr::Interp {
            body: if strip_last { with_strip_marker(body) } else { body },
            span,
        }
    }
}

/// Marks an interpolated body whose last rendered character is Velocity's added space: a trailing
/// `Node::Text("\u{0}strip")` tells the compiler to drop one character after rendering.
fn with_strip_marker(mut body: Block) -> Block {
    body.push(Node::Text(STRIP_MARKER.to_owned()));
    body
}

pub(crate) const STRIP_MARKER: &str = "\u{0}\u{0}strip-last";

fn push_text(out: &mut Block, s: &str) {
    if let Some(Node::Text(t)) = out.last_mut() {
        t.push_str(s);
    } else {
        out.push(Node::Text(s.to_owned()));
    }
}

/// Whether Velocity's lexer, starting at a directive, would still be inside a string literal at the end of
/// input (its string literals span lines).
/// Returns the offset of the unterminated literal's opening quote.
fn ends_inside_string(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            None if c == '"' || c == '\'' => quote = Some((c, i)),
            Some((q, _)) if c == q => quote = None,
            _ => {}
        }
    }
    quote.map(|(_, i)| i)
}

fn shift(span: Option<Span>, by: usize) -> Span {
    let s = span.unwrap_or_default();
    let by = u32::try_from(by).unwrap_or(0);
    Span {
        start: s.start.saturating_add(by),
        end: s.end.saturating_add(by),
    }
}

/// `#name`, `#{name}`, `#@name` → the name (with `@` kept for block macros).
fn directive_word(image: &str) -> String {
    image
        .trim_start_matches('#')
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_owned()
}

fn integer_literal(s: &str, span: Span) -> Expr {
    if let Ok(i) = s.parse::<i64>() {
        return Expr::Int(i, span);
    }
    match s.parse::<i128>() {
        Ok(i) => Expr::BigInt(i, span),
        Err(_) => Expr::Double(s.parse::<f64>().unwrap_or(f64::NAN), span),
    }
}

/// Velocity turns `\uXXXX` in string literals into the character; nothing else is unescaped.
fn unescape_unicode(s: &str) -> String {
    if !s.contains("\\u") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let hex = rest
            .get(i + 2..i + 6)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
        {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 6..];
            }
            None => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn bin_op(rule: Rule) -> BinOp {
    match rule {
        Rule::op_or => BinOp::Or,
        Rule::op_and => BinOp::And,
        Rule::op_eq => BinOp::Eq,
        Rule::op_ne => BinOp::Ne,
        Rule::op_lt => BinOp::Lt,
        Rule::op_le => BinOp::Le,
        Rule::op_gt => BinOp::Gt,
        Rule::op_ge => BinOp::Ge,
        Rule::op_add => BinOp::Add,
        Rule::op_sub => BinOp::Sub,
        Rule::op_mul => BinOp::Mul,
        Rule::op_div => BinOp::Div,
        _ => BinOp::Mod,
    }
}

fn dedup<'a>(names: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n);
        }
    }
    out
}

/// Human names for grammar rules in error messages.
fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of template",
        Rule::rparen => "`)`",
        Rule::expression | Rule::or_expr | Rule::and_expr | Rule::eq_expr | Rule::rel_expr => "an expression",
        Rule::add_expr | Rule::mul_expr | Rule::unary | Rule::paren => "an expression",
        Rule::reference | Rule::ref_body | Rule::ref_formal => "a reference",
        Rule::identifier | Rule::property => "an identifier",
        Rule::dq_string | Rule::sq_string => "a string",
        Rule::integer | Rule::float => "a number",
        Rule::list | Rule::range => "a list or range",
        Rule::map | Rule::map_entry => "a map",
        Rule::end => "`#end`",
        Rule::block | Rule::text => "text or a directive",
        Rule::op_or | Rule::op_and | Rule::op_eq | Rule::op_ne | Rule::op_lt | Rule::op_le => "an operator",
        Rule::op_gt | Rule::op_ge | Rule::op_add | Rule::op_sub | Rule::op_mul | Rule::op_div => "an operator",
        Rule::op_mod | Rule::op_not => "an operator",
        Rule::directive_args | Rule::arg_word => "a directive argument",
        _ => "valid VTL",
    }
}
