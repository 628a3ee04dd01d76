//! Looks at a plugin file without running any of its code: is it a shared library, does it export
//! the HaloForge entry points, and which rustc built it.
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::Path;

pub const CREATE_SYMBOL: &str = "_haloforge_plugin_create";
pub const DESTROY_SYMBOL: &str = "_haloforge_plugin_destroy";
pub const ABI_SYMBOL: &str = "_haloforge_abi_version";

/// Why a file cannot be loaded as a plugin. Each variant's text says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectError {
    Missing(String),
    Unreadable(String, String),
    NotALibrary(String, String),
    NotAPlugin(String, Vec<&'static str>),
    UnknownCompiler(String),
    /// Its .comment names a compiler in a form no rustc writes: its text is never shown.
    UnrecognisedCompiler(String),
    CompilerMismatch {
        path: String,
        plugin: String,
        bridge: String,
    },
}

impl InspectError {
    /// A stable, machine-readable name for the failure, shown beside the message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "missing_library",
            Self::Unreadable(..) => "unreadable_library",
            Self::NotALibrary(..) => "not_a_library",
            Self::NotAPlugin(..) => "not_a_plugin",
            Self::UnknownCompiler(_) | Self::UnrecognisedCompiler(_) => "unknown_rustc",
            Self::CompilerMismatch { .. } => "rustc_mismatch",
        }
    }
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(p) => write!(f, "plugin library not found: {p}"),
            Self::Unreadable(p, e) => write!(f, "cannot read plugin library {p}: {e}"),
            Self::NotALibrary(p, why) => write!(f, "{p} is not a native shared library ({why})"),
            Self::NotAPlugin(p, missing) => {
                write!(f, "{p} is not a HaloForge plugin: it does not export {} (build it with haloforge_plugin_api::declare_plugin!)", missing.join(", "))
            }
            Self::UnknownCompiler(p) => write!(
                f,
                "{p} carries no rustc version in its .comment section, so its Rust ABI cannot be checked; rebuild it with rustc {} without stripping .comment",
                crate::BRIDGE_RUSTC_VERSION
            ),
            Self::UnrecognisedCompiler(p) => {
                write!(f, "{p} was built by an unrecognised compiler, so its Rust ABI cannot be checked; rebuild it with rustc {}", crate::BRIDGE_RUSTC_VERSION)
            }
            Self::CompilerMismatch { path, plugin, bridge } => {
                let short = bridge.split(' ').next().unwrap_or(bridge);
                write!(
                    f,
                    "{path} was built with rustc {plugin}, the host bridge with rustc {bridge}: the plugin ABI is Rust's own and only matches the same compiler, so rebuild the plugin with rustc {short}"
                )
            }
        }
    }
}

/// What a good plugin file looks like from the outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub rustc: String,
    /// Whether the plugin links Rust's std as a shared library (`-C prefer-dynamic`). Only then does
    /// a panic in the plugin unwind into the bridge as a catchable panic; with its own static copy
    /// of std, Rust aborts the process on a panic that crosses into another copy.
    pub shared_std: bool,
}

/// The rustc versions named in an ELF `.comment` section (NUL-separated strings such as
/// `rustc version 1.95.0 (59807616e 2026-04-14)` beside the C runtime's `GCC: ...`).
pub fn rustc_versions_in_comment(comment: &[u8]) -> Vec<String> {
    comment.split(|b| *b == 0).filter_map(|s| std::str::from_utf8(s).ok()).filter_map(|s| s.strip_prefix("rustc version ")).map(|s| s.trim().to_string()).collect()
}

