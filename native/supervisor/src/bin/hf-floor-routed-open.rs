//! Floor (f) of the benchmarks (`npm run bench -- view`): the least a plugin's `std::fs::read` by
//! absolute path costs once its open is routed to a supervisor. The same read with no sandbox, its
//! open sent over seccomp user notification to another process that does only what every routed
//! call needs: wait for the listener, take the call, read its path out of the caller, check that the
//! call still waits, let it go on. It uses the supervisor's own code for those steps (notify.rs).
//!
//! `hf-floor-routed-open <file> <rounds>` prints `{"bare":[ns...],"routed":[ns...]}`: `rounds`
//! reads each way, in turns, timed in this process.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
// The supervisor's module itself, not a copy; what only the supervisor answers with goes unused here.
#[path = "../notify.rs"]
#[allow(dead_code)]
mod notify;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Instant;

const PATH_MAX: usize = 4096;

/// Sends an `openat` to the listener when its flags hold O_NOCTTY (which means nothing for a
/// regular file), so the same read goes either way by one flag; everything else is allowed.
fn program() -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF};
    let stmt = |code: u32, k: u32| libc::sock_filter { code: code as u16, jt: 0, jf: 0, k };
    let jump = |code: u32, k: u32, jt: u8, jf: u8| libc::sock_filter { code: code as u16, jt, jf, k };
    const ARCH: u32 = 4; // offsetof(seccomp_data, arch)
    const FLAGS: u32 = 16 + 8 * 2; // the low half of openat's third argument
    vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, ARCH),
        jump(BPF_JMP | BPF_JEQ | BPF_K, notify::NATIVE_ARCH, 0, 4),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_K, libc::SYS_openat as u32, 0, 2),
        stmt(BPF_LD | BPF_W | BPF_ABS, FLAGS),
        jump(BPF_JMP | BPF_JSET | BPF_K, libc::O_NOCTTY as u32, 1, 0),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    ]
}

/// Installs the filter on this (single-threaded) process and returns its listener.
fn install() -> std::io::Result<OwnedFd> {
    let program = program();
    let prog = libc::sock_fprog { len: program.len() as u16, filter: program.as_ptr() as *mut libc::sock_filter };
    // SAFETY: no_new_privs takes plain integers; seccomp reads the program, which outlives the call.
    let fd = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog as *const libc::sock_fprog)
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the listener was just made and is ours alone.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The other process: every routed open is taken, its path read, checked and let go on, until the
/// caller is gone.
fn answer(listener: notify::Listener) -> ! {
    loop {
        let mut p = libc::pollfd { fd: listener.raw(), events: libc::POLLIN, revents: 0 };
        // SAFETY: poll reads and writes the one entry given.
        if unsafe { libc::poll(&mut p, 1, -1) } < 0 {
            continue;
        }
        if p.revents & libc::POLLIN == 0 {
            // SAFETY: ends this forked process without running the parent's destructors.
            unsafe { libc::_exit(0) };
        }
        if let Ok(Some(call)) = listener.receive() {
            let _ = notify::read_string(call.pid, call.args[1], PATH_MAX);
            if listener.still_waiting(call.id) {
                listener.go_on(call.id);
            }
        }
    }
}

/// `std::fs::read` as the standard library does it (open, size, read to the end), with `flags` added to the open.
fn read(path: &str, flags: i32) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(path)?;
    let mut bytes = Vec::with_capacity(file.metadata()?.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn timed(path: &str, flags: i32) -> u128 {
    let t = Instant::now();
    let bytes = read(path, flags).unwrap_or_else(|e| {
        eprintln!("hf-floor-routed-open: cannot read {path}: {e}");
        std::process::exit(1)
    });
    let ns = t.elapsed().as_nanos();
    drop(bytes);
    ns
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(rounds)) = (args.first(), args.get(1).and_then(|r| r.parse::<usize>().ok())) else {
        eprintln!("usage: hf-floor-routed-open <file> <rounds>");
        std::process::exit(2);
    };
    let listener = install().unwrap_or_else(|e| {
        eprintln!("hf-floor-routed-open: the filter could not be installed: {e}");
        std::process::exit(1)
    });
    // SAFETY: this process has one thread; the child only answers calls and exits.
    let child = unsafe { libc::fork() };
    if child == 0 {
        answer(notify::Listener::new(listener));
    }
    drop(listener);
    let (mut bare, mut routed) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        bare.push(timed(path, 0));
        routed.push(timed(path, libc::O_NOCTTY));
    }
    let list = |v: &[u128]| v.iter().map(u128::to_string).collect::<Vec<_>>().join(",");
    println!("{{\"bare\":[{}],\"routed\":[{}]}}", list(&bare), list(&routed));
    // SAFETY: ends the answering child made above and collects it.
    unsafe {
        libc::kill(child, libc::SIGKILL);
        libc::waitpid(child, std::ptr::null_mut(), 0);
    }
}
