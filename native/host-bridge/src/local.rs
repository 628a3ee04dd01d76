//! `ctx.fs()` and `ctx.process()`, present only when their permissions were granted.
//!
//! Files are the sandbox's own view (design §8.1); programs go through the program shim, as a
//! plugin's own `std::process::Command` does: main decides and audits, and runs each real program
//! in a sandbox of its own on the plugin's view.
use haloforge_plugin_api::{FsEntry, PluginError, PluginFs, ProcessOutput, ProcessRunner};
use hf_fd_pass::frames::{NOT_RUN, REFUSAL_PREFIX, SHIM};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// `ctx.process()`: the same way as a plugin's own `std::process::Command` (design §8.1): the
/// program shim, which asks main through the supervisor; main decides and audits, and the real
/// program runs in a sandbox of its own on this plugin's view. Its output is collected here.
pub struct Processes {
    /// The longest a program may run; it is killed after.
    pub wait: Duration,
}

/// Output kept of each of stdout and stderr; a program that writes more is stopped.
const MAX_OUTPUT: usize = 8 << 20;

impl ProcessRunner for Processes {
    fn run(&self, executable: &str, args: &[&str], cwd: Option<&Path>) -> Result<ProcessOutput, PluginError> {
        use std::io::Read;
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        if executable.contains('/') {
            return Err(PluginError::PermissionDenied(format!("programs are run by name (like \"git\"), not by path: {executable}")));
        }
        let mut cmd = Command::new(SHIM);
        cmd.arg0(executable).args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.current_dir(cwd.map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir));
        let mut child = cmd.spawn().map_err(|e| PluginError::Process(format!("{executable} could not be started: {e}")))?;
        let pipes = [child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)];
        let readers: Vec<_> = pipes
            .into_iter()
            .flatten()
            .map(|mut pipe| {
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    let mut chunk = [0u8; 65536];
                    let mut over = false;
                    while let Ok(n) = pipe.read(&mut chunk) {
                        if n == 0 {
                            break;
                        }
                        over |= kept.len() + n > MAX_OUTPUT;
                        if !over {
                            kept.extend_from_slice(&chunk[..n]);
                        }
                    }
                    (kept, over)
                })
            })
            .collect();
        // A watchdog, not a poll: it kills the shim (and so, through the supervisor, the program)
        // if the run outlasts the wait, and is told when it ended first.
        let (ended, watch) = std::sync::mpsc::channel::<()>();
        let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        // A pidfd names the shim itself, even once reaped: the kill can never reach another process.
        // SAFETY: pidfd_open takes a pid and flags; its result is a new descriptor or -1.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
        if pidfd < 0 {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PluginError::Process(format!("{executable} could not be watched: {}", std::io::Error::last_os_error())));
        }
        // SAFETY: a new descriptor nothing else owns.
        let pidfd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(pidfd as i32) };
        let watchdog = {
            let (timed_out, wait) = (timed_out.clone(), self.wait);
            std::thread::spawn(move || {
                if watch.recv_timeout(wait) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                    timed_out.store(true, std::sync::atomic::Ordering::SeqCst);
                    use std::os::fd::AsRawFd;
                    // SAFETY: pidfd_send_signal takes the pidfd, a signal, no info and no flags.
                    unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd.as_raw_fd(), libc::SIGKILL, std::ptr::null::<libc::siginfo_t>(), 0) };
                }
            })
        };
        let waited = child.wait();
        let _ = ended.send(());
        let _ = watchdog.join();
        let status = match waited {
            Ok(status) if !timed_out.load(std::sync::atomic::Ordering::SeqCst) => Some(status),
            Ok(_) => None,
            Err(e) => return Err(PluginError::Process(format!("{executable}: {e}"))),
        };
        let outputs: Vec<(Vec<u8>, bool)> = readers.into_iter().map(|r| r.join().unwrap_or_default()).collect();
        let text = |i: usize| outputs.get(i).map(|(b, _)| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let Some(status) = status else { return Err(PluginError::Process(format!("{executable} ran longer than {} ms and was stopped", self.wait.as_millis()))) };
        if outputs.iter().any(|(_, over)| *over) {
            return Err(PluginError::Process(format!("{executable} wrote more than {MAX_OUTPUT} bytes of output")));
        }
        let (stdout, stderr) = (text(0), text(1));
        let exit_code = status.code().unwrap_or(-1);
        if exit_code == NOT_RUN {
            if let Some(why) = stderr.strip_prefix(REFUSAL_PREFIX) {
                return Err(PluginError::PermissionDenied(why.trim_end().to_string()));
            }
        }
        Ok(ProcessOutput { exit_code, stdout, stderr })
    }
}

