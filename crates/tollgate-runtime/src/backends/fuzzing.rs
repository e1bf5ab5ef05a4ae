//! Reading a backend's answer from bytes alone, fed in pieces as reads would deliver them: what the fuzz target
//! drives (the head parser and the chunked decoder see everything a backend sends).

use http::Method;
use tollgate_http1::Chunked;

use super::head::{BodyFraming, HeadError, parse_response};

/// What was read: the final answer's status, its header count, its body, and whether the body was complete.
#[derive(Debug, PartialEq, Eq)]
pub struct BackendAnswer {
    pub status: u16,
    pub headers: usize,
    pub body: Vec<u8>,
    pub complete: bool,
}

/// Reads the answer to a request (`HEAD` if `head_request`) from `wire`, delivered `piece` bytes at a time (at
/// least 1); informational answers are skipped as the client skips them. The end of `wire` is the end of the
/// connection.
pub fn read_backend_answer(wire: &[u8], head_request: bool, piece: usize) -> Result<BackendAnswer, String> {
    let method = if head_request { Method::HEAD } else { Method::GET };
    let piece = piece.max(1);
    let mut pieces = wire.chunks(piece);
    let mut buffered: Vec<u8> = Vec::new();
    let head = loop {
        match parse_response(&buffered, &method) {
            Ok(Some((length, head))) => {
                buffered.drain(..length);
                if head.status.is_informational() {
                    continue;
                }
                break head;
            }
            Ok(None) => match pieces.next() {
                Some(next) => buffered.extend_from_slice(next),
                None => return Err("the connection ended before a whole head".to_owned()),
            },
            Err(HeadError(detail)) => return Err(detail),
        }
    };
    let mut body = Vec::new();
    let complete = match head.framing {
        BodyFraming::Empty => true,
        BodyFraming::Length(length) => {
            let wanted = usize::try_from(length).unwrap_or(usize::MAX);
            loop {
                if buffered.len() >= wanted.saturating_sub(body.len()) {
                    let rest = wanted.saturating_sub(body.len());
                    body.extend_from_slice(buffered.get(..rest).unwrap_or_default());
                    break true;
                }
                body.append(&mut buffered);
                match pieces.next() {
                    Some(next) => buffered.extend_from_slice(next),
                    None => break false,
                }
            }
        }
        BodyFraming::UntilClose => {
            body.append(&mut buffered);
            pieces.for_each(|next| body.extend_from_slice(next));
            true
        }
        BodyFraming::Chunked => {
            let mut decoder = Chunked::default();
            loop {
                let used = decoder
                    .step(&buffered, &mut body, usize::MAX)
                    .map_err(|_| "invalid chunked body".to_owned())?;
                buffered.drain(..used);
                if decoder == Chunked::Done {
                    break true;
                }
                match pieces.next() {
                    Some(next) => buffered.extend_from_slice(next),
                    None => break false,
                }
            }
        }
    };
    Ok(BackendAnswer {
        status: head.status.as_u16(),
        headers: head.headers.len(),
        body,
        complete,
    })
}
