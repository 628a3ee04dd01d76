//! What the sandbox's tree should hold, worked out from the static view (what the plugin host
//! needs to run, its own folders), the user's grants and the host's protected folders. Pure, so
//! the rules can be read and tested in one place:
//! - a grant inside a protected folder (the data folder, the app) is never mounted;
//! - a protected folder inside a grant is masked by an empty read-only folder, and the static
//!   entries inside it (the plugin's own folder, its data) are mounted again inside the mask, so a
//!   grant of the home folder neither shows `~/.haloforge` nor hides the plugin's own files;
//! - a grant inside another one that already allows as much is not mounted twice; a read-write
//!   grant inside a read-only one is mounted over it;
//! - a grant inside a static entry is not mounted (the static view is what it is).
//!
//! The result is a forest: each top-level node is mounted (with everything below it, built in a
//! private staging place) as one unit, and compared with what is mounted by its signature.
use crate::paths::within;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Part of what the plugin host needs (runtime, its own folder, data, private temporary folder).
    Static,
    /// What the user granted.
    Grant,
    /// An empty read-only folder over a protected folder that a grant would otherwise show.
    Mask,
}

/// One thing to mount, at `path` in the sandbox, from `source` outside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub path: String,
    pub source: String,
    pub write: bool,
    pub kind: Kind,
    /// Absent sources of optional entries are skipped rather than reported.
    pub optional: bool,
    pub children: Vec<Node>,
}

