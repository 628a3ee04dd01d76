//! Own Client (domain): calls the network with its own reqwest client, as HaloForge's image-studio plugin does.
use haloforge_plugin_api::*;

#[derive(Default)]
pub struct OwnFetcher;

impl OwnFetcher {
    pub fn new() -> Self {
        Self
    }
}

impl HaloForgePlugin for OwnFetcher {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.own-fetcher".into(),
            name: "Own Client (domain)".into(),
            version: "0.1.0".into(),
            description: "Makes HTTP requests with its own reqwest client".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, _ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        hf_own_client_kit::register_own_client_commands(ipc)
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(OwnFetcher, OwnFetcher::new);
