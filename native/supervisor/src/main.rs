//! `hf-supervisor [--own-namespaces] <control fd> [<plugin host's fd>...]`: run by main once per
//! plugin host, in a user and mount namespace of its own where it may mount: made by itself with
//! `--own-namespaces`, else by the outer bubblewrap main runs it in (see namespaces.rs). The
//! descriptors after the control one are the plugin host's (its channels to main): they go into its
//! sandbox at their numbers and nowhere else. See supervisor.rs. `hf-supervisor --probe-namespaces`
//! says (exit code 0) whether its own namespaces work here.
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
mod held;
mod mounts;
mod namespaces;
mod notify;
mod paths;
mod plan;
mod programs;
mod protocol;
mod supervisor;
mod watch;

use protocol::{write_frame, FrameReader, FromMain, ToMain};
use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--probe-namespaces"] {
        if let Err(e) = namespaces::probe() {
            eprintln!("hf-supervisor: {e}");
            std::process::exit(1);
        }
        return;
    }
    let own_namespaces = args.first().is_some_and(|a| a == "--own-namespaces");
    if own_namespaces {
        args.remove(0);
    }
    let fds: Option<Vec<i32>> = args.iter().map(|a| a.parse().ok()).collect();
    let Some((&fd, host_fds)) = fds.as_deref().and_then(|f| f.split_first()) else {
        eprintln!("usage: hf-supervisor [--own-namespaces] <control fd> [<plugin host's fd>...] (started by HaloForge Host, not by hand)");
        std::process::exit(2);
    };
    // First, while this process has its one thread; a failure is told to main like any other.
    let entered = if own_namespaces { namespaces::enter_own() } else { Ok(()) };
    // SAFETY: main passes these descriptors for this tree alone. Close-on-exec keeps the control one
    // out of every child, and the plugin host's out of every child but its sandbox (spawn_sandbox),
    // so no program a plugin runs inherits a channel to main.
    let mut control = unsafe {
        for &d in host_fds.iter().chain([&fd]) {
            libc::fcntl(d, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        UnixStream::from_raw_fd(fd)
    };
    let start = match read_start(&mut control) {
        Ok(start) => start,
        Err(e) => {
            eprintln!("hf-supervisor: {e}");
            std::process::exit(2);
        }
    };
    match entered.and_then(|()| supervisor::Supervisor::start(control.try_clone().expect("the control socket"), start, host_fds)) {
        Ok(sup) => std::process::exit(sup.run()),
        Err(e) => {
            let _ = write_frame(&mut control, &ToMain::Problem { message: format!("the grant view cannot be set up: {e}") });
            eprintln!("hf-supervisor: the grant view cannot be set up: {e}");
            std::process::exit(3);
        }
    }
}

/// Waits for main's first message, which says what to build.
fn read_start(control: &mut UnixStream) -> Result<protocol::Start, String> {
    let mut reader = FrameReader::default();
    loop {
        match reader.read_from(control) {
            Ok(Some(frames)) => {
                if let Some(first) = frames.first() {
                    return match serde_json::from_slice::<FromMain>(first) {
                        Ok(FromMain::Start(start)) => Ok(*start),
                        Ok(_) => Err("main's first message was not a start".into()),
                        Err(e) => Err(format!("main's start could not be read: {e}")),
                    };
                }
            }
            Ok(None) => return Err("main closed the control socket before saying what to build".into()),
            Err(e) => return Err(format!("cannot read from main: {e}")),
        }
    }
}
