//! Exports the three HaloForge entry points, but `_haloforge_abi_version` answers 2. A host must
//! refuse it before it calls `_haloforge_plugin_create`, which here would be a use of a foreign layout.

#[no_mangle]
pub extern "C" fn _haloforge_abi_version() -> u32 {
    2
}

#[no_mangle]
pub extern "C" fn _haloforge_plugin_create() -> *mut u8 {
    // Never reached by a correct host; abort loudly if it is.
    std::process::abort()
}

#[no_mangle]
pub extern "C" fn _haloforge_plugin_destroy(_ptr: *mut u8) {
    std::process::abort()
}
