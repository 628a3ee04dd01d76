//! One plugin host's supervisor: builds its sandbox's tree, starts bubblewrap inside its own
//! namespaces, and from then on keeps the tree equal to the user's grants and answers every path
//! call the plugin host routes to it: in view, it goes on; outside, main is asked (and the call
//! waits), the grant it gives is mounted, and the call goes on; refused, it fails with EACCES.
use crate::held;
use crate::mounts::{self, Tree};
use crate::notify::{self, Call, Listener};
use crate::paths::{normalize, parent, within, Links};
use crate::plan::{plan, Grant, StaticEntry};
use crate::programs::{with_pidfd, Programs, Watched, IN_SANDBOX, SOCKET_DIR};
use crate::protocol::{write_frame, Ask, FrameReader, FromMain, Start, ToMain, Unmounted};
use crate::watch::Watch;
use hf_fd_pass::frames::SHIM as SHIM_IN_SANDBOX;
use hf_path_calls::{access_mode_write, open_flags_write, path_call, Access, PathCall, AT_FDCWD_ARG};
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// Where the supervisor keeps its own things, in the tmpfs of its own at /run (see namespaces.rs).
const TREE: &str = "/run/hf/tree";
const STAGE: &str = "/run/hf/stage";
const PRIVATE_TMP: &str = "/run/hf/tmp";
/// The descriptor on which the plugin host finds its way to hand the listener over.
const HANDOFF_FD: RawFd = 4;
/// The longest path the kernel takes.
const PATH_MAX: usize = 4096;

/// How a routed open opens its file: for making a file the user chose to save, on the plugin's behalf.
#[derive(Clone, Copy, Debug)]
struct OpenInfo {
    flags: i32,
    mode: u32,
}

/// A path of a call, read out of the caller once.
#[derive(Clone, Debug)]
struct PathOf {
    path: String,
    write: bool,
}

/// A call waiting for main's decision on its `index`th path.
struct Waiting {
    call: Call,
    spec: &'static PathCall,
    paths: Vec<PathOf>,
    index: usize,
    open: Option<OpenInfo>,
}

pub struct Supervisor {
    control: UnixStream,
    reader: FrameReader,
    statics: Vec<StaticEntry>,
    protected: Vec<String>,
    quiet: Vec<String>,
    grants: Vec<Grant>,
    ask: Ask,
    tree: Tree,
    links: Links,
    /// The tree's own folders and links, never removed.
    keep: Vec<String>,
    /// What is in view: the static entries and the grants, with whether each is writable and mounted.
    view: Vec<InView>,
    listener: Option<Listener>,
    handoff: Option<OwnedFd>,
    /// Changes outside under the grants' names.
    watch: Watch,
    child: std::process::Child,
    child_fd: OwnedFd,
    waiting: HashMap<u64, Waiting>,
    next_id: u64,
    programs: Option<Programs>,
}

fn say(control: &mut UnixStream, message: &ToMain) {
    // Main gone: the sandbox goes with the supervisor (which dies with main, and bubblewrap with it).
    let _ = write_frame(control, message);
}

