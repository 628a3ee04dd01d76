//! What a program shim and the supervisor say to each other over the program socket: frames of a
//! 4-byte little-endian length and that much JSON. The shim sends one request (its three standard
//! streams attached) and, while the program runs, the signals it receives; the supervisor answers
//! once, with how the program ended or why it did not run.
use serde_json::Value;

/// Where the supervisor listens, inside a plugin's sandbox.
pub const SOCKET: &str = "/run/haloforge-programs/socket";
/// The shim for `ctx.process()` in a plugin's sandbox, and where the gate takes its place in a
/// program's.
pub const SHIM: &str = "/run/haloforge-programs/shim";
/// The signals a shim passes on to its program (the others end the shim, and with it the program).
pub const FORWARDED_SIGNALS: [i32; 7] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2, libc::SIGWINCH];
/// How a shim or gate says the host did not run the program: this exit status (as a shell reports
/// a command it cannot execute), and the reason on stderr after REFUSAL_PREFIX.
pub const NOT_RUN: i32 = 126;
pub const REFUSAL_PREFIX: &str = "haloforge: ";

/// Ends a shim or gate that cannot run its program, saying why, as the plugin's side reads it.
pub fn not_run(message: &str) -> ! {
    eprintln!("{REFUSAL_PREFIX}{message}");
    std::process::exit(NOT_RUN)
}
/// The most a request may take (arguments and environment), as the kernel's own limit for execve.
pub const MAX_REQUEST: usize = 2 << 20;

pub fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string().into_bytes();
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Takes every whole frame off the front of `buf`; Err when one is larger than `max` or not JSON.
pub fn take_frames(buf: &mut Vec<u8>, max: usize) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if len > max {
            return Err(format!("a message of {len} bytes is more than the {max} allowed"));
        }
        if buf.len() < 4 + len {
            break;
        }
        let value = serde_json::from_slice(&buf[4..4 + len]).map_err(|e| format!("a message could not be read: {e}"))?;
        buf.drain(..4 + len);
        out.push(value);
    }
    Ok(out)
}

/// The final path component: how a program is named (`/usr/bin/git` and `git` are both git).
pub fn program_name(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_come_out_whole_however_they_were_cut() {
        let wire: Vec<u8> = [frame(&json!({"type": "exit", "code": 0})), frame(&json!({"type": "signal", "signal": 2}))].concat();
        for cut in 0..wire.len() {
            let mut buf = wire[..cut].to_vec();
            let mut got = take_frames(&mut buf, 64).unwrap();
            buf.extend_from_slice(&wire[cut..]);
            got.extend(take_frames(&mut buf, 64).unwrap());
            assert_eq!(got, vec![json!({"type": "exit", "code": 0}), json!({"type": "signal", "signal": 2})], "cut at {cut}");
        }
    }

    #[test]
    fn an_oversized_message_is_refused_before_it_is_read() {
        let mut buf = (1000u32).to_le_bytes().to_vec();
        assert!(take_frames(&mut buf, 999).is_err());
    }

    #[test]
    fn a_program_is_named_by_its_last_component() {
        assert_eq!((program_name("/usr/bin/git"), program_name("git"), program_name("")), ("git", "git", ""));
    }
}
