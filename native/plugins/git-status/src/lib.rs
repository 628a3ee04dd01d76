//! Git Status: what HaloForge's git plugin does (`process_spawn_whitelist: ["git"]` with
//! `filesystem_read`), in small. It runs git through `ctx.process()`, so the host starts git in a
//! sandbox that sees the repository only if the user granted this plugin that folder.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::path::Path;

#[derive(Default)]
pub struct GitStatus;

impl GitStatus {
    pub fn new() -> Self {
        Self
    }
}

/// Runs `git <args>` in the repository `args.path` and returns its output, or git's own complaint.
fn git(ctx: &dyn PluginContext, args: &Value, git_args: &[&str]) -> Result<String, PluginError> {
    let path = args.get("path").and_then(Value::as_str).ok_or_else(|| PluginError::Custom("give the repository as {\"path\": \"/abs/path\"}".into()))?;
    let runner = ctx.process().ok_or_else(|| PluginError::PermissionDenied("running git needs process_spawn_whitelist".into()))?;
    let out = runner.run("git", git_args, Some(Path::new(path)))?;
    if out.exit_code != 0 {
        return Err(PluginError::Process(format!("git {} exited with {}: {}", git_args.join(" "), out.exit_code, out.stderr.trim())));
    }
    Ok(out.stdout)
}

impl HaloForgePlugin for GitStatus {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.git-status".into(),
            name: "Git Status".into(),
            version: "0.1.0".into(),
            description: "Shows the status and recent history of a git repository".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ipc.register(
            "status",
            Box::new(|args, ctx| {
                let text = git(ctx, &args, &["status", "--porcelain=v1", "--branch"])?;
                let mut lines = text.lines();
                let branch = lines.next().unwrap_or("").trim_start_matches("## ").to_string();
                let changes: Vec<Value> = lines.map(|l| json!({ "status": l.get(..2).unwrap_or("").trim(), "path": l.get(3..).unwrap_or("") })).collect();
                Ok(json!({ "branch": branch, "changes": changes }))
            }),
        )?;
        ipc.register(
            "log",
            Box::new(|args, ctx| {
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 200).to_string();
                let text = git(ctx, &args, &["log", "--format=%h%x09%s", "-n", &limit])?;
                let commits: Vec<Value> = text.lines().filter_map(|l| l.split_once('\t')).map(|(id, subject)| json!({ "id": id, "subject": subject })).collect();
                Ok(json!({ "commits": commits }))
            }),
        )?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(GitStatus, GitStatus::new);
