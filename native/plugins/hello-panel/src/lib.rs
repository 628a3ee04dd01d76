//! Hello Panel: the backend of a sample plugin whose frontend (frontend-src/, built with HaloForge's
//! SDK) shows in a panel of its own and in the DevKit toolbar. It greets, counts the greetings, and
//! emits an event for each, which its panel hears.
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
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(HelloPanel, HelloPanel::new);
