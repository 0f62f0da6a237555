//! IRC: one plain TCP connection per recipient `server[:port]#channel`.
//!
//! The original piped fixed lines into `nc` after sleeping 15 s; this waits
//! for the server's welcome (numeric 001) instead, answers PING, and gives up
//! after the timeout.

use crate::exit;
use anyhow::Result;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The port when a recipient names none.
pub const DEFAULT_PORT: u16 = 6667;

/// A parsed recipient.
#[derive(Debug, PartialEq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// Without the `#`.
    pub channel: String,
}

/// `server#channel` or `server:port#channel` (`[v6]:port#channel` too).
pub fn parse_target(recipient: &str) -> Result<Target> {
    let (server, channel) = recipient.split_once('#').unwrap_or((recipient, ""));
    if channel.is_empty() {
        return Err(exit::usage(format!(
            "no channel in IRC recipient {recipient:?} (expected server[:port]#channel)"
        )));
    }
    if channel
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == ',')
    {
        return Err(exit::usage(format!(
            "IRC channel {channel:?} has a space, comma or control character"
        )));
    }
    let (host, port) = if let Some(rest) = server.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, p)) => (h, Some(p.strip_prefix(':').unwrap_or(p))),
            None => (server, None),
        }
    } else {
        match server.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (server, None),
        }
    };
    if host.is_empty() {
        return Err(exit::usage(format!(
            "no server in IRC recipient {recipient:?} (expected server[:port]#channel)"
        )));
    }
    let port =
        match port {
            None => DEFAULT_PORT,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                exit::usage(format!("bad port {p:?} in IRC recipient {recipient:?}"))
            })?,
        };
    Ok(Target {
        host: host.to_string(),
        port,
        channel: channel.to_string(),
    })
}

/// What to say.
pub struct Message<'a> {
    pub password: &'a str,
    /// The login name of the current user (the USER line).
    pub login: &'a str,
    pub nick: &'a str,
    pub text: &'a str,
}

/// Refuse values that would break the line protocol (a newline in a nick
/// would smuggle in a command). The text may hold line breaks (LF, CR or
/// both): each line is a NOTICE of its own.
pub fn check(m: &Message) -> Result<()> {
    for (what, v) in [("--password", m.password), ("--username", m.nick)] {
        if v.chars().any(|c| c.is_control()) {
            return Err(exit::usage(format!(
                "{what} holds a control character, which IRC cannot carry"
            )));
        }
    }
    if m.nick.is_empty() || m.nick.contains(' ') {
        return Err(exit::usage("the IRC nick (--username) must be one word"));
    }
    Ok(())
}