/// bubblewrap inside the supervisor's namespaces: every wall of a plugin host's sandbox, with the
/// tree as its root (sealed read-only; the mounts below it keep their own flags).
fn spawn_sandbox(start: &Start, handoff: UnixStream, host_fds: &[RawFd]) -> io::Result<std::process::Child> {
    let mut cmd = std::process::Command::new(&start.bwrap);
    cmd.args(["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]);
    cmd.args(["--uid", &start.uid.to_string(), "--gid", &start.gid.to_string()]);
    cmd.args(["--bind", TREE, "/", "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/", "--chdir", "/", "--"]);
    cmd.args(&start.command);
    let fd = handoff.as_raw_fd();
    let host_fds = host_fds.to_vec();
    // SAFETY: between fork and exec only dup2 and fcntl run, both async-signal-safe; the handoff
    // socket lands on its agreed number, the plugin host's channels stay on theirs, all three
    // without close-on-exec; everything else of ours keeps it.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(fd, HANDOFF_FD) != HANDOFF_FD || host_fds.iter().any(|&d| libc::fcntl(d, libc::F_SETFD, 0) != 0) {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    drop(handoff);
    Ok(child)
}

impl Supervisor {
    /// Builds the tree, starts the sandbox, and tells main it runs (or returns why it cannot).
    pub fn start(control: UnixStream, start: Start, host_fds: &[RawFd]) -> io::Result<Supervisor> {
        for dir in [TREE, STAGE, PRIVATE_TMP] {
            std::fs::create_dir_all(dir)?;
        }
        mounts::tmpfs(Path::new(TREE), true, "mode=0755")?;
        mounts::tmpfs(Path::new(STAGE), false, "mode=0700")?;
        mounts::tmpfs(Path::new(PRIVATE_TMP), false, "mode=0700")?;
        let mut tree = Tree::new(Path::new(TREE), Path::new(STAGE))?;
        let mut statics = start.statics.clone();
        statics.push(StaticEntry { path: start.private_tmp.clone(), source: Some(PRIVATE_TMP.into()), write: true, optional: false });
        let programs = match &start.programs {
            Some(setup) => {
                let p = Programs::listen(setup.clone(), &start.bwrap, TREE, start.uid, start.gid)?;
                statics.push(StaticEntry { path: IN_SANDBOX.into(), source: Some(SOCKET_DIR.into()), write: false, optional: false });
                for at in setup.shims.iter().map(String::as_str).chain([SHIM_IN_SANDBOX]) {
                    statics.push(StaticEntry { path: at.into(), source: Some(setup.shim.clone()), write: false, optional: false });
                }
                Some(p)
            }
            None => None,
        };
        let missing = tree.open_statics(statics.iter().map(|s| (s.path.clone(), s.source.clone().unwrap_or_else(|| s.path.clone()), s.optional)));
        if let Some(m) = missing.first() {
            return Err(io::Error::other(format!("the plugin host's own files are not all there: {}", m.why)));
        }
        let mut links = Links::default();
        for link in &start.links {
            tree.make_link(&link.path, &link.target)?;
            links.add(&link.path, &link.target);
        }
        for folder in start.tops.iter().map(String::as_str).chain(["/proc", "/dev"]) {
            tree.make_folder(folder)?;
        }
        let mut sup_view = Vec::new();
        let tops = plan(&statics, &start.grants, &start.protected);
        let mut unmounted: Vec<Unmounted> = tops.left_out.iter().map(|l| Unmounted { path: l.path.clone(), why: l.why.clone(), missing: false }).collect();
        let failed = tree.apply(&tops.tops, &keep_folders(&start.tops, &start.links), &[]);
        // The static view must be whole before the plugin host starts: it runs from it.
        if let Some(u) = failed.iter().find(|u| statics.iter().any(|s| s.path == u.path && !s.optional)) {
            return Err(io::Error::other(format!("the plugin host's sandbox cannot be built: {}: {}", u.path, u.why)));
        }
        sup_view.extend(view_of(&statics, &tops.grants, &failed));
        for u in failed.iter().filter(|u| start.grants.iter().any(|g| g.path == u.path) && !start.protected.iter().any(|p| within(&u.path, p))) {
            let _ = tree.make_folder(parent(&u.path));
        }
        unmounted.extend(failed);
        let (ours, theirs) = UnixStream::pair()?;
        let (child, child_fd) = with_pidfd(spawn_sandbox(&start, theirs, host_fds)?)?;
        // The plugin host holds its channels now: main sees them close when it ends, not when this does.
        for &d in host_fds {
            // SAFETY: these numbers were main's for the plugin host, and nothing here uses them.
            unsafe { libc::close(d) };
        }
        let mut watch = Watch::new()?;
        watch.follow(&start.grants.iter().map(|g| g.path.clone()).collect::<Vec<_>>());
        let mut sup = Supervisor {
            watch,
            control,
            reader: FrameReader::default(),
            statics,
            protected: start.protected,
            quiet: start.quiet,
            grants: start.grants,
            ask: start.ask,
            tree,
            keep: keep_folders(&start.tops, &start.links),
            links,
            view: sup_view,
            listener: None,
            handoff: Some(ours.into()),
            child,
            child_fd,
            waiting: HashMap::new(),
            next_id: 1,
            programs,
        };
        let pid = sup.child.id();
        say(&mut sup.control, &ToMain::Ready { pid, unmounted });
        Ok(sup)
    }

    /// Brings the tree to the grants of now; returns what could not be mounted.
    fn apply(&mut self) -> Vec<Unmounted> {
        self.apply_with(&[])
    }

    /// The same, mounting again what was changed outside at `stale`.
    fn apply_with(&mut self, stale: &[String]) -> Vec<Unmounted> {
        let planned = plan(&self.statics, &self.grants, &self.protected);
        let mut unmounted: Vec<Unmounted> = planned.left_out.iter().map(|l| Unmounted { path: l.path.clone(), why: l.why.clone(), missing: false }).collect();
        let failed = self.tree.apply(&planned.tops, &self.keep, stale);
        self.show_the_way(&failed);
        self.view = view_of(&self.statics, &planned.grants, &failed);
        unmounted.extend(failed);
        self.watch.follow(&self.grants.iter().map(|g| g.path.clone()).collect::<Vec<_>>());
        unmounted
    }

    /// The folders above a grant of what does not exist yet (a file chosen to be saved) are made
    /// in the tree, so that the plugin's `create_dir_all(parent)` and `parent.is_dir()` find them.
    /// Where such a folder lies inside a mounted grant, it is the user's own and is left alone.
    fn show_the_way(&self, unmounted: &[Unmounted]) {
        for u in unmounted.iter().filter(|u| self.grants.iter().any(|g| g.path == u.path) && !self.protected.iter().any(|p| within(&u.path, p))) {
            let _ = self.tree.make_folder(parent(&u.path));
        }
    }

    /// Serves until the sandbox ends; returns its exit status as a shell would (128 + a signal).
    pub fn run(mut self) -> i32 {
        loop {
            let mut fds = vec![
                libc::pollfd { fd: self.control.as_raw_fd(), events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: self.child_fd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: self.watch.raw(), events: libc::POLLIN, revents: 0 },
            ];
            if let Some(h) = &self.handoff {
                fds.push(libc::pollfd { fd: h.as_raw_fd(), events: libc::POLLIN, revents: 0 });
            }
            if let Some(l) = &self.listener {
                fds.push(libc::pollfd { fd: l.raw(), events: libc::POLLIN, revents: 0 });
            }
            let programs_from = fds.len();
            let watched: Vec<(RawFd, Watched)> = self.programs.as_ref().map(Programs::watched).unwrap_or_default();
            fds.extend(watched.iter().map(|(fd, _)| libc::pollfd { fd: *fd, events: libc::POLLIN, revents: 0 }));
            // SAFETY: poll reads and writes the array it is given, of the length given.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if n < 0 {
                if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return self.end(111);
            }
            // Main first: a revocation read before a call it should hold for.
            if fds[0].revents != 0 && !self.read_main() {
                return self.end(112);
            }
            if fds[1].revents != 0 {
                return self.reap();
            }
            if fds[2].revents != 0 {
                let stale = self.watch.changed();
                if !stale.is_empty() {
                    let unmounted = self.apply_with(&stale);
                    say(&mut self.control, &ToMain::Applied { seq: 0, unmounted });
                }
            }
            for (p, (_, what)) in fds[programs_from..].iter().zip(&watched) {
                if p.revents != 0 {
                    if let Some(programs) = self.programs.as_mut() {
                        let control = &mut self.control;
                        programs.ready(*what, &mut |m| say(control, m));
                    }
                }
            }
            for p in &fds[3..programs_from] {
                if p.revents == 0 {
                    continue;
                }
                if self.handoff.as_ref().is_some_and(|h| h.as_raw_fd() == p.fd) {
                    self.take_listener();
                } else if self.listener.as_ref().is_some_and(|l| l.raw() == p.fd) {
                    if p.revents & (libc::POLLHUP | libc::POLLERR) != 0 && p.revents & libc::POLLIN == 0 {
                        // Every filter of the plugin host is gone with it.
                        self.listener = None;
                    } else {
                        self.next_call();
                    }
                }
            }
        }
    }

    /// Stops the sandbox when it, or a program it runs, holds something the grants of now no longer
    /// cover (its own static files are not the user's to take away); its programs end with it (their
    /// shims do), and main starts the plugin host again.
    fn stop_if_holding(&mut self, held: &[held::Held]) {
        let mut keep = self.grants.clone();
        keep.extend(self.statics.iter().map(|s| Grant { path: s.path.clone(), write: s.write }));
        let gone = held::no_longer_granted(held, &keep);
        if gone.is_empty() {
            return;
        }
        // Said before the sandbox ends, so that main knows why before it sees the exit.
        say(&mut self.control, &ToMain::HeldOpen { paths: gone.into_iter().map(|h| h.path).collect() });
        let _ = self.child.kill();
    }

    fn end(&mut self, code: i32) -> i32 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        code
    }

    fn reap(&mut self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        match self.child.wait() {
            Ok(status) => status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            Err(_) => 113,
        }
    }

    /// The plugin host's lockdown hands over its listener once, before any plugin code runs.
    fn take_listener(&mut self) {
        let Some(handoff) = self.handoff.take() else { return };
        match notify::receive_fd(handoff.as_raw_fd()) {
            Ok(Some(fd)) => self.listener = Some(Listener::new(fd)),
            Ok(None) => {}
            Err(e) => say(&mut self.control, &ToMain::Problem { message: format!("the plugin host's listener did not arrive: {e}") }),
        }
    }

    /// Reads what main sent; false when main is gone or sent what cannot be read.
    fn read_main(&mut self) -> bool {
        let frames = match self.reader.read_from(&mut self.control) {
            Ok(Some(frames)) => frames,
            Ok(None) | Err(_) => return false,
        };
        for frame in frames {
            match serde_json::from_slice::<FromMain>(&frame) {
                Ok(FromMain::Grants { grants, ask, seq }) => {
                    // Looked at before the mounts change: once detached, a held path no longer names its grant.
                    let lost = held::lost(&self.grants, &grants);
                    let held = if lost.is_empty() {
                        Vec::new()
                    } else {
                        // The programs it runs too: they end with it (their shims do), and a program holds what it opened.
                        let roots: Vec<u32> = std::iter::once(self.child.id()).chain(self.programs.as_ref().map(Programs::running_pids).unwrap_or_default()).collect();
                        held::held_under(&roots, &lost)
                    };
                    self.grants = grants;
                    self.ask = ask;
                    let unmounted = self.apply();
                    say(&mut self.control, &ToMain::Applied { seq, unmounted });
                    self.stop_if_holding(&held);
                }
                Ok(FromMain::Decision { id, allow }) => self.decided(id, allow),
                Ok(FromMain::Program { id, run, refusal }) => {
                    if let Some(programs) = self.programs.as_mut() {
                        let control = &mut self.control;
                        programs.decided(id, run, refusal, &mut |m| say(control, m));
                    }
                }
                Ok(FromMain::Start(_)) => say(&mut self.control, &ToMain::Problem { message: "a second start was ignored".into() }),
                Err(e) => {
                    say(&mut self.control, &ToMain::Problem { message: format!("a message from main could not be read: {e}") });
                    return false;
                }
            }
        }
        true
    }

    /// Takes one notification and answers it now, or asks main and answers once main decided.
    fn next_call(&mut self) {
        let Some(listener) = &self.listener else { return };
        let call = match listener.receive() {
            Ok(Some(call)) => call,
            Ok(None) => return,
            Err(e) => {
                say(&mut self.control, &ToMain::Problem { message: format!("a routed call could not be received: {e}") });
                self.listener = None;
                return;
            }
        };
        let Some(spec) = path_call(call.nr).filter(|_| call.arch == notify::NATIVE_ARCH) else {
            listener.go_on(call.id);
            return;
        };
        let (paths, open) = read_call(&call, spec);
        // What was read counts only if it is still that call's.
        if !listener.still_waiting(call.id) {
            return;
        }
        let waiting = Waiting { call, spec, paths, index: 0, open };
        self.judge_from(waiting);
    }

    /// Goes through a call's paths from `index`: the first that must be asked of main is asked;
    /// when none is left, the call goes on.
    fn judge_from(&mut self, mut w: Waiting) {
        while w.index < w.paths.len() {
            let p = w.paths[w.index].clone();
            let exists_already = w.spec.makes_folder && exists_in_view(w.call.pid, &p.path);
            // A folder to be made is asked about itself: if it exists outside, that is the folder
            // the plugin means to write in (`create_dir_all(parent)` before a file); if not, the
            // nearest folder that does.
            if let Some(asked) = self.outside(&p.path, p.write, w.spec.names_folder || w.spec.makes_folder).filter(|_| !exists_already) {
                let id = self.next_id;
                self.next_id += 1;
                // An answer covers the nearest folder that exists: a file in a folder still to be made is asked as a write in its parent.
                let (folder, real_folder) = existing_folder(&asked);
                say(
                    &mut self.control,
                    &ToMain::Access { id, call: w.spec.name.into(), path: p.path.clone(), write: p.write, names_folder: w.spec.names_folder, folder, real_folder },
                );
                self.waiting.insert(id, w);
                return;
            }
            w.index += 1;
        }
        if let Some(l) = &self.listener {
            l.go_on(w.call.id);
        }
    }

    /// Main's answer for a waiting call's path. Allowed: the grant is already mounted (main sends
    /// grants before the decision), so the call goes on; a file chosen to be saved that does not
    /// exist yet is made here and handed over.
    fn decided(&mut self, id: u64, allow: bool) {
        let Some(mut w) = self.waiting.remove(&id) else { return };
        if !allow {
            if let Some(l) = &self.listener {
                l.fail(w.call.id, libc::EACCES);
            }
            return;
        }
        let p = w.paths[w.index].clone();
        if !self.in_view(&p.path, p.write) && !self.follow_host_links(&p.path, p.write) {
            if let Some(open) = w.open.filter(|o| o.flags & libc::O_CREAT != 0) {
                if self.make_chosen_file(&w.call, &p.path, open) {
                    return;
                }
            }
        }
        w.index += 1;
        self.judge_from(w);
    }

    /// A path the plugin named through a link of the host's (`~/Documents -> /data/docs`) leads,
    /// once main allowed where it really is, where that link leads: the link is made in the tree
    /// too, with the same text, and the kernel follows it inside the view. Only links outside every
    /// mounted entry (inside one, the kernel already has them) and outside the system folders.
    /// True when the path is in view now.
    fn follow_host_links(&mut self, path: &str, write: bool) -> bool {
        for _ in 0..40 {
            let Some(p) = self.links.expand(path) else { return false };
            let mut prefix = String::new();
            let mut link = None;
            for part in p.split('/').filter(|s| !s.is_empty()) {
                prefix = format!("{prefix}/{part}");
                if self.view.iter().any(|e| e.mounted && within(&prefix, &e.path)) || self.quiet.iter().any(|q| within(&prefix, q)) {
                    break;
                }
                if let Ok(target) = std::fs::read_link(&prefix) {
                    link = target.to_str().map(|t| (prefix.clone(), t.to_string()));
                    break;
                }
            }
            let Some((at, target)) = link else { return self.in_view(path, write) };
            if self.tree.make_link(&at, &target).is_err() {
                return false;
            }
            self.links.add(&at, &target);
            if self.in_view(path, write) {
                return true;
            }
        }
        false
    }

    /// A file granted for writing that does not exist yet (chosen in a save dialog) is opened
    /// beneath its folder with the caller's flags, handed to the caller as the result of its
    /// open, and mounted for what the plugin does with it next. False (nothing answered) when
    /// `path` is no such file.
    fn make_chosen_file(&mut self, call: &Call, path: &str, open: OpenInfo) -> bool {
        if !self.grants.iter().any(|g| g.write && g.path == path) || self.protected.iter().any(|p| within(path, p)) {
            return false;
        }
        let (Ok(folder), Some(name)) = (mounts::open_source(parent(path), false), path.rsplit('/').next()) else { return false };
        let Some(listener) = &self.listener else { return false };
        match mounts::open_for(&folder, name, open.flags, open.mode, notify::umask_of(call.pid)) {
            Ok(file) => {
                if listener.answer_with_file(call.id, &file, open.flags & libc::O_CLOEXEC != 0).is_err() {
                    listener.fail(call.id, libc::EACCES);
                }
            }
            Err(e) => listener.fail(call.id, e.raw_os_error().unwrap_or(libc::EACCES)),
        }
        let unmounted = self.apply();
        if !unmounted.is_empty() {
            say(&mut self.control, &ToMain::Applied { seq: 0, unmounted });
        }
        true
    }

    fn in_view(&self, path: &str, write: bool) -> bool {
        let Some(p) = self.links.expand(path) else { return true };
        self.view.iter().any(|e| (e.mounted && within(&p, &e.path) && (!write || e.write)) || (within(&e.path, &p) && e.path != p))
    }

    /// The folder an answer would cover, when `path` lies outside the view and the plugin may be
    /// asked about it; None when the call can go on (in view, or the kernel has the answer).
    fn outside(&self, path: &str, write: bool, names_folder: bool) -> Option<String> {
        if self.in_view(path, write) {
            return None;
        }
        let p = self.links.expand(path)?;
        if self.quiet.iter().any(|q| within(&p, q)) || !(if write { self.ask.write } else { self.ask.read }) {
            return None;
        }
        Some(if names_folder { p } else { parent(&p).to_string() })
    }
}

