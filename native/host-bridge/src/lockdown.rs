//! The plugin host's own walls, raised before any plugin code runs (design §8). Bubblewrap has
//! already given the process its namespaces and its file view; this adds what only the process
//! can do for itself:
//! - a seccomp filter (hf-walls), on every thread at once, against what a plugin host never needs:
//!   debugging other processes, mounting, new namespaces, kernel keyrings, BPF, io_uring, x32
//!   calls, sockets other than Unix ones; and starting programs, unless there are shims;
//! - a Landlock ruleset (a second wall behind the mount view): no writes outside the folders named,
//!   no program but the shims (each forwards to main, which runs the real one in a sandbox of its
//!   own), no TCP, no signals to processes outside the sandbox, no abstract Unix sockets outside it;
//! - the grant view's filter (design §8.1): calls that name a path from the working folder or the
//!   root go to the supervisor outside the sandbox (seccomp user notification), which lets them go
//!   on in view and asks main about the rest; its listener is handed to the supervisor at once, and
//!   no later filter of the plugin's own may listen (`seccomp` itself is refused after this).
//!
//! What was enforced is reported back, so the plugin host can prove it to main.
use serde::Serialize;
use std::path::PathBuf;

/// What to allow: writing to the plugin's data folder and its private `/tmp`; and, for a plugin
/// with a network permission, TCP connections to the egress proxy's port on the sandbox's loopback
/// (the sandbox has no other interface, and nothing else listens there).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockdownRequest {
    #[serde(default)]
    pub writable: Vec<PathBuf>,
    #[serde(default)]
    pub egress_port: Option<u16>,
    /// The socket to the supervisor on which the grant view's listener is handed over.
    #[serde(default)]
    pub view_socket: Option<i32>,
    /// The only files that may be executed: the program shims (design §8.1). None: no program at all.
    #[serde(default)]
    pub executable: Vec<PathBuf>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LockdownReport {
    /// The seccomp filter is installed on every thread of the process.
    pub seccomp: bool,
    /// `fully-enforced`, `partially-enforced` or `not-enforced`, as the kernel allows.
    pub landlock: String,
    /// Landlock covers every thread (kernels with Landlock ABI 8 and later); otherwise it covers
    /// the thread that locked down and every thread it starts, which is where plugin code runs.
    pub landlock_all_threads: bool,
    /// Path calls are routed to the supervisor (the grant view: first use asked).
    pub view_listener: bool,
    /// Why a wall could not be raised, if one could not.
    pub problems: Vec<String>,
}

#[cfg(target_os = "linux")]
pub fn lock_down(request: &LockdownRequest) -> LockdownReport {
    let mut problems = Vec::new();
    if let Err(e) = hf_walls::no_new_privs() {
        problems.push(e);
    }
    let rules = hf_walls::Rules { writable: Some(&request.writable), executable: &request.executable, egress_port: request.egress_port };
    let (landlock, landlock_all_threads) = match linux::landlock(&rules) {
        Ok(status) => status,
        Err(e) => {
            problems.push(format!("Landlock: {e}"));
            ("not-enforced".to_string(), false)
        }
    };
    // The filters come last: Landlock's own system calls must still be allowed when it is set up,
    // and the view's listener must be installed before `seccomp` is refused.
    let view_listener = match request.view_socket.map(linux::route_path_calls) {
        Some(Ok(())) => true,
        Some(Err(e)) => {
            problems.push(format!("grant view: {e}"));
            false
        }
        None => false,
    };
    // Programs may be started only where Landlock says which (the shims): without it, none.
    let programs = !request.executable.is_empty() && landlock != "not-enforced";
    let seccomp = match linux::seccomp(hf_walls::Calls { network: request.egress_port.is_some(), programs }) {
        Ok(()) => true,
        Err(e) => {
            problems.push(format!("seccomp: {e}"));
            false
        }
    };
    LockdownReport { seccomp, landlock, landlock_all_threads, view_listener, problems }
}

