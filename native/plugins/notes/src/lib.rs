//! Notes: what the public plugins (git, p4, markdown, aireplay) do with the host, in small.
//! Tables created in on_load, INSERT/SELECT with hand-built SQL and empty params, settings read and
//! saved, an event emitted, a notification shown, an app event listened to.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const TABLE: &str = "plugin_dev_haloforge_sample_notes_notes";

#[derive(Default)]
pub struct Notes {
    settings_changes: Arc<AtomicUsize>,
    last_theme: Arc<Mutex<Value>>,
    settings_events: Arc<Mutex<Vec<Value>>>,
}

impl Notes {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Real plugins escape by hand rather than bind parameters; so does this one.
fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl HaloForgePlugin for Notes {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.notes".into(),
            name: "Notes".into(),
            version: "0.1.0".into(),
            description: "Keeps short notes in its own table".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ctx.db().create_table("notes", "id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created_at TEXT DEFAULT CURRENT_TIMESTAMP")?;
        let theme = Arc::clone(&self.last_theme);
        ctx.events().subscribe(AppEvent::ThemeChanged, Box::new(move |payload| *theme.lock().unwrap_or_else(|p| p.into_inner()) = payload));
        let heard = Arc::clone(&self.settings_events);
        ctx.events().subscribe(AppEvent::SettingsChanged, Box::new(move |payload| heard.lock().unwrap_or_else(|p| p.into_inner()).push(payload)));
        ctx.log(LogLevel::Info, "notes loaded");

        ipc.register(
            "add_note",
            Box::new(|args, ctx| {
                let text = args.get("text").and_then(Value::as_str).ok_or_else(|| PluginError::Custom("missing \"text\"".into()))?;
                let max = ctx.settings().get("max_notes").and_then(Value::as_u64).unwrap_or(100);
                let count = ctx.db().query(&format!("SELECT COUNT(*) AS n FROM {TABLE}"), &[])?;
                if count.first().and_then(|r| r.get("n")).and_then(Value::as_u64).unwrap_or(0) >= max {
                    return Err(PluginError::Custom(format!("at most {max} notes (see settings)")));
                }
                ctx.db().execute(&format!("INSERT INTO {TABLE} (text) VALUES ({})", sql_text(text)), &[])?;
                ctx.events().emit("note_added", json!({ "length": text.len() }))?;
                ctx.notify(Notification {
                    title: "Note saved".into(),
                    message: format!("{} characters", text.chars().count()),
                    kind: NotificationKind::Success,
                    duration_ms: Some(4000),
                });
                ctx.log(LogLevel::Info, &format!("note added length={}", text.len()));
                Ok(json!({ "saved": true }))
            }),
        )?;
        ipc.register(
            "list_notes",
            Box::new(|_args, ctx| {
                let rows = ctx.db().query(&format!("SELECT id, text, created_at FROM {TABLE} ORDER BY id"), &[])?;
                Ok(json!({ "notes": rows }))
            }),
        )?;
        ipc.register("get_settings", Box::new(|_args, ctx| Ok(ctx.settings())))?;
        ipc.register(
            "save_settings",
            Box::new(|args, ctx| {
                ctx.save_settings(args.get("settings").cloned().unwrap_or(Value::Null))?;
                Ok(ctx.settings())
            }),
        )?;
        let changes = Arc::clone(&self.settings_changes);
        ipc.register("settings_changes", Box::new(move |_args, _ctx| Ok(json!({ "count": changes.load(Ordering::SeqCst) }))))?;
        let heard = Arc::clone(&self.settings_events);
        ipc.register("settings_events", Box::new(move |_args, _ctx| Ok(Value::Array(heard.lock().unwrap_or_else(|p| p.into_inner()).clone()))))?;
        let theme = Arc::clone(&self.last_theme);
        ipc.register("last_theme", Box::new(move |_args, _ctx| Ok(theme.lock().unwrap_or_else(|p| p.into_inner()).clone())))?;
        Ok(())
    }

    fn on_settings_changed(&mut self, _settings: Value) -> Result<(), PluginError> {
        self.settings_changes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(Notes, Notes::new);
