//! What a program a plugin runs is started through, inside the program's own sandbox (design
//! §8.1). bubblewrap gave it the plugin's view and namespaces (ahead of time: the supervisor keeps
//! one sandbox waiting, so a run does not wait for bubblewrap); the gate receives the run main
//! decided on (program, arguments, working folder, environment, streams), adds the walls only a
//! process can raise for itself and then becomes the program:
//! - Landlock: only the program and its own helpers may be executed (`--exec`), TCP only to the
//!   plugin's egress proxy (`--egress`), no signals or abstract sockets outside the sandbox;
//! - seccomp: the plugin host's own filter (programs allowed, x32 refused);
//! - every exec the program makes is checked before it happens: the gate stays as the program's
//!   parent with a seccomp listener for execve, and lets through only the program, its helpers
//!   (`--helpers`, git's git-core) and itself standing in for the shell. Landlock must also allow
//!   the dynamic loader (the kernel checks a program's interpreter as an exec), and the loader run
//!   directly would run any file; the listener refuses exactly that. The program has no code of
//!   the plugin's to race the check with: it must pass the check before any could run.
//!
//! Bound over the shell too, it stands in for `/bin/sh` where git runs its own helpers through
//! one (`sh -c "git-upload-pack '/path'"` for a local fetch or push): that one form is run
//! directly, and nothing else is, so no shell ever runs.
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
use hf_fd_pass::frames::{not_run as fail, program_name, FORWARDED_SIGNALS, NOT_RUN, REFUSAL_PREFIX, SHIM as GATE_IN_SANDBOX};
use std::ffi::CString;
use std::path::PathBuf;

/// The shells this binary stands in for in a program's sandbox.
const SHELLS: [&str; 2] = ["/bin/sh", "/usr/bin/sh"];
/// The helpers git runs through a shell for its local transport.
const GIT_HELPERS: [&str; 3] = ["git-upload-pack", "git-receive-pack", "git-upload-archive"];

/// The descriptor on which the supervisor sends the run (its request, then the three streams).
const RUN_FD: i32 = 3;

/// What to run, as the supervisor sends it once main has decided.
struct Run {
    argv: Vec<String>,
    executable: Vec<PathBuf>,
    helpers: Vec<String>,
    egress_port: Option<u16>,
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if matches!(program_name(argv.first().map(String::as_str).unwrap_or("")), "sh" | "dash" | "bash") {
        stand_in_for_a_shell(&argv[1..]);
    }
    if argv.get(1).map(String::as_str) != Some("--wait") {
        fail("hf-gate is started by HaloForge Host's supervisor, not by hand");
    }
    // Started ahead of time, the sandbox waits here for the run it will be.
    let Run { argv: program, executable, helpers, egress_port } = receive_run();
    hf_walls::no_new_privs().unwrap_or_else(|e| fail(&e));
    let mut runnable = vec![program[0].clone(), GATE_IN_SANDBOX.to_string()];
    runnable.extend(SHELLS.iter().map(|s| s.to_string()));
    let listener = exec_listener().unwrap_or_else(|e| fail(&format!("the exec check could not be set up: {e}")));
    // SAFETY: fork in a single-threaded process; the child only raises its walls and execs.
    match unsafe { libc::fork() } {
        -1 => fail(&format!("cannot start the program: {}", std::io::Error::last_os_error())),
        0 => {
            // SAFETY: the child's copy of the listener is not its to use.
            unsafe { libc::close(listener) };
        }
        child => watch_execs(listener, child, &runnable, &helpers),
    }
    let rules = hf_walls::Rules { writable: None, executable: &executable, egress_port };
    match hf_walls::landlock(&rules) {
        // Without Landlock nothing would keep the program from running any other: fail closed.
        Ok((status, _)) if status == "not-enforced" => fail("Landlock is not available here, so no program can be kept to itself; none is run"),
        Ok(_) => {}
        Err(e) => fail(&format!("Landlock: {e}")),
    }
    hf_walls::seccomp(hf_walls::Calls { network: egress_port.is_some(), programs: true }).unwrap_or_else(|e| fail(&format!("seccomp: {e}")));
    exec(&program[0], &program)
}

/// `sh -c "git-upload-pack '<path>'"`, as git's local transport asks it, run without a shell;
/// anything else is refused.
fn stand_in_for_a_shell(args: &[String]) -> ! {
    // `sh -c <command> [<$0>]`: git names the command again as the shell's $0.
    let (Some(flag), Some(command), None) = (args.first(), args.get(1), args.get(3)) else { fail(&format!("programs run for a plugin may not run a shell (asked: sh {args:?})")) };
    let parsed = (flag == "-c").then(|| parse_helper(command)).flatten();
    let Some((helper, path)) = parsed else { fail(&format!("programs run for a plugin may not run a shell (asked: sh -c {command:?})")) };
    let found = std::env::var("PATH").unwrap_or_default().split(':').map(|d| PathBuf::from(d).join(helper)).find(|p| p.is_file());
    let Some(found) = found else { fail(&format!("{helper} was not found")) };
    exec(&found.to_string_lossy(), &[helper.to_string(), path])
}

