//! Story folder: a folder the user picked (`pickHostDirectory`) holding `story.json`, which names
//! the chapter files kept beside it. Plain `std::fs` throughout, as a plugin written for a host
//! without a sandbox would.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub struct Story;

impl Story {
    pub fn new() -> Self {
        Self
    }
}

impl Default for Story {
    fn default() -> Self {
        Self::new()
    }
}

fn failed(what: &str, path: &Path, e: std::io::Error) -> PluginError {
    PluginError::Io(format!("{what} {}: {e}", path.display()))
}

fn folder_of(args: &Value) -> Result<PathBuf, PluginError> {
    args.get("folder").and_then(Value::as_str).filter(|s| !s.is_empty()).map(PathBuf::from).ok_or_else(|| PluginError::Custom("missing \"folder\"".into()))
}

/// A chapter's file name: one name in the folder, nothing that climbs out of it.
fn chapter_file(name: &str) -> Result<&str, PluginError> {
    if name.is_empty() || name.contains('/') || name == ".." || name == "." {
        return Err(PluginError::Custom(format!("{name:?} is not a chapter file name")));
    }
    Ok(name)
}

impl HaloForgePlugin for Story {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.story".into(),
            name: "Story folder".into(),
            version: "0.1.0".into(),
            description: "Keeps a story as a folder: an index and its chapters".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ipc.register(
            "open_story",
            Box::new(|args, _ctx| {
                let folder = folder_of(&args)?;
                let index = folder.join("story.json");
                let text = std::fs::read_to_string(&index).map_err(|e| failed("cannot read", &index, e))?;
                let story: Value = serde_json::from_str(&text).map_err(|e| PluginError::Serialization(format!("{}: {e}", index.display())))?;
                let mut chapters = Vec::new();
                for name in story.get("chapters").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                    let file = folder.join(chapter_file(name)?);
                    chapters.push(json!({ "file": name, "text": std::fs::read_to_string(&file).map_err(|e| failed("cannot read", &file, e))? }));
                }
                Ok(json!({ "title": story.get("title").cloned().unwrap_or(Value::Null), "chapters": chapters }))
            }),
        )?;
        ipc.register(
            "save_story",
            Box::new(|args, _ctx| {
                let folder = folder_of(&args)?;
                std::fs::create_dir_all(&folder).map_err(|e| failed("cannot create", &folder, e))?;
                let mut names = Vec::new();
                for chapter in args.get("chapters").and_then(Value::as_array).into_iter().flatten() {
                    let name = chapter_file(chapter.get("file").and_then(Value::as_str).unwrap_or_default())?;
                    let file = folder.join(name);
                    std::fs::write(&file, chapter.get("text").and_then(Value::as_str).unwrap_or_default()).map_err(|e| failed("cannot write", &file, e))?;
                    names.push(name.to_string());
                }
                let index = folder.join("story.json");
                let story = json!({ "title": args.get("title").cloned().unwrap_or(Value::Null), "chapters": names });
                std::fs::write(&index, serde_json::to_vec_pretty(&story).map_err(|e| PluginError::Serialization(e.to_string()))?).map_err(|e| failed("cannot write", &index, e))?;
                Ok(json!({ "saved": names.len() + 1 }))
            }),
        )?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(Story, Story::new);
