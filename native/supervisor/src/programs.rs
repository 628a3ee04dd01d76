//! Programs a plugin runs (design §8.1). Inside the sandbox, each whitelisted program's name is a
//! shim that connects here with its arguments, working folder, environment and standard streams.
//! The supervisor asks main (which decides, audits, and says exactly what to run with what), then
//! starts the real program in a sandbox of its own: bubblewrap on the same tree as the plugin's
//! (its grants at their real paths, read-only or read-write as granted), the program itself over
//! its shim, the gate (hf-gate) first, which raises Landlock and seccomp and becomes the program.
//! Its network is the plugin's: the plugin's own namespace, whose only way out is the plugin host's
//! egress proxy (there only when the plugin may use the network, and the only TCP port the gate's
//! Landlock lets the program reach).
use crate::protocol::{ProgramRun, ProgramSetup, ToMain};
use hf_fd_pass::frames::{frame, take_frames, FORWARDED_SIGNALS, MAX_REQUEST, SHIM as SHIM_IN_SANDBOX};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// The folder of the program socket, in the supervisor's /run and (read-only) in the sandbox.
pub const SOCKET_DIR: &str = "/run/hf/programs";
pub const IN_SANDBOX: &str = "/run/haloforge-programs";
/// Where git looks for a shell to run its local transport's helpers through; the gate stands in.
const SHELLS: [&str; 1] = ["/bin/sh"];
/// The user's git identity, outside the tree, and where programs find it.
const GIT_IDENTITY: &str = "/run/hf/git-identity";
const GIT_IDENTITY_IN_SANDBOX: &str = "/run/haloforge-programs/git-identity";
/// Connections still sending their request, at most.
const MAX_ARRIVING: usize = 16;
/// The descriptor on which the gate waits for its run (native/programs/src/bin/hf-gate.rs).
const RUN_FD: RawFd = 3;

/// A shim still sending its request.
struct Arriving {
    conn: UnixStream,
    buf: Vec<u8>,
    fds: Vec<OwnedFd>,
    /// The network namespace of the shim (the plugin's), opened while it waits.
    netns: Option<OwnedFd>,
}

/// A request main is deciding on.
struct Asked {
    conn: UnixStream,
    fds: Vec<OwnedFd>,
    netns: Option<OwnedFd>,
    cwd: String,
}

/// A program sandbox: bubblewrap and the gate in it, waiting on `run` or running its program.
struct Sandbox {
    child: Child,
    pidfd: OwnedFd,
    run: UnixStream,
}

struct Running {
    conn: UnixStream,
    child: Child,
    pidfd: OwnedFd,
    started: Instant,
    buf: Vec<u8>,
}

pub struct Programs {
    listener: UnixListener,
    setup: ProgramSetup,
    bwrap: String,
    tree: String,
    uid: u32,
    gid: u32,
    arriving: HashMap<RawFd, Arriving>,
    asked: HashMap<u64, Asked>,
    running: HashMap<u64, Running>,
    next_id: u64,
    /// The plugin's network namespace, from its first shim.
    netns: Option<OwnedFd>,
    /// The sandbox the next run takes.
    warm: Option<Sandbox>,
}

/// One descriptor the run loop should watch, and what it is.
#[derive(Clone, Copy)]
pub enum Watched {
    Listener,
    Arriving(RawFd),
    Shim(u64),
    Exit(u64),
}

