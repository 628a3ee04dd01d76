//! The supervisor's own namespaces (grant-view-notes, layer A): a user namespace where it is root
//! (mapped to the user who started it) and may mount, a mount namespace for the grant tree, and
//! IPC, UTS and network namespaces of their own, entered by the supervisor itself at its start.
//! Before this it ran inside a first bubblewrap for the same five namespaces: that cost every
//! plugin host a process and about 3 ms of its start. Where the kernel gives an unprivileged user
//! namespace no capabilities (Ubuntu's AppArmor restriction of them), main's probe (`probe`) fails,
//! and main starts the supervisor inside bubblewrap as before.
use std::io;
use std::path::Path;

/// Where the supervisor builds its tree, the sandbox's view and its private folders: a tmpfs of
/// its own over the host's /run, which it hides.
const RUN: &str = "/run";

fn check(rc: libc::c_int, what: &str) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        let e = io::Error::last_os_error();
        Err(io::Error::new(e.kind(), format!("{what}: {e}")))
    }
}

fn write_file(path: &str, text: &str) -> io::Result<()> {
    std::fs::write(path, text).map_err(|e| io::Error::new(e.kind(), format!("cannot write {path}: {e}")))
}

/// Enters the five namespaces, maps the caller to root in the user namespace, keeps mounts from
/// leaving for the host, hides the host's /run under a tmpfs and brings loopback up, as bubblewrap
/// did (`--unshare-user --uid 0 --gid 0 --cap-add ALL --unshare-ipc --unshare-uts --unshare-net
/// --bind / / --tmpfs /run`). The supervisor dies with main, as `--die-with-parent` had it. Must run
/// while the process has one thread: the kernel refuses a user namespace to a threaded one.
pub fn enter_own() -> io::Result<()> {
    // SAFETY: reads the caller's own ids.
    let (uid, gid, parent) = unsafe { (libc::getuid(), libc::getgid(), libc::getppid()) };
    // SAFETY: asks for a signal at the parent's death, then checks the parent did not die before.
    unsafe {
        check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0), "cannot ask to end with main")?;
        if libc::getppid() != parent {
            libc::_exit(1);
        }
    }
    let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS | libc::CLONE_NEWNET;
    // SAFETY: unshare takes its flags by value; this process has a single thread (see above).
    check(unsafe { libc::unshare(flags) }, "cannot make a user namespace (are unprivileged user namespaces turned off?)")?;
    // Without "deny", an unprivileged process may not map its group.
    write_file("/proc/self/setgroups", "deny")?;
    write_file("/proc/self/uid_map", &format!("0 {uid} 1"))?;
    write_file("/proc/self/gid_map", &format!("0 {gid} 1"))?;
    crate::mounts::mount(None, "/", None, libc::MS_REC | libc::MS_SLAVE, None)?;
    crate::mounts::tmpfs(Path::new(RUN), false, "mode=0755").map_err(|e| {
        io::Error::new(e.kind(), format!("cannot mount a tmpfs on {RUN} (capabilities refused in a new user namespace, as under Ubuntu's AppArmor restriction?): {e}"))
    })?;
    loopback_up()
}

/// The network namespace's loopback, up: as bubblewrap brings it up, so programs (which share this
/// namespace) keep theirs.
fn loopback_up() -> io::Result<()> {
    // SAFETY: a datagram socket only to name an interface in ioctls; closed below.
    let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if s < 0 {
        return Err(io::Error::other(format!("cannot bring loopback up: {}", io::Error::last_os_error())));
    }
    // SAFETY: ifreq is plain data; its name is "lo" and NUL-terminated by the zeroing.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, c) in req.ifr_name.iter_mut().zip(b"lo") {
        *d = *c as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS and SIOCSIFFLAGS read and write the ifreq given; the flags are the union's field for them.
    let rc = unsafe {
        let mut rc = libc::ioctl(s, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            rc = libc::ioctl(s, libc::SIOCSIFFLAGS, &req);
        }
        rc
    };
    let e = io::Error::last_os_error();
    // SAFETY: closes the socket made above.
    unsafe { libc::close(s) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!("cannot bring loopback up: {e}")))
    }
}

/// `hf-supervisor --probe-namespaces`: whether `enter_own` works here, with a folder made on the
/// tmpfs it mounted (what the supervisor does first). Main runs it once and otherwise starts the
/// supervisor in bubblewrap.
pub fn probe() -> io::Result<()> {
    enter_own()?;
    std::fs::create_dir_all("/run/hf/probe").map_err(|e| io::Error::new(e.kind(), format!("cannot make a folder on its own {RUN}: {e}")))
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    /// What the child found, as its exit code: 0 when all of it holds.
    fn check_own_namespaces(uid: u32, host_net: &std::path::Path) -> i32 {
        if let Err(e) = super::probe() {
            eprintln!("probe: {e}");
            return 10;
        }
        // SAFETY: reads this process's own id.
        if unsafe { libc::getuid() } != 0 {
            return 11;
        }
        let map = std::fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
        if map.split_whitespace().collect::<Vec<_>>() != ["0", uid.to_string().as_str(), "1"] {
            return 12;
        }
        // SAFETY: statfs fills the zeroed struct for a NUL-terminated path.
        let run_is_tmpfs = unsafe {
            let mut s: libc::statfs = std::mem::zeroed();
            libc::statfs(c"/run".as_ptr(), &mut s) == 0 && s.f_type == libc::TMPFS_MAGIC
        };
        if !run_is_tmpfs {
            return 13;
        }
        let names: Vec<_> = std::fs::read_dir("/run").map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect()).unwrap_or_default();
        if names != ["hf"] {
            return 14;
        }
        // Reaching a listener of its own goes through loopback, which must be up.
        let reached = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr().and_then(std::net::TcpStream::connect));
        if reached.is_err() {
            return 15;
        }
        if std::fs::read_link("/proc/self/ns/net").ok().as_deref() == Some(host_net) {
            return 16;
        }
        0
    }

    #[test]
    fn the_probe_maps_the_caller_to_root_and_makes_run_and_a_network_of_its_own_with_loopback_up() {
        // SAFETY: reads this process's own id.
        let uid = unsafe { libc::getuid() };
        let host_net = std::fs::read_link("/proc/self/ns/net").expect("this process's network namespace");
        // A forked child: namespaces cannot be left, and the kernel refuses a user namespace to
        // the test runner's threads.
        // SAFETY: the child only checks and exits without returning.
        match unsafe { libc::fork() } {
            0 => {
                let code = check_own_namespaces(uid, &host_net);
                // SAFETY: _exit ends the forked child without the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            -1 => panic!("fork failed"),
            pid => {
                let mut status = 0;
                // SAFETY: waits for the child forked above.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                assert_eq!(
                    std::process::ExitStatus::from_raw(status).code(),
                    Some(0),
                    "10: probe failed, 11: not root, 12: wrong map, 13: /run not a tmpfs, 14: /run not empty, 15: loopback down, 16: host network"
                );
            }
        }
    }
}
