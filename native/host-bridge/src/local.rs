//! `ctx.fs()` and `ctx.process()`, present only when their permissions were granted.
//!
//! The plugin host runs in a sandbox that sees no file of the user's and cannot start programs
//! (design §8), so everything beyond the plugin's own data folder is done by main on the plugin's
//! behalf: main checks the permission and the user's grant (or asks), does the work, and audits
//! it. The data folder is the plugin's own and is used here directly.
use crate::host_call;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
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

/// The filesystem a plugin may use: its data folder here, everything else through main.
pub struct Files {
    pub data_dir: PathBuf,
    /// `filesystem_write_app_data` or `filesystem_write`: the plugin may change its data folder
    /// through `ctx.fs()` (any filesystem permission lets it read there).
    pub write_data: bool,
    /// How long to wait for main's answer (a prompt and the work).
    pub wait: Duration,
}

/// Makes a path absolute without touching the disk and without `..`.
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

/// The path with the symbolic links of its existing part resolved, so that a link inside the data
/// folder cannot lead out of it. None when a link on the way leads nowhere this sandbox can see:
/// where it leads is for main to find out.
fn resolve(full: &Path) -> Option<PathBuf> {
    let mut existing = full.to_path_buf();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(&existing).is_err() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n);
                existing = p.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = existing.canonicalize().ok()?;
    for n in rest.into_iter().rev() {
        real.push(n);
    }
    Some(real)
}

/// Where an access is served.
enum Place {
    /// In the data folder, done here.
    Local(PathBuf),
    /// Anywhere else, asked of main with the path as the plugin gave it (made absolute).
    Host(PathBuf),
}

impl Files {
    fn place(&self, path: &Path, write: bool) -> Place {
        let full = normalise(&self.data_dir, path);
        let data = self.data_dir.canonicalize().unwrap_or_else(|_| self.data_dir.clone());
        match resolve(&full) {
            Some(real) if real.starts_with(&data) && (self.write_data || !write) => Place::Local(real),
            // Main resolves the path again on its side and decides on where it really leads.
            _ => Place::Host(full),
        }
    }

    fn host(&self, op: &str, path: &Path, extra: Value) -> Result<Value, PluginError> {
        let mut request = json!({ "op": op, "path": path.display().to_string() });
        if let (Some(obj), Value::Object(more)) = (request.as_object_mut(), extra) {
            obj.extend(more);
        }
        ask_host("fs", request, self.wait, PluginError::Io)
    }
}

impl PluginFs for Files {
    fn read_file(&self, path: &Path) -> Result<Vec<u8>, PluginError> {
        match self.place(path, false) {
            Place::Local(p) => Ok(std::fs::read(p)?),
            Place::Host(p) => {
                let reply = self.host("read_file", &p, Value::Null)?;
                let data = reply.get("data").and_then(Value::as_str).unwrap_or("");
                BASE64.decode(data).map_err(|e| PluginError::Io(format!("the host sent unreadable file contents: {e}")))
            }
        }
    }
    fn write_file(&self, path: &Path, content: &[u8]) -> Result<(), PluginError> {
        match self.place(path, true) {
            Place::Local(p) => Ok(std::fs::write(p, content)?),
            Place::Host(p) => self.host("write_file", &p, json!({ "data": BASE64.encode(content) })).map(|_| ()),
        }
    }
    fn read_dir(&self, path: &Path) -> Result<Vec<FsEntry>, PluginError> {
        match self.place(path, false) {
            Place::Local(dir) => {
                let mut out = Vec::new();
                for e in std::fs::read_dir(dir)? {
                    let e = e?;
                    let meta = e.metadata()?;
                    out.push(FsEntry { path: e.path(), is_dir: meta.is_dir(), size: meta.is_file().then_some(meta.len()) });
                }
                Ok(out)
            }
            Place::Host(p) => {
                let reply = self.host("read_dir", &p, Value::Null)?;
                let entries = reply.get("entries").and_then(Value::as_array).cloned().unwrap_or_default();
                Ok(entries
                    .iter()
                    .filter_map(|e| {
                        Some(FsEntry { path: PathBuf::from(e.get("path")?.as_str()?), is_dir: e.get("isDir")?.as_bool()?, size: e.get("size").and_then(Value::as_u64) })
                    })
                    .collect())
            }
        }
    }
    fn exists(&self, path: &Path) -> bool {
        match self.place(path, false) {
            Place::Local(p) => p.exists(),
            Place::Host(p) => self.host("exists", &p, Value::Null).ok().and_then(|r| r.get("exists").and_then(Value::as_bool)).unwrap_or(false),
        }
    }
    fn create_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        match self.place(path, true) {
            Place::Local(p) => Ok(std::fs::create_dir_all(p)?),
            Place::Host(p) => self.host("create_dir_all", &p, Value::Null).map(|_| ()),
        }
    }
    fn remove_file(&self, path: &Path) -> Result<(), PluginError> {
        match self.place(path, true) {
            Place::Local(p) => Ok(std::fs::remove_file(p)?),
            Place::Host(p) => self.host("remove_file", &p, Value::Null).map(|_| ()),
        }
    }
    fn remove_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        match self.place(path, true) {
            Place::Local(p) => Ok(std::fs::remove_dir_all(p)?),
            Place::Host(p) => self.host("remove_dir_all", &p, Value::Null).map(|_| ()),
        }
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
    fn the_data_folder_is_used_here_and_everything_else_is_asked_of_main() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let root = std::env::temp_dir().join(format!("hf-fs-{}", std::process::id()));
        let data = root.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let f = Files { data_dir: data.clone(), write_data: true, wait: Duration::from_secs(5) };
        f.write_file(Path::new("notes.txt"), b"hi").unwrap();
        assert_eq!(f.read_file(&data.join("notes.txt")).unwrap(), b"hi");

        // A link inside the data folder that leads out goes to main, by the path the plugin gave;
        // so does one that leads nowhere the sandbox can see.
        std::os::unix::fs::symlink("/nowhere-in-view", data.join("dangling")).unwrap();
        let dangling = answer_next("fs", json!({ "ok": true, "data": BASE64.encode(b"from main") }));
        assert_eq!(f.read_file(Path::new("dangling")).unwrap(), b"from main");
        assert_eq!(dangling.join().unwrap()["path"].as_str(), Some(data.join("dangling").to_str().unwrap()));
        std::os::unix::fs::symlink("/etc", data.join("etc")).unwrap();
        let asked = answer_next("fs", json!({ "ok": true, "data": BASE64.encode(b"root:x:0:0") }));
        assert_eq!(f.read_file(Path::new("etc/passwd")).unwrap(), b"root:x:0:0");
        let request = asked.join().unwrap();
        assert_eq!((request["op"].as_str(), request["path"].as_str()), (Some("read_file"), Some(data.join("etc/passwd").to_str().unwrap())));

        // Main's refusal is the plugin's PermissionDenied.
        let refused = answer_next("fs", json!({ "ok": false, "kind": "permission", "message": "the user said no" }));
        let err = f.write_file(Path::new("../outside.txt"), b"x").unwrap_err();
        assert_eq!(err.to_string(), "Permission denied: the user said no");
        assert_eq!(refused.join().unwrap()["path"].as_str(), Some(root.join("outside.txt").to_str().unwrap()));
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
