//! A minimal HTTP/1.1 client over loopback: start-up polling, the pre-flight check of every target, and the
//! counted request series of `--allocs` (wrk runs for a time, not a number of requests).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

/// Largest response body read (the bench routes answer well under 4 KiB).
const MAX_BODY: usize = 1 << 20;

/// The status of `GET path` on a fresh connection, or `None` if there is no answer.
pub(crate) fn status(addr: SocketAddr, path: &str, timeout: Duration) -> Option<u16> {
    let mut conn = Conn::connect(addr, timeout).ok()?;
    conn.request("GET", path, None, true).ok().map(|(status, _)| status)
}

/// One keep-alive connection.
#[derive(Debug)]
pub(crate) struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
}

impl Conn {
    pub(crate) fn connect(addr: SocketAddr, timeout: Duration) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    /// Sends one request (with a JSON body if given) and reads the whole response: (status, body).
    pub(crate) fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        close: bool,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.writer.write_all(&bytes)?;
        self.read_response()
    }

    fn read_response(&mut self) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            bail!("connection closed before a response");
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an HTTP status line: {line:?}"))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                bail!("connection closed inside the response head");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse::<usize>().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.to_ascii_lowercase().contains("chunked");
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .with_context(|| format!("bad chunk size {line:?}"))?;
                if body.len() + size > MAX_BODY {
                    bail!("response body over {MAX_BODY} bytes");
                }
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                chunk.truncate(size);
                body.extend_from_slice(&chunk);
                if size == 0 {
                    // Trailers are not used by the bench routes; the final CRLF was read with the chunk.
                    break;
                }
            }
        } else if let Some(length) = length {
            if length > MAX_BODY {
                bail!("response body over {MAX_BODY} bytes");
            }
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        } else if status != 204 && status != 304 {
            self.reader.by_ref().take(MAX_BODY as u64).read_to_end(&mut body)?;
        }
        Ok((status, body))
    }
}
