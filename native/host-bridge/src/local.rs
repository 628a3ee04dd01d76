//! `ctx.fs()` and `ctx.process()`, present only when their permissions were granted.
//!
//! Files are the sandbox's own view (design §8.1); programs are started by main, which checks the
//! permission and the user's grant (or asks), runs them in a sandbox of their own, and audits them.
use crate::host_call;
use haloforge_plugin_api::{FsEntry, PluginError, PluginFs, ProcessOutput, ProcessRunner};
use serde_json::{json, Value};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Turns main's refusal or failure into the PluginError the plugin sees.
fn error_of(reply: &Value, otherwise: fn(String) -> PluginError) -> PluginError {
    let message = reply.get("message").and_then(Value::as_str).unwrap_or("the host refused the request").to_string();
    match reply.get("kind").and_then(Value::as_str) {
        Some("permission") => PluginError::PermissionDenied(message),
        _ => otherwise(message),
    }
}

fn ask_host(kind: &str, request: Value, wait: Duration, otherwise: fn(String) -> PluginError) -> Result<Value, PluginError> {
    let reply = host_call::call(kind, request, wait).map_err(otherwise)?;
    if reply.get("ok").and_then(Value::as_bool) == Some(true) {
        Ok(reply)
    } else {
        Err(error_of(&reply, otherwise))
    }
}

/// `ctx.process()`: main starts the program, if the manifest and the user allow it, in a sandbox of
/// its own that sees only the folders the user granted this plugin.
pub struct Processes {
    /// How long to wait for main's answer (main's longest: two prompts and the run).
    pub wait: Duration,
}

impl ProcessRunner for Processes {
    fn run(&self, executable: &str, args: &[&str], cwd: Option<&Path>) -> Result<ProcessOutput, PluginError> {
        let request = json!({ "program": executable, "args": args, "cwd": cwd.map(|d| d.display().to_string()) });
        let reply = ask_host("process", request, self.wait, PluginError::Process)?;
        let text = |key: &str| reply.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let exit_code = reply.get("exitCode").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok()).unwrap_or(-1);
        Ok(ProcessOutput { exit_code, stdout: text("stdout"), stderr: text("stderr") })
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

    fn answer_next(kind: &str, answer: Value) -> std::thread::JoinHandle<Value> {
        let kind = kind.to_string();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            loop {
                let n = crate::outbox::drain_into(&mut buf);
                if n > 0 {
                    let msgs = crate::outbox::control_messages(&buf[..n as usize]);
                    if let Some(m) = msgs.into_iter().find(|m| m["type"] == kind.as_str()) {
                        assert!(host_call::complete(m["id"].as_u64().unwrap() as u32, answer));
                        return m;
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    }

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

    #[test]
    fn programs_are_run_by_main() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let asked = answer_next("process", json!({ "ok": true, "exitCode": 0, "stdout": "## main\n", "stderr": "" }));
        let out = Processes { wait: Duration::from_secs(5) }.run("git", &["status", "--short"], Some(Path::new("/work/repo"))).unwrap();
        assert_eq!((out.exit_code, out.stdout.as_str()), (0, "## main\n"));
        let request = asked.join().unwrap();
        assert_eq!(request["program"], "git");
        assert_eq!(request["args"], json!(["status", "--short"]));
        assert_eq!(request["cwd"], "/work/repo");

        let refused = answer_next("process", json!({ "ok": false, "kind": "permission", "message": "sh is not in the plugin's process_spawn_whitelist" }));
        assert!(matches!(Processes { wait: Duration::from_secs(5) }.run("sh", &[], None), Err(PluginError::PermissionDenied(_))));
        refused.join().unwrap();
    }
}
