//! Own Client (any host): calls the network with its own reqwest client, as HaloForge's image-studio plugin does.
use haloforge_plugin_api::*;

#[derive(Default)]
pub struct OwnBrowser;

impl OwnBrowser {
    pub fn new() -> Self {
        Self
    }
}

impl HaloForgePlugin for OwnBrowser {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.own-browser".into(),
            name: "Own Client (any host)".into(),
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

declare_plugin!(OwnBrowser, OwnBrowser::new);