/// Send `m` to `t`: PASS, USER, NICK, wait for 001, JOIN, NOTICE, QUIT.
pub fn send(t: &Target, m: &Message, timeout: Duration, connect_timeout: Duration) -> Result<()> {
    let server = format!("{}:{}", t.host, t.port);
    let fail = |what: String| exit::failure(format!("IRC server {server}: {what}"));
    let deadline = Instant::now() + timeout;
    let addrs: Vec<_> = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| fail(format!("could not resolve the host: {e}")))?
        .collect();
    let mut stream = None;
    let mut last_err = String::from("no address");
    for a in &addrs {
        match TcpStream::connect_timeout(a, connect_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = e.to_string(),
        }
    }
    let stream = stream.ok_or_else(|| fail(format!("could not connect: {last_err}")))?;
    let mut writer = stream
        .try_clone()
        .map_err(|e| fail(format!("connection: {e}")))?;
    writer
        .set_write_timeout(Some(timeout))
        .map_err(|e| fail(e.to_string()))?;
    let mut reader = BufReader::new(stream);

    let mut say = |line: &str| -> Result<()> {
        writer
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(|e| fail(format!("could not send: {e}")))
    };
    say(&format!("PASS {}", m.password))?;
    say(&format!("USER {} 0 * :{}", m.login, m.nick))?;
    say(&format!("NICK {}", m.nick))?;

    // Wait for the welcome, answering PINGs; an error numeric ends it.
    let mut line = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(fail(format!(
                "no welcome (001) within {}",
                seconds(timeout)
            )));
        }
        reader
            .get_ref()
            .set_read_timeout(Some(left))
            .map_err(|e| fail(e.to_string()))?;
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => {
                return Err(fail(
                    "closed the connection before the welcome (001)".into(),
                ));
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(fail(format!(
                    "no welcome (001) within {}",
                    seconds(timeout)
                )));
            }
            Err(e) => return Err(fail(format!("could not read: {e}"))),
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (command, params) = split_command(text);
        match command {
            "001" => break,
            "PING" => say(&format!("PONG {params}"))?,
            "ERROR" => return Err(fail(format!("refused: {}", params.trim_start_matches(':')))),
            c if c.len() == 3
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c.starts_with('4') || c.starts_with('5')) =>
            {
                return Err(fail(format!("refused the login ({c} {params})")));
            }
            _ => {}
        }
    }

    say(&format!("JOIN #{}", t.channel))?;
    // A lone CR ends an IRC line too (RFC 1459 §2.3: servers take CR or
    // LF), so it starts a NOTICE of its own rather than a command.
    for text_line in m.text.split(['\n', '\r']) {
        if text_line.is_empty() {
            continue;
        }
        say(&format!("NOTICE #{} :{text_line}", t.channel))?;
    }
    say("QUIT")?;
    // Let the server read everything before the connection goes.
    let _ = reader.get_ref().shutdown(Shutdown::Write);
    let left = deadline.saturating_duration_since(Instant::now());
    if !left.is_zero() {
        let _ = reader
            .get_ref()
            .set_read_timeout(Some(left.min(Duration::from_secs(2))));
        let mut sink = Vec::new();
        while matches!(reader.read_until(b'\n', &mut sink), Ok(n) if n > 0) {
            sink.clear();
        }
    }
    Ok(())
}

/// The command of an IRC line and the rest, the `:prefix` skipped.
fn split_command(line: &str) -> (&str, &str) {
    let line = match line.strip_prefix(':') {
        Some(rest) => rest.split_once(' ').map_or("", |(_, r)| r),
        None => line,
    };
    line.split_once(' ').unwrap_or((line, ""))
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: u16, channel: &str) -> Target {
        Target {
            host: host.into(),
            port,
            channel: channel.into(),
        }
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("irc.example.net#dev").unwrap(),
            t("irc.example.net", 6667, "dev")
        );
        assert_eq!(
            parse_target("127.0.0.1:7000#ops").unwrap(),
            t("127.0.0.1", 7000, "ops")
        );
        assert_eq!(
            parse_target("[::1]:7000#ops").unwrap(),
            t("::1", 7000, "ops")
        );
        assert_eq!(parse_target("[::1]#ops").unwrap(), t("::1", 6667, "ops"));
        for bad in [
            "irc.example.net",
            "irc.example.net#",
            "#dev",
            ":7000#dev",
            "h:x#dev",
            "h:0#dev",
            "h:70000#dev",
            "h#a b",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn commands() {
        assert_eq!(
            split_command(":irc.x 001 nick :Welcome"),
            ("001", "nick :Welcome")
        );
        assert_eq!(split_command("PING :abc"), ("PING", ":abc"));
        assert_eq!(split_command("ERROR :Closing"), ("ERROR", ":Closing"));
    }

    #[test]
    fn nick_checked() {
        let m = |nick, password| Message {
            password,
            login: "u",
            nick,
            text: "hi",
        };
        assert!(check(&m("Shippable-1", "none")).is_ok());
        assert!(check(&m("a b", "none")).is_err());
        assert!(check(&m("a\nQUIT", "none")).is_err());
        assert!(check(&m("a", "p\r\nQUIT")).is_err());
        assert!(check(&m("", "none")).is_err());
    }
}