/// `ctx.fs()`: plain file calls inside the sandbox, on the same view as the plugin's own `std::fs`
/// (design §8.1): its data folder, and what the user granted, mounted at the real paths. A path
/// outside the view is asked of main on first use by the supervisor, as any call of the plugin's;
/// main keeps the decisions, prompts and audit, and never does the file work itself.
pub struct Files {
    pub data_dir: PathBuf,
    /// `filesystem_write_app_data` or `filesystem_write`: the plugin may change its data folder
    /// through `ctx.fs()` (any filesystem permission lets it read there).
    pub write_data: bool,
}

/// Makes a path absolute (relative ones are taken from the data folder) without touching the disk.
fn normalise(base: &Path, path: &Path) -> PathBuf {
    let mut out = if path.is_absolute() { PathBuf::new() } else { base.to_path_buf() };
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The error a plugin sees: a refusal of the view (or of the user) as `PermissionDenied`, with
/// what was refused; anything else as `Io`.
fn file_error(op: &str, path: &Path, e: std::io::Error) -> PluginError {
    let text = format!("{op} {}: {e}", path.display());
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        PluginError::PermissionDenied(text)
    } else {
        PluginError::Io(text)
    }
}

impl Files {
    fn path(&self, path: &Path, write: bool) -> Result<PathBuf, PluginError> {
        let full = normalise(&self.data_dir, path);
        if write && !self.write_data && full.starts_with(&self.data_dir) {
            return Err(PluginError::PermissionDenied(format!("changing {} in the plugin's data folder through ctx.fs() needs filesystem_write_app_data", full.display())));
        }
        Ok(full)
    }
}

impl PluginFs for Files {
    fn read_file(&self, path: &Path) -> Result<Vec<u8>, PluginError> {
        let p = self.path(path, false)?;
        std::fs::read(&p).map_err(|e| file_error("read", &p, e))
    }
    fn write_file(&self, path: &Path, content: &[u8]) -> Result<(), PluginError> {
        let p = self.path(path, true)?;
        std::fs::write(&p, content).map_err(|e| file_error("write", &p, e))
    }
    fn read_dir(&self, path: &Path) -> Result<Vec<FsEntry>, PluginError> {
        let dir = self.path(path, false)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(&dir).map_err(|e| file_error("list", &dir, e))? {
            let e = e.map_err(|e| file_error("list", &dir, e))?;
            let meta = e.metadata().map_err(|err| file_error("look at", &e.path(), err))?;
            out.push(FsEntry { path: e.path(), is_dir: meta.is_dir(), size: meta.is_file().then_some(meta.len()) });
        }
        Ok(out)
    }
    fn exists(&self, path: &Path) -> bool {
        self.path(path, false).is_ok_and(|p| p.exists())
    }
    fn create_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        let p = self.path(path, true)?;
        std::fs::create_dir_all(&p).map_err(|e| file_error("create", &p, e))
    }
    fn remove_file(&self, path: &Path) -> Result<(), PluginError> {
        let p = self.path(path, true)?;
        std::fs::remove_file(&p).map_err(|e| file_error("remove", &p, e))
    }
    fn remove_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        let p = self.path(path, true)?;
        std::fs::remove_dir_all(&p).map_err(|e| file_error("remove", &p, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_plain_file_calls_from_the_data_folder_and_a_refusal_is_permission_denied() {
        let root = std::env::temp_dir().join(format!("hf-fs-{}", std::process::id()));
        let data = root.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let f = Files { data_dir: data.clone(), write_data: true };
        f.write_file(Path::new("notes.txt"), b"hi").unwrap();
        assert_eq!(f.read_file(&data.join("notes.txt")).unwrap(), b"hi");
        f.create_dir_all(Path::new("../elsewhere/deeper")).unwrap();
        assert!(root.join("elsewhere/deeper").is_dir(), "outside the data folder the view decides, not ctx.fs()");
        let listed = f.read_dir(Path::new(".")).unwrap();
        assert_eq!(
            listed.iter().map(|e| (e.path.file_name().unwrap().to_str().unwrap().to_string(), e.is_dir, e.size)).collect::<Vec<_>>(),
            vec![("notes.txt".to_string(), false, Some(2))]
        );
        assert!(matches!(f.read_file(Path::new("missing")), Err(PluginError::Io(m)) if m.contains("missing")));

        let read_only = Files { data_dir: data.clone(), write_data: false };
        assert!(matches!(read_only.write_file(Path::new("x"), b"x"), Err(PluginError::PermissionDenied(m)) if m.contains("filesystem_write_app_data")));
        std::fs::remove_dir_all(root).unwrap();
    }
}
