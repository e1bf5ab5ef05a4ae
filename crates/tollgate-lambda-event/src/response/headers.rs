//! Merging `multiValueHeaders` and `headers` into the response's header lines.
//!
//! Recorded (REC/ lambda `test_aws_proxy_response_payload_format_validation`): a name in both maps gives the
//! multi values first, then the `headers` value (`value-multi, value-solo` as the client library joins them),
//! under the `multiValueHeaders` spelling when the two differ in case. Documented: a pair present in both maps
//! appears once [doc]. Each value is its own header line, so `Set-Cookie` works.
//!
//! Decisions where AWS is unknown: names are merged case-insensitively; header groups come in order of first
//! appearance, `multiValueHeaders` before `headers`; a JSON key repeated within one map keeps its last value.

use super::error::{ProxyResponseError, ProxyResponseErrorKind};
use std::borrow::Cow;
use std::cmp::Ordering;

/// One header line of the response, with the function's spelling of the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader<'a> {
    name: Cow<'a, str>,
    value: Cow<'a, str>,
}

impl<'a> ResponseHeader<'a> {
    /// The name as the function spelled it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Name and value, owned or borrowed from the payload.
    pub fn into_parts(self) -> (Cow<'a, str>, Cow<'a, str>) {
        (self.name, self.value)
    }
}

/// A header as parsed from one of the two maps.
#[derive(Debug)]
pub(crate) struct RawHeader<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: Cow<'a, str>,
    /// Which occurrence of a member in its map this came from (to let a repeated JSON key win).
    pub(crate) member: u32,
}

/// Keeps, for each name repeated as a JSON key within one map, only the entries of its last occurrence.
pub(crate) fn drop_superseded(entries: &mut Vec<RawHeader<'_>>) {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        entries[a]
            .name
            .cmp(&entries[b].name)
            .then(entries[a].member.cmp(&entries[b].member))
    });
    let mut keep = vec![true; entries.len()];
    for run in order.chunk_by(|&a, &b| entries[a].name == entries[b].name) {
        let last_member = run.last().map_or(0, |&index| entries[index].member);
        for &index in run {
            keep[index] = entries[index].member == last_member;
        }
    }
    let mut keep = keep.into_iter();
    entries.retain(|_| keep.next().unwrap_or(true));
}

fn compare_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Merges the two maps into header lines and checks each line is valid HTTP.
pub(crate) fn merge<'a>(
    multi: Vec<RawHeader<'a>>,
    solo: Vec<RawHeader<'a>>,
) -> Result<Vec<ResponseHeader<'a>>, ProxyResponseError> {
    let multi_len = multi.len();
    let all: Vec<RawHeader<'a>> = multi.into_iter().chain(solo).collect();
    let mut order: Vec<usize> = (0..all.len()).collect();
    // Group case-insensitively; within a group keep input order, which puts multi entries first.
    order.sort_by(|&a, &b| compare_ignore_ascii_case(&all[a].name, &all[b].name).then(a.cmp(&b)));
    let mut groups: Vec<&[usize]> = order
        .chunk_by(|&a, &b| all[a].name.eq_ignore_ascii_case(&all[b].name))
        .collect();
    groups.sort_by_key(|group| group[0]);

    let mut lines = Vec::with_capacity(all.len());
    let mut multi_values: Vec<&str> = Vec::new();
    for group in groups {
        let name = &all[group[0]].name;
        let split = group.partition_point(|&index| index < multi_len);
        multi_values.clear();
        multi_values.extend(group[..split].iter().map(|&index| all[index].value.as_ref()));
        multi_values.sort_unstable();
        for (position, &index) in group.iter().enumerate() {
            let value = &all[index].value;
            // A `headers` pair already given by `multiValueHeaders` appears once.
            if position >= split && multi_values.binary_search(&value.as_ref()).is_ok() {
                continue;
            }
            check_field(name, value)?;
            lines.push(ResponseHeader {
                name: name.clone(),
                value: value.clone(),
            });
        }
    }
    Ok(lines)
}

/// Header names must be tokens (RFC 9110); values may hold visible characters, spaces, tabs and bytes from
/// 0x80 up (obs-text), nothing else. AWS's handling of other characters is unknown; Tollgate refuses them
/// rather than send a broken response.
fn check_field(name: &str, value: &str) -> Result<(), ProxyResponseError> {
    let token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    let field_byte = |byte: u8| byte == b'\t' || (0x20..0x7F).contains(&byte) || byte >= 0x80;
    if name.is_empty() || !name.bytes().all(token) || !value.bytes().all(field_byte) {
        return Err(ProxyResponseError::new(ProxyResponseErrorKind::InvalidHeaderField));
    }
    Ok(())
}