impl Programs {
    /// Listens on the program socket, which the sandbox sees read-only at IN_SANDBOX.
    pub fn listen(setup: ProgramSetup, bwrap: &str, tree: &str, uid: u32, gid: u32) -> io::Result<Programs> {
        std::fs::create_dir_all(SOCKET_DIR)?;
        let socket = format!("{SOCKET_DIR}/socket");
        let listener = UnixListener::bind(&socket)?;
        listener.set_nonblocking(true)?;
        use std::os::unix::fs::PermissionsExt;
        // The sandbox runs as another user: it must be able to connect.
        std::fs::set_permissions(SOCKET_DIR, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o666))?;
        // The mount point of the ctx.process() shim inside the socket's folder, and of the git
        // identity, whose content only programs' sandboxes see.
        std::fs::write(format!("{SOCKET_DIR}/shim"), b"")?;
        if let Some(identity) = &setup.git_identity {
            std::fs::write(format!("{SOCKET_DIR}/git-identity"), b"")?;
            std::fs::write(GIT_IDENTITY, identity)?;
            std::fs::set_permissions(GIT_IDENTITY, std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(Programs {
            listener,
            setup,
            bwrap: bwrap.into(),
            tree: tree.into(),
            uid,
            gid,
            arriving: HashMap::new(),
            asked: HashMap::new(),
            running: HashMap::new(),
            next_id: 1,
            netns: None,
            warm: None,
        })
    }

    /// The programs running now (each its sandbox's bubblewrap), for what they hold open.
    pub fn running_pids(&self) -> Vec<u32> {
        self.running.values().map(|r| r.child.id()).collect()
    }

    pub fn watched(&self) -> Vec<(RawFd, Watched)> {
        let mut out = vec![(self.listener.as_raw_fd(), Watched::Listener)];
        out.extend(self.arriving.keys().map(|fd| (*fd, Watched::Arriving(*fd))));
        for (id, r) in &self.running {
            out.push((r.conn.as_raw_fd(), Watched::Shim(*id)));
            out.push((r.pidfd.as_raw_fd(), Watched::Exit(*id)));
        }
        out
    }

    pub fn ready(&mut self, what: Watched, say: &mut dyn FnMut(&ToMain)) {
        match what {
            Watched::Listener => self.accept(),
            Watched::Arriving(fd) => self.read_request(fd, say),
            Watched::Shim(id) => self.read_shim(id),
            Watched::Exit(id) => self.reap(id, say),
        }
    }

    fn accept(&mut self) {
        while let Ok((conn, _)) = self.listener.accept() {
            // A plugin that opens connections and sends nothing holds no more than this many.
            if self.arriving.len() >= MAX_ARRIVING {
                continue;
            }
            // Only the first run needs the plugin's namespace found; every later one joins that.
            let netns = if self.netns.is_none() { peer_netns(&conn) } else { None };
            let _ = conn.set_nonblocking(true);
            self.arriving.insert(conn.as_raw_fd(), Arriving { conn, buf: Vec::new(), fds: Vec::new(), netns });
        }
    }

    fn read_request(&mut self, fd: RawFd, say: &mut dyn FnMut(&ToMain)) {
        let Some(a) = self.arriving.get_mut(&fd) else { return };
        let mut chunk = vec![0u8; 65536];
        match hf_fd_pass::receive(fd, &mut chunk) {
            Ok((0, _)) => {
                self.arriving.remove(&fd);
                return;
            }
            Ok((n, fds)) => {
                a.buf.extend_from_slice(&chunk[..n]);
                a.fds.extend(fds);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(_) => {
                self.arriving.remove(&fd);
                return;
            }
        }
        let request = match take_frames(&mut a.buf, MAX_REQUEST) {
            Ok(frames) => match frames.into_iter().next() {
                Some(r) => r,
                None => return,
            },
            Err(e) => {
                let mut a = self.arriving.remove(&fd).expect("present");
                refuse(&mut a.conn, &e);
                return;
            }
        };
        let mut a = self.arriving.remove(&fd).expect("present");
        let Some((program, args, cwd, env)) = parse_request(&request) else {
            refuse(&mut a.conn, "the request to run a program could not be read");
            return;
        };
        if a.fds.len() != 3 {
            refuse(&mut a.conn, "the request came without its three standard streams");
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        say(&ToMain::Program { id, program, args, cwd: cwd.clone(), env });
        self.asked.insert(id, Asked { conn: a.conn, fds: a.fds, netns: a.netns, cwd });
    }

    /// Main's answer: run this, or say why not. A sandbox started ahead of time takes the run (one
    /// for a program not among the plugin's whitelisted ones is started now), and the next one is
    /// started at once, so no run waits for bubblewrap but the first.
    pub fn decided(&mut self, id: u64, run: Option<ProgramRun>, refusal: Option<String>, say: &mut dyn FnMut(&ToMain)) {
        let Some(mut asked) = self.asked.remove(&id) else { return };
        let Some(run) = run else {
            refuse(&mut asked.conn, refusal.as_deref().unwrap_or("the host refused to run it"));
            return;
        };
        if self.netns.is_none() {
            self.netns = asked.netns.take();
        }
        let warm = self.warm.take().filter(|_| self.setup.programs.contains(&run.path)).and_then(|mut w| matches!(w.child.try_wait(), Ok(None)).then_some(w));
        let sandbox = match warm {
            Some(w) => Ok(w),
            None => self.start_sandbox(Some(&run.path)),
        };
        let started = sandbox.and_then(|mut sandbox| {
            hand_over(&mut sandbox.run, &run, &asked.cwd, std::mem::take(&mut asked.fds))?;
            Ok(sandbox)
        });
        match started {
            Ok(sandbox) => {
                let _ = asked.conn.set_nonblocking(true);
                self.running.insert(id, Running { conn: asked.conn, child: sandbox.child, pidfd: sandbox.pidfd, started: Instant::now(), buf: Vec::new() });
            }
            Err(e) => {
                let message = format!("{} could not be started: {e}", run.path);
                refuse(&mut asked.conn, &message);
                say(&ToMain::ProgramEnded { id, code: None, signal: None, ms: 0.0, error: Some(message) });
            }
        }
        if self.warm.is_none() {
            self.warm = self.start_sandbox(None).ok();
        }
    }

    /// A program sandbox, waiting for its run: bubblewrap on the plugin's tree, in the plugin's
    /// network namespace, the real programs of the whitelist (and `extra`) over their shims, the
    /// gate over the ctx.process() shim and the shell.
    fn start_sandbox(&self, extra: Option<&str>) -> io::Result<Sandbox> {
        let netns = self.netns.as_ref().ok_or_else(|| io::Error::other("the plugin's network namespace could not be found"))?.as_raw_fd();
        let mut cmd = Command::new(&self.bwrap);
        // The network namespace is the plugin's own (joined below): its only way out is the plugin
        // host's egress proxy, which the gate's Landlock alone lets the program reach, and only when
        // the plugin may use the network. A new one would cost a few milliseconds a run for nothing.
        cmd.args(["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]);
        cmd.args(["--uid", &self.uid.to_string(), "--gid", &self.gid.to_string()]);
        cmd.args(["--bind", &self.tree, "/", "--proc", "/proc", "--dev", "/dev"]);
        for real in self.setup.programs.iter().map(String::as_str).chain(extra.filter(|e| !self.setup.programs.iter().any(|p| p == e))) {
            cmd.args(["--ro-bind", real, real]);
        }
        cmd.args(["--ro-bind", &self.setup.gate, SHIM_IN_SANDBOX]);
        for shell in SHELLS {
            cmd.args(["--ro-bind", &self.setup.gate, shell]);
        }
        if self.setup.git_identity.is_some() {
            cmd.args(["--ro-bind", GIT_IDENTITY, GIT_IDENTITY_IN_SANDBOX]);
        }
        cmd.args(["--remount-ro", "/", "--chdir", "/", "--clearenv", "--", SHIM_IN_SANDBOX, "--wait"]);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        let (ours, theirs) = UnixStream::pair()?;
        let theirs_fd = theirs.as_raw_fd();
        // SAFETY: between fork and exec only setns and dup2 run, both async-signal-safe; the
        // descriptors stay open in the parent until the child has exec'd.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(netns, libc::CLONE_NEWNET) != 0 || libc::dup2(theirs_fd, RUN_FD) != RUN_FD {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let (child, pidfd) = with_pidfd(cmd.spawn()?)?;
        drop(theirs);
        Ok(Sandbox { child, pidfd, run: ours })
    }

    /// A signal the shim received goes to the program; the shim gone (killed), the program goes too.
    fn read_shim(&mut self, id: u64) {
        let Some(r) = self.running.get_mut(&id) else { return };
        let mut chunk = [0u8; 1024];
        match r.conn.read(&mut chunk) {
            Ok(0) => {
                let _ = r.child.kill();
            }
            Ok(n) => {
                r.buf.extend_from_slice(&chunk[..n]);
                let Ok(frames) = take_frames(&mut r.buf, 1024) else {
                    let _ = r.child.kill();
                    return;
                };
                for f in frames {
                    let signal = f.get("signal").and_then(Value::as_i64).and_then(|s| i32::try_from(s).ok()).filter(|s| FORWARDED_SIGNALS.contains(s));
                    if let Some(signal) = signal {
                        signal_descendants(r.child.id(), signal);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => {
                let _ = r.child.kill();
            }
        }
    }

    fn reap(&mut self, id: u64, say: &mut dyn FnMut(&ToMain)) {
        let Some(mut r) = self.running.remove(&id) else { return };
        let status = r.child.wait();
        let ms = r.started.elapsed().as_secs_f64() * 1000.0;
        let (code, signal) = match &status {
            Ok(s) => (s.code(), s.signal()),
            Err(_) => (None, None),
        };
        // Main first, so that the run's record is on its way before the plugin hears the end.
        say(&ToMain::ProgramEnded { id, code, signal, ms, error: status.err().map(|e| e.to_string()) });
        let _ = r.conn.set_nonblocking(false);
        let _ = r.conn.write_all(&frame(&json!({ "type": "exit", "code": code, "signal": signal })));
    }
}

/// Sends a waiting gate its run: the program with its arguments, environment, working folder and
/// what it may execute, the shim's three streams attached.
fn hand_over(to: &mut UnixStream, run: &ProgramRun, cwd: &str, streams: Vec<OwnedFd>) -> io::Result<()> {
    let argv: Vec<&str> = std::iter::once(run.path.as_str()).chain(run.args.iter().map(String::as_str)).collect();
    let request = frame(&json!({ "argv": argv, "env": run.env, "cwd": cwd, "exec": run.execute, "helpers": run.helpers, "egress": run.egress_port }));
    let raw: Vec<RawFd> = streams.iter().map(AsRawFd::as_raw_fd).collect();
    let sent = hf_fd_pass::send(to.as_raw_fd(), &request, &raw)?;
    to.write_all(&request[sent..])
}

fn refuse(conn: &mut UnixStream, message: &str) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.write_all(&frame(&json!({ "type": "refused", "message": message })));
}

type Request = (String, Vec<String>, String, Vec<(String, String)>);

fn parse_request(v: &Value) -> Option<Request> {
    let text = |x: &Value| x.as_str().map(str::to_string);
    let program = text(v.get("program")?)?;
    let args = v.get("args")?.as_array()?.iter().map(text).collect::<Option<Vec<_>>>()?;
    let cwd = text(v.get("cwd")?)?;
    let env = v.get("env")?.as_array()?.iter().map(|p| Some((text(p.get(0)?)?, text(p.get(1)?)?))).collect::<Option<Vec<_>>>()?;
    Some((program, args, cwd, env))
}

/// A child with a descriptor that becomes readable when it ends (for the run loop's poll).
pub fn with_pidfd(child: Child) -> io::Result<(Child, OwnedFd)> {
    // SAFETY: pidfd_open takes a pid and flags; its result is a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nothing else owns.
    Ok((child, unsafe { OwnedFd::from_raw_fd(fd as RawFd) }))
}

/// The network namespace of the process at the other end, while it waits on its request; none
/// if that is the supervisor's own (it is not a shim of the sandbox's).
fn peer_netns(conn: &UnixStream) -> Option<OwnedFd> {
    // SAFETY: a zeroed ucred is what SO_PEERCRED fills.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt fills `cred` of the length given.
    if unsafe { libc::getsockopt(conn.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len) } != 0 || cred.pid <= 0 {
        return None;
    }
    let theirs = std::fs::File::open(format!("/proc/{}/ns/net", cred.pid)).ok()?;
    let ours = std::fs::metadata("/proc/self/ns/net").ok()?;
    use std::os::unix::fs::MetadataExt;
    (theirs.metadata().ok()?.ino() != ours.ino()).then(|| theirs.into())
}

/// Sends `signal` to every process below `pid` (the program and what it started; not bubblewrap),
/// those a threaded program (git's parallel checkout) started from any of its threads included.
fn signal_descendants(pid: u32, signal: i32) {
    for process in crate::held::tree(pid).into_iter().filter(|&p| p != pid) {
        // SAFETY: kill takes a pid and a signal number.
        unsafe { libc::kill(process as libc::pid_t, signal) };
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_request, signal_descendants};
    use serde_json::json;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    #[test]
    fn a_forwarded_signal_reaches_a_child_that_a_programs_other_thread_started() {
        // Node starts a child from a worker thread: that child is listed under the worker's task.
        let script = "const { Worker } = require('node:worker_threads'); new Worker(\"const c = require('node:child_process').spawn('sleep', ['30'], { stdio: 'ignore' }); console.log(c.pid)\", { eval: true }); setInterval(() => {}, 1000)";
        let mut program = Command::new("node").args(["-e", script]).stdout(Stdio::piped()).spawn().expect("node, which npm test runs under");
        let mut line = String::new();
        BufReader::new(program.stdout.take().expect("its stdout")).read_line(&mut line).expect("the child's pid");
        let sleep: libc::pid_t = line.trim().parse().expect("a pid");
        signal_descendants(program.id(), libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        // Gone, or a zombie that its parent has not reaped yet.
        let ended = || std::fs::read_to_string(format!("/proc/{sleep}/stat")).map_or(true, |s| s.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')));
        while !ended() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let signalled = ended();
        // SAFETY: kill takes a pid and a signal number; sleep is this test's own grandchild.
        unsafe { libc::kill(sleep, libc::SIGKILL) };
        let _ = program.kill();
        let _ = program.wait();
        assert!(signalled, "sleep ({sleep}) was not signalled");
    }

    #[test]
    fn a_shims_request_is_read_only_when_every_part_is_text() {
        let ok = json!({ "program": "git", "args": ["status"], "cwd": "/srv/repo", "env": [["LANG", "C"]] });
        assert_eq!(parse_request(&ok), Some(("git".into(), vec!["status".into()], "/srv/repo".into(), vec![("LANG".into(), "C".into())])));
        for bad in [
            json!({ "program": "git", "args": [1], "cwd": "/", "env": [] }),
            json!({ "program": "git", "args": [], "env": [] }),
            json!({ "program": "git", "args": [], "cwd": "/", "env": [["LANG"]] }),
            json!({ "program": null, "args": [], "cwd": "/", "env": [] }),
            json!("git status"),
        ] {
            assert_eq!(parse_request(&bad), None, "{bad}");
        }
    }
}
