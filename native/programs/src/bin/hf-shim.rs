//! What a whitelisted program's name runs inside a plugin's sandbox (design §8.1): `git`, found
//! on the plugin's PATH as it would be on the user's. It hands its arguments, its working folder,
//! its environment and its three standard streams to the supervisor, which asks main and runs the
//! real program in a sandbox of its own; it passes on the signals it gets, and ends as the program
//! ended. The plugin's `std::process::Command` sees a program that ran.
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
use hf_fd_pass::frames::{frame, not_run as fail, program_name, take_frames, FORWARDED_SIGNALS, NOT_RUN, SOCKET};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

fn text(os: std::ffi::OsString, what: &str) -> String {
    os.into_string().unwrap_or_else(|o| fail(&format!("{what} is not valid UTF-8 and cannot be passed on: {o:?}")))
}

fn main() {
    let mut argv = std::env::args_os();
    let argv0 = text(argv.next().unwrap_or_default(), "the program's name");
    let args: Vec<String> = argv.map(|a| text(a, "an argument")).collect();
    let cwd = std::env::current_dir().map(|d| text(d.into_os_string(), "the working folder")).unwrap_or_else(|e| fail(&format!("the working folder cannot be read: {e}")));
    // Variables that are not text are not passed on (main allows only some, by name, anyway).
    let env: Vec<Value> = std::env::vars_os().filter_map(|(k, v)| Some(json!([k.into_string().ok()?, v.into_string().ok()?]))).collect();
    let request = frame(&json!({ "program": program_name(&argv0), "args": args, "cwd": cwd, "env": env }));
    let signals = block_forwarded();
    let mut socket = UnixStream::connect(SOCKET).unwrap_or_else(|e| fail(&format!("programs cannot be run here ({SOCKET}: {e})")));
    let sent = hf_fd_pass::send(socket.as_raw_fd(), &request, &[0, 1, 2]).unwrap_or_else(|e| fail(&format!("the request did not reach the host: {e}")));
    socket.write_all(&request[sent..]).unwrap_or_else(|e| fail(&format!("the request did not reach the host: {e}")));
    let mut buf = Vec::new();
    loop {
        let mut fds = [libc::pollfd { fd: socket.as_raw_fd(), events: libc::POLLIN, revents: 0 }, libc::pollfd { fd: signals, events: libc::POLLIN, revents: 0 }];
        // SAFETY: poll fills the revents of the two entries given.
        if unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) } < 0 {
            continue; // EINTR: the forwarded signals are blocked, others end us anyway
        }
        if fds[1].revents != 0 {
            if let Some(signal) = read_signal(signals) {
                // Gone already: the answer on the socket says how it ended.
                let _ = socket.write_all(&frame(&json!({ "type": "signal", "signal": signal })));
            }
        }
        if fds[0].revents != 0 {
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).unwrap_or(0);
            if n == 0 {
                fail("the host ended the program without saying how it ended");
            }
            buf.extend_from_slice(&chunk[..n]);
            for answer in take_frames(&mut buf, 1 << 20).unwrap_or_else(|e| fail(&e)) {
                end_as(&answer);
            }
        }
    }
}

/// Ends this process as the program ended: with its exit code, or killed by its signal.
fn end_as(answer: &Value) {
    match answer.get("type").and_then(Value::as_str) {
        Some("exit") => {
            if let Some(signal) = answer.get("signal").and_then(Value::as_i64).and_then(|s| i32::try_from(s).ok()) {
                // SAFETY: back to the default action, unblocked, then raised: the signal ends us.
                unsafe {
                    libc::signal(signal, libc::SIG_DFL);
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, signal);
                    libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                    libc::raise(signal);
                }
            }
            let code = answer.get("code").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok()).unwrap_or(NOT_RUN);
            std::process::exit(code)
        }
        Some("refused") => fail(answer.get("message").and_then(Value::as_str).unwrap_or("the host refused to run it")),
        _ => {}
    }
}

/// Blocks the forwarded signals and returns a descriptor on which they arrive instead.
fn block_forwarded() -> i32 {
    // SAFETY: a set built with the libc calls for it, then blocked and handed to signalfd.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in FORWARDED_SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::signalfd(-1, &set, libc::SFD_CLOEXEC)
    }
}

fn read_signal(fd: i32) -> Option<i32> {
    // SAFETY: a zeroed signalfd_siginfo is what read fills.
    let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::signalfd_siginfo>();
    // SAFETY: reads at most one siginfo into `info`.
    let n = unsafe { libc::read(fd, (&mut info as *mut libc::signalfd_siginfo).cast(), size) };
    (n == size as isize).then_some(info.ssi_signo as i32)
}