/// `<helper> '<path>'`, the path quoted as git quotes it (`'` written as `'\''`).
fn parse_helper(command: &str) -> Option<(&'static str, String)> {
    let (name, quoted) = command.split_once(' ')?;
    let helper = GIT_HELPERS.into_iter().find(|h| *h == name)?;
    let mut path = String::new();
    let mut rest = quoted;
    loop {
        let inner = rest.strip_prefix('\'')?;
        let end = inner.find('\'')?;
        path.push_str(&inner[..end]);
        rest = &inner[end + 1..];
        if rest.is_empty() {
            return Some((helper, path));
        }
        rest = rest.strip_prefix("\\'")?;
        path.push('\'');
    }
}

/// Reads the run off RUN_FD: one frame of JSON, the program's three streams attached; takes the
/// streams as its own 0, 1 and 2, its working folder and its environment.
fn receive_run() -> Run {
    use serde_json::Value;
    let mut buf = Vec::new();
    let mut fds = Vec::new();
    let request = loop {
        let mut chunk = vec![0u8; 65536];
        match hf_fd_pass::receive(RUN_FD, &mut chunk) {
            Ok((0, _)) | Err(_) => std::process::exit(NOT_RUN), // the supervisor went away: nothing to run
            Ok((n, more)) => {
                buf.extend_from_slice(&chunk[..n]);
                fds.extend(more);
            }
        }
        match hf_fd_pass::frames::take_frames(&mut buf, hf_fd_pass::frames::MAX_REQUEST) {
            Ok(frames) if !frames.is_empty() => break frames.into_iter().next().expect("one"),
            Ok(_) => {}
            Err(e) => fail(&e),
        }
    };
    // SAFETY: RUN_FD is ours; nothing else comes on it.
    unsafe { libc::close(RUN_FD) };
    use std::os::fd::AsRawFd;
    for (to, fd) in fds.iter().enumerate().take(3) {
        // SAFETY: dup2 onto the standard descriptors, from descriptors we own.
        unsafe { libc::dup2(fd.as_raw_fd(), to as i32) };
    }
    drop(fds);
    let texts = |v: &Value| -> Vec<String> { v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default() };
    if let Some(cwd) = request.get("cwd").and_then(Value::as_str) {
        if let Err(e) = std::env::set_current_dir(cwd) {
            fail(&format!("cannot change to {cwd}: {e}"));
        }
        std::env::set_var("PWD", cwd);
    }
    for pair in request.get("env").and_then(Value::as_array).into_iter().flatten() {
        if let (Some(k), Some(v)) = (pair.get(0).and_then(Value::as_str), pair.get(1).and_then(Value::as_str)) {
            if !k.is_empty() && !k.contains('=') && !k.contains('\0') && !v.contains('\0') {
                std::env::set_var(k, v);
            }
        }
    }
    let argv = texts(&request["argv"]);
    if argv.is_empty() {
        fail("no program to run");
    }
    Run {
        argv,
        executable: texts(&request["exec"]).into_iter().map(PathBuf::from).collect(),
        helpers: texts(&request["helpers"]),
        egress_port: request.get("egress").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()),
    }
}

/// A filter sending every execve and execveat of this process and its children to a listener.
fn exec_listener() -> std::io::Result<i32> {
    use hf_walls::{jump, stmt};
    use libc::{BPF_JEQ, BPF_JMP, BPF_K, BPF_RET, SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF};
    // Other architectures are the other filters' (they end the process); x32 numbers are refused.
    let mut program = hf_walls::filter_prologue();
    program.extend([
        jump(BPF_JMP | BPF_JEQ | BPF_K, libc::SYS_execve as u32, 2, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_K, libc::SYS_execveat as u32, 1, 0),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    ]);
    let prog = libc::sock_fprog { len: program.len() as u16, filter: program.as_ptr() as *mut libc::sock_filter };
    // SAFETY: seccomp reads the program, which outlives the call; no_new_privs is set.
    let fd = unsafe { libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog as *const libc::sock_fprog) };
    if fd < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(fd as i32)
    }
}

/// Whether an exec of `path` is one the program may make: itself, the gate (as the shell), or
/// a file directly in one of its helper folders. Paths are taken as written, lexically: `..`
/// and relative paths are refused, not resolved.
fn may_exec(path: &str, runnable: &[String], helpers: &[String]) -> bool {
    if !path.starts_with('/') || path.split('/').any(|c| c == ".." || c == ".") {
        return false;
    }
    runnable.iter().any(|r| r == path)
        || helpers.iter().any(|h| path.strip_prefix(h.as_str()).and_then(|rest| rest.strip_prefix('/')).is_some_and(|name| !name.is_empty() && !name.contains('/')))
}

