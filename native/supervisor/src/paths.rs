//! Paths as the sandbox names them, decided on lexically: the supervisor never resolves a
//! plugin's path on the host to decide whether it is in view (the kernel resolves it, inside the
//! view, when the call goes on), so a link or a rename made between the check and the call can
//! only lead somewhere the view already holds.
use std::collections::BTreeMap;

/// An absolute path with `.`, `..` and repeated slashes taken out, or None for a relative one.
/// `..` above the root stays at the root, as the kernel does.
pub fn normalize(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Whether `path` is `folder` or lies below it (both normalized).
pub fn within(path: &str, folder: &str) -> bool {
    folder == "/" || path == folder || (path.starts_with(folder) && path.as_bytes().get(folder.len()) == Some(&b'/'))
}

/// The folder holding `path` (normalized); the root for the root.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `path` relative to `folder`, which it lies below (empty when they are the same).
pub fn below<'a>(path: &'a str, folder: &str) -> &'a str {
    if folder == "/" {
        path.trim_start_matches('/')
    } else {
        path[folder.len()..].trim_start_matches('/')
    }
}

/// The symbolic links of the sandbox's own tree (`/lib -> usr/lib`, and links copied from the host
/// on the way to a grant), by the path they stand at.
#[derive(Default, Debug)]
pub struct Links {
    links: BTreeMap<String, String>,
}

/// How many links one path may pass through, as the kernel's own limit.
const MAX_LINKS: usize = 40;

impl Links {
    pub fn add(&mut self, at: &str, target: &str) {
        self.links.insert(at.to_string(), target.to_string());
    }

    /// The path with every link of the tree on its way replaced by where it leads, as the kernel
    /// would walk it inside the sandbox. None when it passes through too many links.
    pub fn expand(&self, path: &str) -> Option<String> {
        let mut current = normalize(path)?;
        'walk: for _ in 0..=MAX_LINKS {
            let mut prefix = String::new();
            for part in current.trim_start_matches('/').split('/').filter(|p| !p.is_empty()) {
                prefix.push('/');
                prefix.push_str(part);
                if let Some(target) = self.links.get(&prefix) {
                    let rest = &current[prefix.len()..];
                    let base = if target.starts_with('/') { target.clone() } else { format!("{}/{}", parent(&prefix), target) };
                    current = normalize(&format!("{base}/{rest}"))?;
                    continue 'walk;
                }
            }
            return Some(current);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(normalize("/home//u/./docs/../notes/").as_deref(), Some("/home/u/notes"));
        assert_eq!(normalize("/../../etc").as_deref(), Some("/etc"));
        assert_eq!(normalize("/").as_deref(), Some("/"));
        assert_eq!(normalize("docs/a.md"), None);
        assert_eq!(normalize(""), None);
    }

    #[test]
    fn within_compares_whole_components() {
        assert!(within("/home/u/docs/a.md", "/home/u/docs"));
        assert!(within("/home/u/docs", "/home/u/docs"));
        assert!(!within("/home/u/docs2", "/home/u/docs"));
        assert!(within("/anything", "/"));
        assert_eq!(parent("/home/u"), "/home");
        assert_eq!(parent("/home"), "/");
        assert_eq!(below("/home/u/docs/a", "/home/u"), "docs/a");
        assert_eq!(below("/home/u", "/"), "home/u");
    }

    #[test]
    fn links_of_the_tree_are_followed_like_the_kernel_would() {
        let mut links = Links::default();
        links.add("/lib", "usr/lib");
        links.add("/home/u/Documents", "/data/docs");
        links.add("/loop", "loop");
        assert_eq!(links.expand("/lib/x86_64-linux-gnu/libc.so.6").as_deref(), Some("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        assert_eq!(links.expand("/home/u/Documents/../x").as_deref(), Some("/home/u/x"), "`..` is taken as the path is written, before links");
        assert_eq!(links.expand("/home/u/Documents/a.md").as_deref(), Some("/data/docs/a.md"));
        assert_eq!(links.expand("/library").as_deref(), Some("/library"));
        assert_eq!(links.expand("/loop/x"), None);
    }
}
