//! Git Tools: written the way HaloForge's git plugin is (design §8.1). It starts git with
//! `std::process::Command::new("git").args(..).current_dir(repo)`, on the repository the user chose,
//! with the environment it inherits, and never calls `ctx.process()`: the host makes that work by
//! giving the sandbox the user's grants as its view and a shim for `git` that runs the real one.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::process::Command;

#[derive(Default)]
pub struct GitTools;

impl GitTools {
    pub fn new() -> Self {
        Self
    }
}

fn text<'a>(args: &'a Value, name: &str) -> Result<&'a str, PluginError> {
    args.get(name).and_then(Value::as_str).ok_or_else(|| PluginError::Custom(format!("give '{name}' as text")))
}

fn paths(args: &Value) -> Result<Vec<String>, PluginError> {
    let list = args.get("paths").and_then(Value::as_array).ok_or_else(|| PluginError::Custom("give 'paths' as a list".into()))?;
    Ok(list.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

/// Runs `git <args>` in the repository `args.repo`; its output, or git's own complaint.
fn git(args: &Value, git_args: &[&str]) -> Result<String, PluginError> {
    let repo = text(args, "repo")?;
    let out = Command::new("git").args(git_args).current_dir(repo).output().map_err(|e| PluginError::Process(format!("git could not be started: {e}")))?;
    if !out.status.success() {
        let code = out.status.code().map_or_else(|| "a signal".to_string(), |c| c.to_string());
        return Err(PluginError::Process(format!("git {} exited with {code}: {}", git_args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `git <head> -- <paths>`, answered as `{ <done>: paths }`.
fn on_paths(args: &Value, head: &[&str], done: &str) -> Result<Value, PluginError> {
    let list = paths(args)?;
    let argv: Vec<&str> = head.iter().copied().chain(["--"]).chain(list.iter().map(String::as_str)).collect();
    git(args, &argv)?;
    Ok(json!({ done: list }))
}

fn status(args: &Value) -> Result<Value, PluginError> {
    let text = git(args, &["status", "--porcelain=v1", "--branch"])?;
    let mut lines = text.lines();
    let branch = lines.next().unwrap_or("").trim_start_matches("## ").to_string();
    let changes: Vec<Value> = lines.map(|l| json!({ "status": l.get(..2).unwrap_or("").trim(), "path": l.get(3..).unwrap_or("") })).collect();
    Ok(json!({ "branch": branch, "changes": changes }))
}

fn commit(args: &Value) -> Result<Value, PluginError> {
    git(args, &["commit", "-m", text(args, "message")?])?;
    Ok(json!({ "head": git(args, &["rev-parse", "HEAD"])?.trim() }))
}

fn push(args: &Value) -> Result<Value, PluginError> {
    let remote = args.get("remote").and_then(Value::as_str).unwrap_or("origin");
    let branch = text(args, "branch")?;
    git(args, &["push", remote, branch])?;
    Ok(json!({ "pushed": branch, "to": remote }))
}

fn step_types() -> Vec<WorkflowStepTypeDefinition> {
    let step = |id: &str, name: &str, description: &str, required: Value, properties: Value| WorkflowStepTypeDefinition {
        type_id: id.into(),
        display_name: name.into(),
        description: description.into(),
        icon: "GitBranch".into(),
        category: "Git".into(),
        config_schema: json!({ "type": "object", "required": required, "properties": properties }),
    };
    let repo = json!({ "type": "string", "title": "Repository" });
    vec![
        step("git_status", "Git status", "The branch and the changed files of a repository", json!(["repo"]), json!({ "repo": repo })),
        step(
            "git_commit",
            "Git commit",
            "Commits what is staged",
            json!(["repo", "message"]),
            json!({ "repo": repo, "message": { "type": "string", "title": "Message", "minLength": 1 } }),
        ),
        step(
            "git_push",
            "Git push",
            "Pushes a branch",
            json!(["repo", "branch"]),
            json!({ "repo": repo, "remote": { "type": "string", "title": "Remote", "default": "origin" }, "branch": { "type": "string", "title": "Branch" } }),
        ),
    ]
}

impl HaloForgePlugin for GitTools {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.git-tools".into(),
            name: "Git Tools".into(),
            version: "0.1.0".into(),
            description: "Status, history, staging, commits, branches, stashes, push and fetch of a git repository you choose".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ipc.register("status", Box::new(|args, _| status(&args)))?;
        ipc.register(
            "log",
            Box::new(|args, _| {
                let limit = args.get("limit").and_then(Value::as_u64).unwrap_or(10).clamp(1, 200).to_string();
                let text = git(&args, &["log", "--format=%h%x09%s", "-n", &limit])?;
                let commits: Vec<Value> = text.lines().filter_map(|l| l.split_once('\t')).map(|(id, subject)| json!({ "id": id, "subject": subject })).collect();
                Ok(json!({ "commits": commits }))
            }),
        )?;
        ipc.register("diff", Box::new(|args, _| Ok(json!({ "diff": git(&args, &["diff", "--no-color"])? }))))?;
        ipc.register("stage", Box::new(|args, _| on_paths(&args, &["add"], "staged")))?;
        ipc.register("unstage", Box::new(|args, _| on_paths(&args, &["restore", "--staged"], "unstaged")))?;
        ipc.register("discard", Box::new(|args, _| on_paths(&args, &["restore"], "discarded")))?;
        ipc.register("commit", Box::new(|args, _| commit(&args)))?;
        ipc.register(
            "checkout",
            Box::new(|args, _| {
                let branch = text(&args, "branch")?;
                let create = args.get("create").and_then(Value::as_bool).unwrap_or(false);
                git(&args, &if create { vec!["checkout", "-b", branch] } else { vec!["checkout", branch] })?;
                Ok(json!({ "branch": branch }))
            }),
        )?;
        ipc.register(
            "stash",
            Box::new(|args, _| {
                let action = args.get("action").and_then(Value::as_str).unwrap_or("push");
                match action {
                    "push" | "pop" => git(&args, &["stash", action]).map(|_| json!({ "stash": action })),
                    other => Err(PluginError::Custom(format!("stash can push or pop, not {other}"))),
                }
            }),
        )?;
        ipc.register("push", Box::new(|args, _| push(&args)))?;
        ipc.register(
            "fetch",
            Box::new(|args, _| {
                let remote = args.get("remote").and_then(Value::as_str).unwrap_or("origin");
                git(&args, &["fetch", remote])?;
                Ok(json!({ "fetched": remote }))
            }),
        )?;
        // Any git command line, as the real plugin's "run" does: what git refuses, the host refuses.
        ipc.register(
            "run",
            Box::new(|args, _| {
                let list: Vec<String> = args.get("args").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
                let repo = text(&args, "repo")?;
                let out = Command::new("git").args(&list).current_dir(repo).output().map_err(|e| PluginError::Process(format!("git could not be started: {e}")))?;
                Ok(json!({ "code": out.status.code(), "stdout": String::from_utf8_lossy(&out.stdout), "stderr": String::from_utf8_lossy(&out.stderr) }))
            }),
        )?;
        for definition in step_types() {
            ipc.register_workflow_step_type(definition)?;
        }
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }

    fn execute_workflow_step(&mut self, step_type: &str, config: Value, _ctx: &dyn PluginContext) -> Result<Value, PluginError> {
        match step_type {
            "git_status" => status(&config),
            "git_commit" => commit(&config),
            "git_push" => push(&config),
            other => Err(PluginError::Unsupported(format!("step type {other}"))),
        }
    }
}

declare_plugin!(GitTools, GitTools::new);