/// A version as rustc writes it: `1.95.0`, a channel (`-nightly`, `-beta.3`, `-dev`), then a
/// commit hash and a date in parentheses (`1.97.0-nightly (e50aa6fba 2026-05-19)`). Anything else
/// is plugin bytes, never shown or used.
pub fn well_formed_rustc(v: &str) -> bool {
    let (release, rest) = v.split_once(' ').map_or((v, None), |(a, b)| (a, Some(b)));
    let (numbers, channel) = release.split_once('-').map_or((release, None), |(a, b)| (a, Some(b)));
    let numbers_ok = numbers.split('.').count() == 3 && numbers.split('.').all(|n| !n.is_empty() && n.len() <= 5 && n.bytes().all(|b| b.is_ascii_digit()));
    // Written without newer std helpers: bridges are built by whatever rustc built a plugin.
    let channel_ok = match channel {
        None => true,
        Some(c) => c == "nightly" || c == "dev" || c == "beta" || c.strip_prefix("beta.").map(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) == Some(true),
    };
    let rest_ok = match rest.map(|r| r.strip_prefix('(').and_then(|r| r.strip_suffix(')')).and_then(|r| r.split_once(' '))) {
        None => true,
        Some(None) => false,
        Some(Some((hash, date))) => {
            let date_ok = date.len() == 10 && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
            (7..=40).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()) && date_ok
        }
    };
    numbers_ok && channel_ok && rest_ok
}

/// A plugin file mapped read-only for its inspection. Reading it whole into the heap cost its
/// plugin host the file's size for good (4 MiB for a plugin with its own HTTP client): glibc
/// keeps a freed buffer that size in the loading thread's arena. Mapped, the pages are the page
/// cache's, shared with the loader's own mapping of the same file, and gone at unmap.
struct Mapped {
    addr: *mut libc::c_void,
    len: usize,
}

impl Mapped {
    fn open(path: &Path) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a regular file"));
        }
        let len = usize::try_from(meta.len()).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is too large"))?;
        if len == 0 {
            return Ok(Self { addr: std::ptr::null_mut(), len });
        }
        // SAFETY: a fresh private read-only mapping of an open file; the kernel picks the address,
        // and the mapping outlives the descriptor by design.
        let addr = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if addr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self { addr, len })
    }

    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `addr` maps `len` readable bytes until drop. Main replaces a plugin by renaming
        // folders, never by writing into its library, and the plugin host cannot write there; a
        // file cut short by someone else meanwhile ends this plugin host (SIGBUS), as it would
        // once loaded, and main reports it as a crash.
        unsafe { std::slice::from_raw_parts(self.addr.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: unmaps exactly the mapping `open` made; no slice of it outlives `self`.
            unsafe { libc::munmap(self.addr, self.len) };
        }
    }
}

