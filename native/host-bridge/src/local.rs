//! `ctx.fs()` and `ctx.process()`, present only when their permissions were granted, and held to
//! what those permissions name. A refusal is sent to the host's audit trail as well as returned.
use crate::outbox;
use haloforge_plugin_api::{FsEntry, PluginError, PluginFs, ProcessOutput, ProcessRunner};
use serde_json::json;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a plugin thread waits for the user to answer a file prompt (60 s) and a little more.
const FILE_WAIT: Duration = Duration::from_secs(90);

fn audit(plugin_id: &str, kind: &str, target: &str, decision: &str, rule: &str, reason: &str) {
    outbox::post(json!({ "type": "audit", "target": plugin_id, "kind": kind, "subject": target, "decision": decision, "rule": rule, "reason": reason }));
}

/// Which executables a plugin may run: those named by `process_spawn_whitelist`, or any with the
/// Restricted `process_spawn` turned on by hand.
pub struct Processes {
    pub plugin_id: String,
    pub whitelist: Vec<String>,
    pub any: bool,
}

impl ProcessRunner for Processes {
    fn run(&self, executable: &str, args: &[&str], cwd: Option<&Path>) -> Result<ProcessOutput, PluginError> {
        let name = Path::new(executable).file_name().and_then(|n| n.to_str()).unwrap_or(executable);
        let listed = !executable.contains('/') && self.whitelist.iter().any(|w| w == name);
        if !self.any && !listed {
            let reason = format!("{executable} is not in the plugin's process_spawn_whitelist ({})", self.whitelist.join(", "));
            audit(&self.plugin_id, "process", executable, "deny", "process_spawn_whitelist", &reason);
            return Err(PluginError::PermissionDenied(reason));
        }
        let started = Instant::now();
        let mut cmd = std::process::Command::new(executable);
        cmd.args(args);
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        let rule = if listed { "process_spawn_whitelist" } else { "process_spawn" };
        match cmd.output() {
            Ok(out) => {
                let code = out.status.code().unwrap_or(-1);
                audit(&self.plugin_id, "process", executable, "allow", rule, &format!("exit code {code} after {} ms", started.elapsed().as_millis()));
                Ok(ProcessOutput { exit_code: code, stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() })
            }
            Err(e) => {
                audit(&self.plugin_id, "process", executable, "allow", rule, &format!("could not start: {e}"));
                Err(PluginError::Process(format!("cannot run {executable}: {e}")))
            }
        }
    }
}

/// The filesystem a plugin may use: everywhere with `filesystem_read`/`filesystem_write`, or only
/// its data folder with the `*_app_data` permissions.
pub struct Files {
    pub plugin_id: String,
    pub data_dir: PathBuf,
    pub read_anywhere: bool,
    pub write_anywhere: bool,
    pub read_data: bool,
    pub write_data: bool,
}

/// Makes a path absolute without touching the disk and without `..` (symlinks are checked later).
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

impl Files {
    /// Decides one access; `write` for changes. Returns the path to use.
    fn check(&self, path: &Path, write: bool, op: &str) -> Result<PathBuf, PluginError> {
        let full = normalise(&self.data_dir, path);
        let anywhere = if write { self.write_anywhere } else { self.read_anywhere };
        let in_data = if write { self.write_data } else { self.read_data };
        // Resolve symlinks of the part that exists, so a link inside the data folder cannot lead out.
        let mut existing = full.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
                (Some(n), Some(p)) => {
                    rest.push(n);
                    existing = p.to_path_buf();
                }
                _ => break,
            }
        }
        let mut real = existing.canonicalize().unwrap_or(existing);
        for n in rest.into_iter().rev() {
            real.push(n);
        }
        let data = self.data_dir.canonicalize().unwrap_or_else(|_| self.data_dir.clone());
        let perm = if write { "filesystem_write" } else { "filesystem_read" };
        if in_data && real.starts_with(&data) {
            return Ok(real);
        }
        if anywhere {
            // Outside its own folder a plugin works with the user's files: the host confirms each
            // folder with the user on first use, and records every access.
            let request = json!({ "path": real.display().to_string(), "write": write });
            let reply = crate::host_call::call("file", request, FILE_WAIT).map_err(PluginError::PermissionDenied)?;
            if reply.get("ok").and_then(serde_json::Value::as_bool) == Some(true) {
                return Ok(real);
            }
            let message = reply.get("message").and_then(serde_json::Value::as_str).unwrap_or("the host refused the access");
            return Err(PluginError::PermissionDenied(message.to_string()));
        }
        let reason = if in_data {
            format!("{op} {} is outside the plugin's data folder; {perm}_app_data covers only {}", full.display(), data.display())
        } else {
            format!("{op} {} needs the {perm} permission", full.display())
        };
        audit(&self.plugin_id, "filesystem", &full.display().to_string(), "deny", perm, &reason);
        Err(PluginError::PermissionDenied(reason))
    }
}