impl Node {
    /// What this node and everything below it would mount: equal signatures, equal mounts.
    pub fn signature(&self) -> String {
        let children: Vec<String> = self.children.iter().map(Node::signature).collect();
        format!("{:?}:{}<{}>:{}[{}]", self.kind, self.path, self.source, if self.write { "rw" } else { "ro" }, children.join(","))
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StaticEntry {
    pub path: String,
    /// Where it comes from outside the sandbox, when not the same path (the private temporary folder).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub write: bool,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Grant {
    pub path: String,
    pub write: bool,
}

/// Why a grant was left out of the tree, for main to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Left {
    pub path: String,
    pub why: String,
}

pub struct Plan {
    pub tops: Vec<Node>,
    pub left_out: Vec<Left>,
    /// The grants as they are mounted: those left out are missing, a write made read-only says so.
    pub grants: Vec<Grant>,
}

/// Works out the tree. `protected` are real paths no grant may show.
pub fn plan(statics: &[StaticEntry], grants: &[Grant], protected: &[String]) -> Plan {
    let mut left_out = Vec::new();
    let mut effective = Vec::new();
    let mut flat: Vec<Node> = statics
        .iter()
        .map(|s| Node {
            path: s.path.clone(),
            source: s.source.clone().unwrap_or_else(|| s.path.clone()),
            write: s.write,
            kind: Kind::Static,
            optional: s.optional,
            children: Vec::new(),
        })
        .collect();
    // One grant per path, read-write if any grant of that path is.
    let mut merged: Vec<Grant> = Vec::new();
    for g in grants {
        match merged.iter_mut().find(|m| m.path == g.path) {
            Some(m) => m.write |= g.write,
            None => merged.push(g.clone()),
        }
    }
    for g in merged {
        if let Some(root) = protected.iter().find(|p| within(&g.path, p)) {
            left_out.push(Left { path: g.path.clone(), why: format!("{} belongs to HaloForge Host itself ({root}), which no plugin may be shown", g.path) });
        } else if g.path == "/" {
            left_out.push(Left { path: g.path.clone(), why: "the whole file system cannot be granted".into() });
        } else if let Some(s) = statics.iter().find(|s| within(&g.path, &s.path)) {
            // Already in view as part of the plugin host's own files; never made writable.
            if g.write {
                left_out.push(Left { path: g.path.clone(), why: format!("{} lies in {}, which the sandbox shows read-only and cannot be granted for writing", g.path, s.path) });
            }
        } else {
            // Landlock's write rules hold on the top-level folders of the tree, and a mount hides
            // the folder it is mounted on from them: writing below a grant of a whole top-level
            // folder would be refused anyway, so it is shown read-only.
            let write = g.write && depth(&g.path) > 1;
            if write != g.write {
                left_out.push(Left { path: g.path.clone(), why: format!("writing in all of {} cannot be granted (only in a folder inside it); it is shown read-only", g.path) });
            }
            effective.push(Grant { path: g.path.clone(), write });
            flat.push(Node { path: g.path.clone(), source: g.path.clone(), write, kind: Kind::Grant, optional: true, children: Vec::new() });
        }
    }
    // Masks go where a protected folder lies inside a grant.
    let masks: Vec<Node> = protected
        .iter()
        .filter(|p| flat.iter().any(|n| n.kind == Kind::Grant && within(p, &n.path) && n.path != **p))
        .map(|p| Node { path: p.clone(), source: String::new(), write: false, kind: Kind::Mask, optional: false, children: Vec::new() })
        .collect();
    flat.extend(masks);
    // Parents before children; at one path a static entry before anything else.
    flat.sort_by(|a, b| depth(&a.path).cmp(&depth(&b.path)).then(a.path.cmp(&b.path)).then(a.kind.cmp(&b.kind)));
    let mut tops: Vec<Node> = Vec::new();
    for node in flat {
        insert(&mut tops, node);
    }
    Plan { tops, left_out, grants: effective }
}

fn depth(path: &str) -> usize {
    path.split('/').filter(|p| !p.is_empty()).count()
}

/// Puts `node` below the deepest node that holds it, unless that one already allows as much.
fn insert(level: &mut Vec<Node>, node: Node) {
    if let Some(holder) = level.iter_mut().find(|n| within(&node.path, &n.path)) {
        if holder.path == node.path {
            return; // a second entry at one path: the first (static before grant) stands
        }
        // A grant inside a grant that already allows as much adds nothing.
        if node.kind == Kind::Grant && holder.kind == Kind::Grant && (holder.write || !node.write) {
            return;
        }
        if node.kind == Kind::Mask && holder.kind != Kind::Grant {
            return; // only a grant can show a protected folder
        }
        insert(&mut holder.children, node);
    } else {
        level.push(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(path: &str, write: bool) -> StaticEntry {
        StaticEntry { path: path.into(), source: None, write, optional: false }
    }
    fn grant(path: &str, write: bool) -> Grant {
        Grant { path: path.into(), write }
    }
    fn shape(n: &Node) -> String {
        let kids: Vec<String> = n.children.iter().map(shape).collect();
        let mode = if n.write { "rw" } else { "ro" };
        if kids.is_empty() {
            format!("{:?} {} {mode}", n.kind, n.path)
        } else {
            format!("{:?} {} {mode} [{}]", n.kind, n.path, kids.join("; "))
        }
    }
    fn shapes(p: &Plan) -> Vec<String> {
        p.tops.iter().map(shape).collect()
    }

    const HOME: &str = "/home/u/.haloforge";
    const PLUGIN: &str = "/home/u/.haloforge/plugins/p";
    const DATA: &str = "/home/u/.haloforge/plugins/p/data";

    fn statics() -> Vec<StaticEntry> {
        vec![stat("/usr", false), stat(PLUGIN, false), stat(DATA, true)]
    }

    #[test]
    fn the_static_view_alone_is_the_plugin_host_and_its_own_folders() {
        let p = plan(&statics(), &[], &[HOME.into()]);
        assert_eq!(shapes(&p), vec!["Static /usr ro", "Static /home/u/.haloforge/plugins/p ro [Static /home/u/.haloforge/plugins/p/data rw]"]);
    }

    #[test]
    fn a_grant_of_a_folder_holding_the_data_folder_masks_it_and_keeps_the_plugins_own_files() {
        let p = plan(&statics(), &[grant("/home/u", true)], &[HOME.into(), "/opt/app".into()]);
        assert_eq!(
            shapes(&p),
            vec!["Static /usr ro", "Grant /home/u rw [Mask /home/u/.haloforge ro [Static /home/u/.haloforge/plugins/p ro [Static /home/u/.haloforge/plugins/p/data rw]]]",]
        );
        assert!(p.left_out.is_empty());
    }

    #[test]
    fn grants_inside_the_hosts_own_folders_or_the_static_view_are_left_out() {
        let p = plan(&statics(), &[grant("/home/u/.haloforge/grants.json", false), grant("/usr/share/doc", false), grant("/usr/local", true), grant("/", false)], &[HOME.into()]);
        assert_eq!(shapes(&p).len(), 2);
        let why: Vec<&str> = p.left_out.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(why, vec!["/home/u/.haloforge/grants.json", "/usr/local", "/"]);
        assert!(p.left_out[0].why.contains("belongs to HaloForge Host itself"));
    }

    #[test]
    fn a_grant_inside_one_that_allows_as_much_is_not_mounted_twice_and_a_writable_one_inside_a_read_only_one_is() {
        let p =
            plan(&[], &[grant("/srv/repo", false), grant("/srv/repo/docs", false), grant("/srv/repo/out", true), grant("/srv/notes", true), grant("/srv/notes/a.md", false)], &[]);
        assert_eq!(shapes(&p), vec!["Grant /srv/notes rw", "Grant /srv/repo ro [Grant /srv/repo/out rw]"]);
    }

    #[test]
    fn a_whole_top_level_folder_is_shown_read_only_whatever_the_grant_says() {
        let p = plan(&[], &[grant("/srv", true), grant("/srv/site", true)], &[]);
        assert_eq!(shapes(&p), vec!["Grant /srv ro [Grant /srv/site rw]"]);
        assert_eq!(p.left_out.iter().map(|l| l.path.as_str()).collect::<Vec<_>>(), vec!["/srv"]);
    }

    #[test]
    fn two_grants_of_one_path_make_one_mount_that_allows_the_most() {
        let p = plan(&[], &[grant("/srv/a", false), grant("/srv/a", true)], &[]);
        assert_eq!(shapes(&p), vec!["Grant /srv/a rw"]);
    }

    #[test]
    fn signatures_change_exactly_when_what_a_subtree_mounts_changes() {
        let a = plan(&statics(), &[grant("/srv/a", false)], &[HOME.into()]);
        let b = plan(&statics(), &[grant("/srv/a", false), grant("/srv/a/b", false)], &[HOME.into()]);
        let c = plan(&statics(), &[grant("/srv/a", true)], &[HOME.into()]);
        assert_eq!(a.tops.iter().map(Node::signature).collect::<Vec<_>>(), b.tops.iter().map(Node::signature).collect::<Vec<_>>());
        assert_ne!(a.tops[1].signature(), c.tops[1].signature());
        assert_eq!(a.tops[0].signature(), c.tops[0].signature());
    }
}