/// The gate's part once the program runs: answers its execs, and ends as it ended.
fn watch_execs(listener: i32, child: libc::pid_t, runnable: &[String], helpers: &[String]) -> ! {
    // The signals the shim passes on are for the program, not for its watcher.
    for s in FORWARDED_SIGNALS {
        // SAFETY: setting a signal's action to "ignore" touches no memory of ours.
        unsafe { libc::signal(s, libc::SIG_IGN) };
    }
    let (runnable, helpers) = (runnable.to_vec(), helpers.to_vec());
    std::thread::spawn(move || loop {
        // SAFETY: a zeroed seccomp_notif is what NOTIF_RECV fills.
        let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: NOTIF_RECV fills a seccomp_notif.
        if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) } != 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return;
        }
        let path = exec_path(&n);
        // What was read counts only if it is still that call's.
        // SAFETY: NOTIF_ID_VALID reads the id it is given.
        let valid = unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &n.id) } == 0;
        let allowed = valid && path.is_some_and(|p| may_exec(&p, &runnable, &helpers));
        if !allowed && valid {
            eprintln!("{REFUSAL_PREFIX}a program run for a plugin may run only itself and its own helpers; refused: {}", exec_path(&n).unwrap_or_else(|| "(unreadable)".into()));
        }
        let mut r = libc::seccomp_notif_resp {
            id: n.id,
            val: 0,
            error: if allowed { 0 } else { -libc::EACCES },
            flags: if allowed { libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32 } else { 0 },
        };
        // SAFETY: NOTIF_SEND takes a seccomp_notif_resp; a call that went away meanwhile is simply gone.
        unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut r) };
    });
    let mut status = 0;
    // SAFETY: waits for the program forked above.
    while unsafe { libc::waitpid(child, &mut status, 0) } < 0 {}
    if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        // SAFETY: back to the default action, then raised: the signal ends the gate as it ended the program.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
    std::process::exit(libc::WEXITSTATUS(status))
}

/// The path an exec names, read out of the caller once; None for what is not a plain path
/// (execveat from an open folder or of an open file).
fn exec_path(n: &libc::seccomp_notif) -> Option<String> {
    let address = if n.data.nr == libc::SYS_execve as i32 {
        n.data.args[0]
    } else {
        let from_cwd = n.data.args[0] as i32 == libc::AT_FDCWD;
        let empty_path = n.data.args[4] & libc::AT_EMPTY_PATH as u64 != 0;
        if !from_cwd || empty_path {
            return None;
        }
        n.data.args[1]
    };
    let mem = std::fs::File::open(format!("/proc/{}/mem", n.pid)).ok()?;
    let mut buf = vec![0u8; 4096];
    use std::os::unix::fs::FileExt;
    let got = mem.read_at(&mut buf, address).ok()?;
    let end = buf[..got].iter().position(|b| *b == 0)?;
    String::from_utf8(buf[..end].to_vec()).ok()
}

fn exec(path: &str, argv: &[String]) -> ! {
    let c = |s: &str| CString::new(s).unwrap_or_else(|_| fail("an argument holds a NUL character"));
    let path_c = c(path);
    let args: Vec<CString> = argv.iter().map(|a| c(a)).collect();
    let mut ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    // SAFETY: NUL-terminated strings and a null-terminated array that outlive the call; the
    // environment is the one bubblewrap set.
    unsafe { libc::execv(path_c.as_ptr(), ptrs.as_ptr()) };
    fail(&format!("{path} could not be run: {}", std::io::Error::last_os_error()))
}

#[cfg(test)]
mod tests {
    use super::{may_exec, parse_helper};

    #[test]
    fn a_program_may_exec_itself_its_helpers_and_the_shell_stand_in_only() {
        let runnable = ["/usr/bin/git".to_string(), "/bin/sh".to_string()];
        let helpers = ["/usr/lib/git-core".to_string()];
        for ok in ["/usr/bin/git", "/bin/sh", "/usr/lib/git-core/git-remote-http"] {
            assert!(may_exec(ok, &runnable, &helpers), "{ok}");
        }
        for refused in
            ["/lib64/ld-linux-x86-64.so.2", "/usr/bin/curl", "git", "/usr/lib/git-core/../../bin/curl", "/usr/lib/git-core", "/usr/lib/git-core/sub/x", "/usr/lib/git-core-evil/x"]
        {
            assert!(!may_exec(refused, &runnable, &helpers), "{refused}");
        }
    }

    #[test]
    fn only_gits_own_local_transport_passes_for_a_shell_command() {
        assert_eq!(parse_helper("git-upload-pack '/srv/origin.git'"), Some(("git-upload-pack", "/srv/origin.git".to_string())));
        assert_eq!(parse_helper(r"git-receive-pack '/srv/it'\''s.git'"), Some(("git-receive-pack", "/srv/it's.git".to_string())));
        for refused in ["curl 'http://x'", "git-upload-pack '/a'; id", "git-upload-pack /a", "git-upload-pack '/a' '/b'", "git-upload-pack '/a"] {
            assert_eq!(parse_helper(refused), None, "{refused}");
        }
    }
}