#[cfg(not(target_os = "linux"))]
pub fn lock_down(_request: &LockdownRequest) -> LockdownReport {
    LockdownReport {
        seccomp: false,
        landlock: "not-enforced".into(),
        landlock_all_threads: false,
        view_listener: false,
        problems: vec!["seccomp and Landlock exist on Linux only".into()],
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use hf_walls::{jump, stmt};
    pub use hf_walls::{landlock, seccomp};

    /// The grant view's filter: each call of the table (hf-path-calls) goes to the supervisor when
    /// one of its directory arguments is `AT_FDCWD` (or it takes none); everything else is allowed
    /// by this filter and judged by the deny filter.
    pub fn view_program() -> Vec<libc::sock_filter> {
        use libc::{BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_USER_NOTIF};
        let arg_at = |i: u8| 16 + 8 * u32::from(i); // the low half of a 64-bit argument (little endian)
        let mut p = hf_walls::filter_prologue();
        for call in hf_path_calls::path_calls() {
            let dirfds: Vec<u8> = call.paths.iter().filter_map(|a| a.dirfd).collect();
            // The block after the number matches: for each directory argument a load and a test
            // that jumps to the routing return, then "allow", then "route"; or just "route".
            let mut block = Vec::new();
            for (i, d) in dirfds.iter().enumerate() {
                let to_route = (2 * (dirfds.len() - i) - 1) as u8;
                block.push(stmt(BPF_LD | BPF_W | BPF_ABS, arg_at(*d)));
                block.push(jump(BPF_JMP | BPF_JEQ | BPF_K, hf_path_calls::AT_FDCWD_ARG, to_route, 0));
            }
            if !dirfds.is_empty() {
                block.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
            }
            block.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
            p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, call.nr as u32, 0, block.len() as u8));
            p.extend(block);
            // The number was overwritten by the argument loads only inside the block, which returns.
        }
        p.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        p
    }

    /// Installs the view's filter on every thread and hands its listener to the supervisor over
    /// `socket`, then closes both here: the plugin keeps no way to the supervisor.
    pub fn route_path_calls(socket: i32) -> Result<(), String> {
        let program = view_program();
        let prog = libc::sock_fprog { len: program.len() as u16, filter: program.as_ptr() as *mut libc::sock_filter };
        let flags = libc::SECCOMP_FILTER_FLAG_TSYNC | libc::SECCOMP_FILTER_FLAG_NEW_LISTENER | libc::SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        // SAFETY: seccomp reads the program, which outlives the call; no_new_privs is set.
        let listener = unsafe { libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, flags, &prog as *const libc::sock_fprog) };
        if listener < 0 {
            return Err(format!("the filter could not be installed: {}", std::io::Error::last_os_error()));
        }
        let listener = listener as i32;
        let sent = hf_fd_pass::send(socket, b"L", &[listener]);
        // SAFETY: both descriptors are ours to close; the supervisor holds its own copy of the listener.
        unsafe {
            libc::close(listener);
            libc::close(socket);
        }
        sent.map(|_| ()).map_err(|e| format!("the listener could not be handed to the supervisor ({e}); every path call now fails"))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    /// Runs `check` in a forked child after locking it down (the filter cannot be lifted, so it
    /// must not reach the test runner itself); the child's exit code says what `check` found.
    fn in_locked_down_child(request: LockdownRequest, check: impl FnOnce(&LockdownReport) -> i32) -> i32 {
        crate::forked::in_forked_child(|| check(&lock_down(&request)))
    }

    #[test]
    fn a_locked_down_process_can_neither_start_programs_nor_open_network_sockets() {
        let code = in_locked_down_child(LockdownRequest::default(), |report| {
            if !report.seccomp {
                return 10;
            }
            if Command::new("/bin/true").status().is_ok() {
                return 11;
            }
            if std::net::TcpListener::bind("127.0.0.1:0").is_ok() {
                return 12;
            }
            // SAFETY: unshare takes a flag word only.
            if unsafe { libc::unshare(libc::CLONE_NEWUSER) } == 0 {
                return 13;
            }
            // Threads still start, and Unix socket pairs still work.
            if std::thread::spawn(|| 7).join().ok() != Some(7) || std::os::unix::net::UnixStream::pair().is_err() {
                return 14;
            }
            0
        });
        assert_eq!(code, 0, "see the check's return codes");
    }

    #[test]
    fn with_an_egress_port_only_that_port_can_be_reached() {
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (proxy_port, other_port) = (proxy.local_addr().unwrap().port(), other.local_addr().unwrap().port());
        let code = in_locked_down_child(LockdownRequest { writable: vec![], egress_port: Some(proxy_port), ..Default::default() }, |report| {
            if !report.seccomp {
                return 30;
            }
            if std::net::TcpStream::connect(("127.0.0.1", proxy_port)).is_err() {
                return 31;
            }
            if report.landlock != "not-enforced" && std::net::TcpStream::connect(("127.0.0.1", other_port)).is_ok() {
                return 32;
            }
            if std::net::TcpListener::bind("127.0.0.1:0").is_ok() && report.landlock != "not-enforced" {
                return 33;
            }
            0
        });
        assert_eq!(code, 0, "see the check's return codes");
    }

    #[test]
    fn landlock_leaves_only_the_named_folders_writable() {
        let root = std::env::temp_dir().join(format!("hf-lockdown-{}", std::process::id()));
        let (open, closed) = (root.join("data"), root.join("elsewhere"));
        std::fs::create_dir_all(&open).unwrap();
        std::fs::create_dir_all(&closed).unwrap();
        let code = in_locked_down_child(LockdownRequest { writable: vec![open.clone()], ..Default::default() }, |report| {
            if report.landlock == "not-enforced" {
                return 0; // an older kernel: the mount view is the only wall, and the proof says so
            }
            if std::fs::write(open.join("ok.txt"), b"yes").is_err() {
                return 20;
            }
            if std::fs::write(closed.join("no.txt"), b"no").is_ok() {
                return 21;
            }
            0
        });
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(code, 0, "see the check's return codes");
    }

    /// The grant view's filter, seen from the supervisor's side: a path given from the working
    /// folder reaches the listener, which answers it; a path below an open folder does not; and
    /// once locked down the plugin can install no filter (and so no listener) of its own.
    #[test]
    fn path_calls_reach_the_listener_and_the_plugin_can_install_no_filter_of_its_own() {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let theirs_fd = std::os::fd::IntoRawFd::into_raw_fd(theirs);
        // SAFETY: the child locks down, checks and exits without returning.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let etc = std::fs::File::open("/etc").unwrap();
            let report = lock_down(&LockdownRequest { view_socket: Some(theirs_fd), ..Default::default() });
            let code = (|| {
                if !report.view_listener || !report.seccomp {
                    return 40;
                }
                // Routed, and refused by the listener below.
                if std::fs::File::open("/etc/hostname").err().and_then(|e| e.raw_os_error()) != Some(libc::EACCES) {
                    return 41;
                }
                // Below an open folder: not routed, the kernel answers.
                use std::os::fd::AsRawFd;
                // SAFETY: openat with an open folder and a NUL-terminated name.
                if unsafe { libc::openat(etc.as_raw_fd(), c"hostname".as_ptr(), libc::O_RDONLY) } < 0 {
                    return 42;
                }
                // SAFETY: seccomp with a null program only asks; the filter refuses it before that.
                if unsafe { libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, std::ptr::null::<u8>()) } != -1
                    || std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM)
                {
                    return 43;
                }
                0
            })();
            // SAFETY: _exit ends the forked child without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        // SAFETY: the parent's copy of the child's end is not needed.
        unsafe { libc::close(theirs_fd) };
        let listener = receive_listener(&ours);
        // Answer every routed call with EACCES, counting them, until the child exits.
        let mut routed = 0;
        let mut status = 0;
        loop {
            let mut pfd = libc::pollfd { fd: listener, events: libc::POLLIN, revents: 0 };
            // SAFETY: poll on one descriptor for 100 ms.
            if unsafe { libc::poll(&mut pfd, 1, 100) } > 0 && pfd.revents & libc::POLLIN != 0 {
                // SAFETY: a zeroed seccomp_notif is what NOTIF_RECV wants.
                let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
                // SAFETY: NOTIF_RECV fills a seccomp_notif.
                if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) } == 0 {
                    routed += 1;
                    let mut r = libc::seccomp_notif_resp { id: n.id, val: 0, error: -libc::EACCES, flags: 0 };
                    // SAFETY: NOTIF_SEND takes a seccomp_notif_resp.
                    unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut r) };
                }
            }
            // SAFETY: a non-blocking wait for the forked child.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                break;
            }
        }
        assert_eq!(std::process::ExitStatus::from_raw(status).code(), Some(0), "see the check's return codes");
        assert_eq!(routed, 1, "only the open by an absolute path was routed");
    }

    fn receive_listener(socket: &std::os::unix::net::UnixStream) -> i32 {
        use std::os::fd::AsRawFd;
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 };
        let mut control = [0u8; 64];
        // SAFETY: a zeroed msghdr with buffers that outlive the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len();
        // SAFETY: recvmsg fills what msg describes.
        assert_eq!(unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, 0) }, 1);
        let mut fd = -1;
        // SAFETY: the one control message holds one descriptor.
        unsafe { std::ptr::copy_nonoverlapping(libc::CMSG_DATA(libc::CMSG_FIRSTHDR(&msg)), (&mut fd as *mut i32).cast::<u8>(), 4) };
        fd
    }
}
