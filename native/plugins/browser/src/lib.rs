//! Fetches JSON from any public host the user allows (network_http).
use haloforge_plugin_api::*;

pub struct Browser;

impl Browser {
    pub fn new() -> Self {
        Self
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl HaloForgePlugin for Browser {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.browser".into(),
            name: "Browser".into(),
            version: "0.1.0".into(),
            description: "Fetches JSON from any public host the user allows (network_http)".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        hf_http_kit::register_http_commands(ipc)
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(Browser, Browser::new);
