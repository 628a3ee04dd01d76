//! P4 Tools: written the way HaloForge's p4 plugin is (design §8.1). It starts `p4` with
//! `std::process::Command`, the connection and credentials in `P4PORT`, `P4USER`, `P4CLIENT` and
//! `P4PASSWD` (and `P4CONFIG` emptied so no file overrides them), in the workspace the user chose.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::process::Command;

#[derive(Default)]
pub struct P4Tools;

impl P4Tools {
    pub fn new() -> Self {
        Self
    }
}

fn text<'a>(args: &'a Value, name: &str) -> Result<&'a str, PluginError> {
    args.get(name).and_then(Value::as_str).ok_or_else(|| PluginError::Custom(format!("give '{name}' as text")))
}

/// Runs `p4 <args>` in the workspace `args.root` with the connection `args` names.
fn p4(args: &Value, p4_args: &[&str]) -> Result<String, PluginError> {
    let out = Command::new("p4")
        .args(p4_args)
        .current_dir(text(args, "root")?)
        .env("P4PORT", text(args, "port")?)
        .env("P4USER", text(args, "user")?)
        .env("P4CLIENT", text(args, "client")?)
        .env("P4PASSWD", args.get("password").and_then(Value::as_str).unwrap_or(""))
        .env("P4CONFIG", "")
        .output()
        .map_err(|e| PluginError::Process(format!("p4 could not be started: {e}")))?;
    if !out.status.success() {
        return Err(PluginError::Process(format!("p4 {} failed: {}", p4_args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn submit(args: &Value) -> Result<Value, PluginError> {
    Ok(json!({ "output": p4(args, &["submit", "-d", text(args, "description")?])?.trim() }))
}

impl HaloForgePlugin for P4Tools {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.p4-tools".into(),
            name: "P4 Tools".into(),
            version: "0.1.0".into(),
            description: "Perforce info, open for edit, opened files and submit, in a workspace you choose".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ipc.register(
            "info",
            Box::new(|args, _| {
                let out = p4(&args, &["info"])?;
                let fields: serde_json::Map<String, Value> = out.lines().filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_string(), json!(v))).collect();
                Ok(Value::Object(fields))
            }),
        )?;
        ipc.register("edit", Box::new(|args, _| Ok(json!({ "output": p4(&args, &["edit", text(&args, "file")?])?.trim() }))))?;
        ipc.register("opened", Box::new(|args, _| Ok(json!({ "files": p4(&args, &["opened"])?.lines().collect::<Vec<_>>() }))))?;
        ipc.register("submit", Box::new(|args, _| submit(&args)))?;
        ipc.register_workflow_step_type(WorkflowStepTypeDefinition {
            type_id: "p4_submit".into(),
            display_name: "P4 submit".into(),
            description: "Submits the default changelist".into(),
            icon: "Upload".into(),
            category: "Perforce".into(),
            config_schema: json!({ "type": "object", "required": ["root", "port", "user", "client", "description"], "properties": {
                "root": { "type": "string" }, "port": { "type": "string" }, "user": { "type": "string" }, "client": { "type": "string" },
                "password": { "type": "string" }, "description": { "type": "string", "minLength": 1 }
            } }),
        })?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }

    fn execute_workflow_step(&mut self, step_type: &str, config: Value, _ctx: &dyn PluginContext) -> Result<Value, PluginError> {
        match step_type {
            "p4_submit" => submit(&config),
            other => Err(PluginError::Unsupported(format!("step type {other}"))),
        }
    }
}

declare_plugin!(P4Tools, P4Tools::new);
