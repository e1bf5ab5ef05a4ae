//! The AWS_PROXY function of `cargo xtask load`: a Lambda function on the Runtime API with std only (no SDK,
//! no async runtime), so the route measures the gateway and its function host, not a language runtime.
//!
//! It loops on `GET /2018-06-01/runtime/invocation/next` over one keep-alive connection to
//! `AWS_LAMBDA_RUNTIME_API` and answers every event with the same proxy response (200, JSON, the backend's
//! 100-byte body), as `POST /2018-06-01/runtime/invocation/{id}/response`. It exits when the host goes away.
//! When the host sets `TOLLGATE_RUNTIME_API_PIPELINING=1` (Tollgate's does), the response and the next poll go out
//! together in one write, as Tollgate's own runtime clients send them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

const RESPONSE: &str = concat!(
    r#"{"statusCode":200,"headers":{"content-type":"application/json"},"#,
    r#""body":"{\"ok\":true,\"service\":\"bench-backend\",\"message\":\"hello from the backend\",\"pad\":\"xxxxxxxxxxxxxxxxxxx\"}"}"#
);

/// One HTTP/1.1 response: the request id header (if any) and the body.
struct Reply {
    status: u16,
    request_id: Option<String>,
}

fn read_reply(reader: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (mut length, mut chunked, mut request_id) = (0usize, false, None);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().unwrap_or(0);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("lambda-runtime-aws-request-id") {
            request_id = Some(value.to_owned());
        }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
        }
    } else {
        std::io::copy(&mut reader.by_ref().take(length as u64), &mut std::io::sink())?;
    }
    Ok(Reply { status, request_id })
}

fn main() {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        eprintln!("load-function: AWS_LAMBDA_RUNTIME_API is not set");
        std::process::exit(1);
    };
    let run = || -> std::io::Result<()> {
        let stream = TcpStream::connect(&api)?;
        stream.set_nodelay(true)?;
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        let pipelined = std::env::var("TOLLGATE_RUNTIME_API_PIPELINING").is_ok_and(|v| v == "1");
        let mut out = Vec::with_capacity(512);
        // Each request goes out in one write: `write!` on the socket would send every formatted piece as its
        // own segment (TCP_NODELAY), which a real runtime client does not do.
        let next = format!("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\n\r\n");
        writer.write_all(next.as_bytes())?;
        loop {
            let event = read_reply(&mut reader)?;
            let Some(id) = event.request_id.filter(|_| event.status == 200) else {
                return Err(std::io::Error::other(format!(
                    "next invocation answered {}",
                    event.status
                )));
            };
            out.clear();
            write!(
                out,
                "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{RESPONSE}",
                RESPONSE.len()
            )?;
            if pipelined {
                out.extend_from_slice(next.as_bytes());
            }
            writer.write_all(&out)?;
            read_reply(&mut reader)?;
            if !pipelined {
                writer.write_all(next.as_bytes())?;
            }
        }
    };
    if let Err(err) = run() {
        eprintln!("load-function: {err}");
        std::process::exit(1);
    }
}