impl PluginFs for Files {
    fn read_file(&self, path: &Path) -> Result<Vec<u8>, PluginError> {
        Ok(std::fs::read(self.check(path, false, "reading")?)?)
    }
    fn write_file(&self, path: &Path, content: &[u8]) -> Result<(), PluginError> {
        Ok(std::fs::write(self.check(path, true, "writing")?, content)?)
    }
    fn read_dir(&self, path: &Path) -> Result<Vec<FsEntry>, PluginError> {
        let dir = self.check(path, false, "listing")?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let meta = e.metadata()?;
            out.push(FsEntry { path: e.path(), is_dir: meta.is_dir(), size: meta.is_file().then_some(meta.len()) });
        }
        Ok(out)
    }
    fn exists(&self, path: &Path) -> bool {
        self.check(path, false, "checking").map(|p| p.exists()).unwrap_or(false)
    }
    fn create_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        Ok(std::fs::create_dir_all(self.check(path, true, "creating")?)?)
    }
    fn remove_file(&self, path: &Path) -> Result<(), PluginError> {
        Ok(std::fs::remove_file(self.check(path, true, "removing")?)?)
    }
    fn remove_dir_all(&self, path: &Path) -> Result<(), PluginError> {
        Ok(std::fs::remove_dir_all(self.check(path, true, "removing")?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(data: &Path) -> Files {
        Files { plugin_id: "p".into(), data_dir: data.to_path_buf(), read_anywhere: false, write_anywhere: false, read_data: true, write_data: true }
    }

    #[test]
    fn app_data_permissions_stay_in_the_data_folder() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let root = std::env::temp_dir().join(format!("hf-fs-{}", std::process::id()));
        let data = root.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let f = files(&data);
        f.write_file(Path::new("notes.txt"), b"hi").unwrap();
        assert_eq!(f.read_file(&data.join("notes.txt")).unwrap(), b"hi");
        for outside in [Path::new("../secret.txt"), Path::new("/etc/passwd"), Path::new("a/../../x")] {
            assert!(matches!(f.read_file(outside), Err(PluginError::PermissionDenied(_))), "{outside:?}");
        }
        std::os::unix::fs::symlink("/etc", data.join("etc")).unwrap();
        assert!(matches!(f.read_file(Path::new("etc/passwd")), Err(PluginError::PermissionDenied(_))));
        let mut buf = vec![0u8; 65536];
        crate::outbox::drain_into(&mut buf);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn only_whitelisted_programs_run() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let p = Processes { plugin_id: "p".into(), whitelist: vec!["true".into()], any: false };
        assert_eq!(p.run("true", &[], None).unwrap().exit_code, 0);
        assert!(matches!(p.run("sh", &["-c", "id"], None), Err(PluginError::PermissionDenied(_))));
        assert!(matches!(p.run("/tmp/true", &[], None), Err(PluginError::PermissionDenied(_))));
        let mut buf = vec![0u8; 65536];
        crate::outbox::drain_into(&mut buf);
    }
}