pub fn inspect_plugin(path: &Path, bridge_rustc: &str) -> Result<Inspection, InspectError> {
    let shown = path.display().to_string();
    let mapped = match Mapped::open(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(InspectError::Missing(shown)),
        Err(e) => return Err(InspectError::Unreadable(shown, e.to_string())),
    };
    let file = object::File::parse(mapped.bytes()).map_err(|e| InspectError::NotALibrary(shown.clone(), e.to_string()))?;
    if file.kind() != object::ObjectKind::Dynamic {
        return Err(InspectError::NotALibrary(shown, format!("object kind is {:?}", file.kind())));
    }
    let exported: Vec<String> = file.dynamic_symbols().filter(|s| s.is_definition()).filter_map(|s| s.name().ok().map(str::to_string)).collect();
    let missing: Vec<&'static str> = [CREATE_SYMBOL, DESTROY_SYMBOL, ABI_SYMBOL].into_iter().filter(|want| !exported.iter().any(|have| have == want)).collect();
    if !missing.is_empty() {
        return Err(InspectError::NotAPlugin(shown, missing));
    }
    let comment = file.section_by_name(".comment").and_then(|s| s.data().ok()).unwrap_or(&[]);
    let versions = rustc_versions_in_comment(comment);
    let Some(plugin_rustc) = versions.first().cloned() else {
        return Err(InspectError::UnknownCompiler(shown));
    };
    if !versions.iter().all(|v| well_formed_rustc(v)) {
        return Err(InspectError::UnrecognisedCompiler(shown));
    }
    if let Some(other) = versions.iter().find(|v| v.as_str() != bridge_rustc) {
        return Err(InspectError::CompilerMismatch { path: shown, plugin: other.clone(), bridge: bridge_rustc.to_string() });
    }
    let dynstr = file.section_by_name(".dynstr").and_then(|s| s.data().ok()).unwrap_or(&[]);
    let shared_std = dynstr.split(|b| *b == 0).any(|name| name.starts_with(b"libstd-"));
    Ok(Inspection { rustc: plugin_rustc, shared_std })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_versions_as_rustc_writes_them_are_well_formed() {
        for ok in ["1.95.0", "1.95.0 (59807616e 2026-04-14)", "1.97.0-nightly (e50aa6fba 2026-05-19)", "1.96.0-beta.3 (0123456789abcdef 2026-05-01)", "1.99.0-dev"] {
            assert!(well_formed_rustc(ok), "{ok}");
        }
        for bad in [
            "1.99.0;curl${IFS}x|sh",
            "1.99.0 (abc 2026-05-19)",
            "1.99 (59807616e 2026-04-14)",
            "1.99.0 (59807616e 2026-04-14) extra",
            "1.99.0-nightly;id",
            "",
            "1.2.3 (zzzzzzz 2026-01-01)",
        ] {
            assert!(!well_formed_rustc(bad), "{bad}");
        }
    }

    #[test]
    fn reads_rustc_versions_between_nul_separators() {
        let comment = b"\0GCC: (Debian 12.2.0-14) 12.2.0\0rustc version 1.95.0 (59807616e 2026-04-14)\0";
        assert_eq!(rustc_versions_in_comment(comment), vec!["1.95.0 (59807616e 2026-04-14)".to_string()]);
    }

    #[test]
    fn a_comment_without_rustc_has_no_versions() {
        assert!(rustc_versions_in_comment(b"GCC: (Debian 12.2.0-14) 12.2.0\0").is_empty());
    }

    #[test]
    fn a_missing_file_is_reported_as_missing() {
        let err = inspect_plugin(Path::new("/nonexistent/libx.so"), "1.95.0").unwrap_err();
        assert_eq!(err.code(), "missing_library");
        assert!(err.to_string().contains("/nonexistent/libx.so"));
    }

    #[test]
    fn a_text_file_is_not_a_library() {
        let dir = std::env::temp_dir().join(format!("hf-inspect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("libtext.so");
        std::fs::write(&path, "hello, I am not ELF").unwrap();
        let err = inspect_plugin(&path, "1.95.0").unwrap_err();
        assert_eq!(err.code(), "not_a_library");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_folder_is_unreadable_and_an_empty_file_is_not_a_library() {
        let dir = std::env::temp_dir().join(format!("hf-inspect-folder-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("libdir.so")).unwrap();
        let err = inspect_plugin(&dir.join("libdir.so"), "1.95.0").unwrap_err();
        assert_eq!(err.code(), "unreadable_library");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        std::fs::write(dir.join("libempty.so"), "").unwrap();
        assert_eq!(inspect_plugin(&dir.join("libempty.so"), "1.95.0").unwrap_err().code(), "not_a_library");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_shared_library_without_the_entry_points_is_not_a_plugin() {
        // This test process has the C library mapped: a real shared object, and no plugin.
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let libc_path = maps.lines().filter_map(|l| l.split_whitespace().nth(5)).find(|p| p.contains("/libc.so")).expect("the C library is mapped");
        let err = inspect_plugin(Path::new(libc_path), "1.95.0").unwrap_err();
        assert_eq!(err.code(), "not_a_plugin", "{err}");
        assert!(err.to_string().contains(CREATE_SYMBOL), "{err}");
    }

    #[test]
    fn mismatch_message_names_both_versions_and_says_to_rebuild() {
        let err = InspectError::CompilerMismatch { path: "libp.so".into(), plugin: "1.97.0 (aaaa 2026-07-01)".into(), bridge: "1.95.0 (bbbb 2026-04-14)".into() };
        let text = err.to_string();
        assert!(text.contains("1.97.0") && text.contains("1.95.0") && text.contains("rebuild the plugin with rustc 1.95.0"));
    }
}
