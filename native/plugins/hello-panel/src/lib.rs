//! Hello Panel: the backend of a sample plugin whose frontend (frontend-src/, built with HaloForge's
//! SDK) shows in a panel of its own and in the DevKit toolbar. It greets, counts the greetings,
//! emits an event for each, which its panel hears, and lists a folder the user chose in the host's
//! file dialog.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default)]
pub struct HelloPanel {
    greetings: Arc<AtomicU64>,
}

impl HelloPanel {
    pub fn new() -> Self {
        Self::default()
    }
}

impl HaloForgePlugin for HelloPanel {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.hello-panel".into(),
            name: "Hello Panel".into(),
            version: "0.1.0".into(),
            description: "Greets you from a panel of its own".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        let count = Arc::clone(&self.greetings);
        ipc.register(
            "greet",
            Box::new(move |args: Value, ctx| {
                let name = args.get("name").and_then(Value::as_str).unwrap_or("").trim();
                if name.is_empty() {
                    return Err(PluginError::Custom("tell me your name first".into()));
                }
                let n = count.fetch_add(1, Ordering::Relaxed) + 1;
                ctx.events().emit("greeted", json!({ "count": n }))?;
                Ok(json!({ "greeting": format!("Hello, {name}!"), "count": n }))
            }),
        )?;
        let count = Arc::clone(&self.greetings);
        ipc.register("count", Box::new(move |_, _| Ok(json!({ "count": count.load(Ordering::Relaxed) }))))?;
        // A folder the user chose in the host's file dialog: the choice is this plugin's grant to read it.
        ipc.register(
            "list_folder",
            Box::new(|args: Value, ctx| {
                let path = args.get("path").and_then(Value::as_str).ok_or_else(|| PluginError::Custom("give {\"path\": \"/abs/folder\"}".into()))?;
                let fs = ctx.fs().ok_or_else(|| PluginError::PermissionDenied("reading folders needs filesystem_read".into()))?;
                let mut names: Vec<String> =
                    fs.read_dir(std::path::Path::new(path))?.into_iter().filter_map(|e| e.path.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
                names.sort();
                Ok(json!({ "names": names }))
            }),
        )?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(HelloPanel, HelloPanel::new);
