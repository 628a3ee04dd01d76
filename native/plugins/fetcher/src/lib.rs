//! Fetches JSON from one API host (network_http_domain).
use haloforge_plugin_api::*;

pub struct Fetcher;

impl Fetcher {
    pub fn new() -> Self {
        Self
    }
}

impl Default for Fetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl HaloForgePlugin for Fetcher {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.fetcher".into(),
            name: "Fetcher".into(),
            version: "0.1.0".into(),
            description: "Fetches JSON from one API host (network_http_domain)".into(),
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

declare_plugin!(Fetcher, Fetcher::new);
