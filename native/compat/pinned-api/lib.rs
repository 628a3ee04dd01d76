//! A plugin built the way HaloForge's released plugins are: against an older API crate pinned
//! exactly (`=0.2.13` for image-studio, aireplay and switchboard; `=0.2.17` for markdown, git and
//! p4), saying a version of itself its manifest does not, and registering a command its manifest
//! does not list. Compiled twice from this one file (`api-0.2.13/`, `api-0.2.17/`), each its own
//! workspace, since one lock file cannot hold two 0.2.x versions of a crate.
use haloforge_plugin_api::*;
use serde_json::{json, Value};

pub struct PinnedApi;

impl PinnedApi {
    pub fn new() -> Self {
        Self
    }
}

impl Default for PinnedApi {
    fn default() -> Self {
        Self::new()
    }
}

impl HaloForgePlugin for PinnedApi {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.test.pinned-api".into(),
            name: "Pinned API".into(),
            // Real plugins forget to bump this with the manifest (contract §1.8).
            version: "0.9.0".into(),
            description: "Built against an older haloforge-plugin-api".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ipc.register("api_version", Box::new(|_, _| Ok(json!({ "api": PUBLIC_HOST_API_VERSION }))))?;
        // Not in the manifest's commands, as markdown's md_save_as is not.
        ipc.register("echo", Box::new(|args: Value, _| Ok(args)))?;
        ipc.register_workflow_step_type(WorkflowStepTypeDefinition {
            type_id: "count_words".into(),
            display_name: "Count words".into(),
            description: "Counts the words of a text".into(),
            icon: "Hash".into(),
            category: "Text".into(),
            config_schema: json!({ "type": "object", "required": ["text"], "properties": { "text": { "type": "string" } } }),
        })?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }

    fn execute_workflow_step(&mut self, _step_type: &str, config: Value, _ctx: &dyn PluginContext) -> Result<Value, PluginError> {
        let text = config.get("text").and_then(Value::as_str).unwrap_or("");
        Ok(json!({ "words": text.split_whitespace().count() }))
    }
}

declare_plugin!(PinnedApi, PinnedApi::new);