/// The paths a call names, as the caller wrote them (made absolute and normalized; those given
/// from an open folder or the working folder are left to the kernel, within the view), with
/// whether each is written, and how it opens its file if it is an open.
fn read_call(call: &Call, spec: &PathCall) -> (Vec<PathOf>, Option<OpenInfo>) {
    let how = match spec.access {
        Access::OpenHow(arg) => {
            let mut buf = [0u8; 16];
            notify::read_memory(call.pid, call.args[arg as usize], &mut buf)
                .ok()
                .filter(|&n| n == 16)
                .map(|_| (u64::from_ne_bytes(buf[..8].try_into().expect("8 bytes")), u64::from_ne_bytes(buf[8..].try_into().expect("8 bytes"))))
        }
        _ => None,
    };
    let write = match spec.access {
        Access::Read => false,
        Access::Write => true,
        Access::OpenFlags(arg) => open_flags_write(call.args[arg as usize]),
        Access::OpenHow(_) => how.is_some_and(|(flags, _)| open_flags_write(flags)),
        Access::AccessMode(arg) => access_mode_write(call.args[arg as usize]),
    };
    let open = match spec.access {
        Access::OpenFlags(arg) => Some(OpenInfo { flags: call.args[arg as usize] as i32, mode: call.args[arg as usize + 1] as u32 }),
        Access::OpenHow(_) => how.map(|(flags, mode)| OpenInfo { flags: flags as i32, mode: mode as u32 }),
        Access::Write if spec.name == "creat" => Some(OpenInfo { flags: libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC, mode: call.args[1] as u32 }),
        _ => None,
    };
    let mut paths = Vec::new();
    for arg in spec.paths {
        if arg.dirfd.is_some_and(|d| call.args[d as usize] as u32 != AT_FDCWD_ARG) || call.args[arg.path as usize] == 0 {
            continue;
        }
        // Unreadable or too long: the kernel's own answer stands, inside the view.
        let Ok(Some(bytes)) = notify::read_string(call.pid, call.args[arg.path as usize], PATH_MAX) else { continue };
        let Some(path) = std::str::from_utf8(&bytes).ok().and_then(normalize) else { continue };
        paths.push(PathOf { path, write });
    }
    (paths, open)
}

