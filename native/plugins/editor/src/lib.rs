//! Editor: written the way HaloForge's markdown plugin is, against a host without a sandbox. It
//! never calls `ctx.fs()`: the paths come from the frontend (a file dialog, the recents list) and
//! go straight to `std::fs`. Open, save in place, create (folders first), save as, an image saved
//! into `images/` beside its document, and recents whose file is gone pruned.
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const RECENTS: &str = "plugin_dev_haloforge_sample_editor_recent_files";

pub struct Editor;

impl Editor {
    pub fn new() -> Self {
        Self
    }
}

impl Default for Editor {
    fn default() -> Self {
        Self::new()
    }
}

fn arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, PluginError> {
    args.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| PluginError::Custom(format!("missing \"{key}\"")))
}

fn failed(what: &str, path: &Path, e: std::io::Error) -> PluginError {
    PluginError::Io(format!("{what} {}: {e}", path.display()))
}

/// Hand-escaped, as the real plugins write their SQL.
fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn remember(ctx: &dyn PluginContext, path: &Path) -> Result<(), PluginError> {
    let p = sql_text(&path.display().to_string());
    ctx.db().execute(&format!("INSERT INTO {RECENTS} (path) VALUES ({p}) ON CONFLICT(path) DO UPDATE SET opened_at = CURRENT_TIMESTAMP"), &[])?;
    Ok(())
}

/// Writes a document where asked, making its folders first, as the markdown plugin's create and save-as do.
fn write_document(path: &Path, text: &str) -> Result<(), PluginError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| failed("cannot create the folder", parent, e))?;
    }
    std::fs::write(path, text).map_err(|e| failed("cannot write", path, e))
}

impl HaloForgePlugin for Editor {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.editor".into(),
            name: "Editor".into(),
            version: "0.1.0".into(),
            description: "Opens and saves documents where you keep them".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ctx.db().create_table("recent_files", "id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, opened_at TEXT DEFAULT CURRENT_TIMESTAMP")?;
        ipc.register(
            "md_open",
            Box::new(|args, ctx| {
                let path = PathBuf::from(arg(&args, "path")?);
                if !path.is_file() {
                    return Err(PluginError::NotFound(format!("{} is not a file", path.display())));
                }
                let text = std::fs::read_to_string(&path).map_err(|e| failed("cannot read", &path, e))?;
                remember(ctx, &path)?;
                Ok(json!({ "path": path, "text": text }))
            }),
        )?;
        ipc.register(
            "md_save",
            Box::new(|args, _ctx| {
                let path = PathBuf::from(arg(&args, "path")?);
                std::fs::write(&path, arg(&args, "text").unwrap_or_default()).map_err(|e| failed("cannot save", &path, e))?;
                Ok(json!({ "saved": path }))
            }),
        )?;
        for name in ["md_create", "md_save_as"] {
            ipc.register(
                name,
                Box::new(|args, ctx| {
                    let path = PathBuf::from(arg(&args, "path")?);
                    write_document(&path, args.get("text").and_then(Value::as_str).unwrap_or_default())?;
                    remember(ctx, &path)?;
                    Ok(json!({ "saved": path }))
                }),
            )?;
        }
        ipc.register(
            "md_save_image",
            Box::new(|args, _ctx| {
                let document = PathBuf::from(arg(&args, "document")?);
                let name = arg(&args, "name")?;
                if name.contains('/') {
                    return Err(PluginError::Custom(format!("{name} is not a file name")));
                }
                let bytes = BASE64.decode(arg(&args, "data")?).map_err(|e| PluginError::Serialization(e.to_string()))?;
                let folder = document.parent().unwrap_or(Path::new("/")).join("images");
                std::fs::create_dir_all(&folder).map_err(|e| failed("cannot create the folder", &folder, e))?;
                let image = folder.join(name);
                std::fs::write(&image, bytes).map_err(|e| failed("cannot write", &image, e))?;
                Ok(json!({ "saved": image, "markdown": format!("![{name}](images/{name})") }))
            }),
        )?;
        ipc.register(
            "md_recent_files",
            Box::new(|_args, ctx| {
                let rows = ctx.db().query(&format!("SELECT path FROM {RECENTS} ORDER BY id"), &[])?;
                Ok(json!({ "files": rows.iter().filter_map(|r| r.get("path").cloned()).collect::<Vec<_>>() }))
            }),
        )?;
        ipc.register(
            "md_prune_missing_recent_files",
            Box::new(|_args, ctx| {
                let rows = ctx.db().query(&format!("SELECT path FROM {RECENTS}"), &[])?;
                let mut pruned = Vec::new();
                for path in rows.iter().filter_map(|r| r.get("path").and_then(Value::as_str)) {
                    if !Path::new(path).exists() {
                        ctx.db().execute(&format!("DELETE FROM {RECENTS} WHERE path = {}", sql_text(path)), &[])?;
                        pruned.push(path.to_string());
                    }
                }
                Ok(json!({ "pruned": pruned }))
            }),
        )?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(Editor, Editor::new);