/// The tree's own folders: its top-level folders, links, and those the sandbox mounts its own on.
fn keep_folders(tops: &[String], links: &[crate::protocol::Link]) -> Vec<String> {
    tops.iter().cloned().chain(links.iter().map(|l| l.path.clone())).chain(["/proc".to_string(), "/dev".to_string()]).collect()
}

/// One entry of the view, as calls are judged against it.
struct InView {
    path: String,
    write: bool,
    /// A grant of something that does not exist (yet) is not mounted; the folders above it are
    /// still in the tree, so a plugin can find its way to a file chosen to be saved.
    mounted: bool,
}

/// The static entries and the grants of now, each with whether it is mounted.
fn view_of(statics: &[StaticEntry], grants: &[Grant], unmounted: &[Unmounted]) -> Vec<InView> {
    let mounted = |path: &str| !unmounted.iter().any(|u| u.path == path);
    statics
        .iter()
        .map(|s| InView { path: s.path.clone(), write: s.write, mounted: true })
        .chain(grants.iter().map(|g| InView { path: g.path.clone(), write: g.write, mounted: mounted(&g.path) }))
        .collect()
}

/// The deepest part of `folder` that exists outside, as named and where it really is (its links
/// resolved), for main to decide on and show.
fn existing_folder(folder: &str) -> (String, String) {
    let mut existing = folder.to_string();
    loop {
        if let Some(real) = mounts::open_source(&existing, true).ok().and_then(|fd| mounts::real_path(&fd).ok()) {
            return (existing, real);
        }
        if existing == "/" {
            return (folder.to_string(), folder.to_string());
        }
        existing = parent(&existing).to_string();
    }
}

/// Whether `path` names something in the caller's own view: looked up inside its root, as the
/// kernel would walk it there (links taken as the sandbox has them), never outside.
fn exists_in_view(pid: u32, path: &str) -> bool {
    let Ok(root) = mounts::open_source(&format!("/proc/{pid}/root"), true) else { return false };
    let rel = path.trim_start_matches('/');
    mounts::openat2(root.as_raw_fd(), if rel.is_empty() { "." } else { rel }, libc::O_PATH | libc::O_NOFOLLOW, 0, libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS).is_ok()
}
