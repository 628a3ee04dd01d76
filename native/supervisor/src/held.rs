//! What the sandbox's processes hold open of the user's files: descriptors, working folders and
//! mapped files. Taking a grant's mount away (revoke, narrow, expiry) detaches it lazily, so a
//! descriptor opened through it before still reaches the file; the supervisor looks here before
//! it applies new grants, and stops the sandbox when something held is no longer granted.
use crate::paths::within;
use crate::plan::Grant;
use std::fs;

/// One file or folder a process of the sandbox holds, by its path in the sandbox (a grant's real
/// path) and whether the holder can change it through what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub path: String,
    pub write: bool,
}

/// Whether one of `grants` covers `path` for what it needs (a write needs a grant for writing).
fn covered(path: &str, write: bool, grants: &[Grant]) -> bool {
    grants.iter().any(|g| within(path, &g.path) && (g.write || !write))
}

/// What of `held` the grants `now` no longer cover.
pub fn no_longer_granted(held: &[Held], now: &[Grant]) -> Vec<Held> {
    held.iter().filter(|h| !covered(&h.path, h.write, now)).cloned().collect()
}

/// Whether a descriptor's `flags:` line in fdinfo (octal) opens it for writing.
fn flags_write(fdinfo: &str) -> bool {
    fdinfo
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|v| i64::from_str_radix(v.trim(), 8).ok())
        .is_some_and(|f| f & i64::from(libc::O_ACCMODE) != i64::from(libc::O_RDONLY))
}

/// The mapped files of a `maps` listing, with whether each is a shared writable mapping (one that
/// writes to the file).
fn mapped(maps: &str) -> Vec<Held> {
    maps.lines()
        .filter_map(|line| {
            // Five fields, then the path, which may hold spaces.
            let mut rest = line;
            let mut perms = "";
            for i in 0..5 {
                rest = rest.trim_start();
                let end = rest.find(' ')?;
                if i == 1 {
                    perms = &rest[..end];
                }
                rest = &rest[end..];
            }
            let path = rest.trim();
            path.starts_with('/').then(|| Held { path: path.to_string(), write: perms.contains('w') && perms.ends_with('s') })
        })
        .collect()
}

/// The process `root` and every process below it, by the children lists of all their threads
/// (or, on a kernel without those lists, by every process's parent).
pub fn tree(root: u32) -> Vec<u32> {
    descendants(root, fs::metadata(format!("/proc/{root}/task/{root}/children")).is_ok())
}

fn descendants(root: u32, lists: bool) -> Vec<u32> {
    let parents = if lists { Vec::new() } else { all_parents() };
    let mut seen = std::collections::HashSet::from([root]);
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        out.push(pid);
        let children: Vec<u32> = if lists {
            let tasks = fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
            tasks.flat_map(|t| fs::read_to_string(t.path().join("children")).unwrap_or_default().split_whitespace().filter_map(|c| c.parse().ok()).collect::<Vec<u32>>()).collect()
        } else {
            parents.iter().filter(|(_, parent)| *parent == pid).map(|(child, _)| *child).collect()
        };
        todo.extend(children.into_iter().filter(|&c| seen.insert(c)));
    }
    out
}

/// Every process with its parent, from /proc/<pid>/stat (the field after the name, which may hold
/// spaces and parentheses, so read from the last one).
fn all_parents() -> Vec<(u32, u32)> {
    let pids = fs::read_dir("/proc").into_iter().flatten().flatten().filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok());
    pids.filter_map(|pid| {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let parent = stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?.parse().ok()?;
        Some((pid, parent))
    })
    .collect()
}

/// The grants of `before` that `now` does not cover whole (revoked, narrowed to reading, expired):
/// only what lies under them can have lost anything.
pub fn lost(before: &[Grant], now: &[Grant]) -> Vec<Grant> {
    before.iter().filter(|b| !covered(&b.path, b.write, now)).cloned().collect()
}

/// Everything the processes from each of `roots` down hold under one of `grants`, as they see it now
/// (before a change: a path read after its mount was detached no longer names the grant). A
/// folder held under a grant for writing counts as held for writing: files can be made in it
/// through its descriptor.
pub fn held_under(roots: &[u32], grants: &[Grant]) -> Vec<Held> {
    let writable = |p: &str| grants.iter().any(|g| g.write && within(p, &g.path));
    let under = |p: &str| grants.iter().any(|g| within(p, &g.path));
    let mut held = Vec::new();
    for pid in roots.iter().flat_map(|&root| tree(root)) {
        if let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) {
            for fd in fds.flatten() {
                let Ok(target) = fs::read_link(fd.path()) else { continue };
                let Some(path) = target.to_str().filter(|p| under(p)) else { continue };
                let info = fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy())).unwrap_or_default();
                let folder = fs::metadata(fd.path()).is_ok_and(|m| m.is_dir());
                held.push(Held { path: path.to_string(), write: flags_write(&info) || (folder && writable(path)) });
            }
        }
        if let Some(cwd) = fs::read_link(format!("/proc/{pid}/cwd")).ok().and_then(|c| c.to_str().map(str::to_string)).filter(|c| under(c)) {
            held.push(Held { write: writable(&cwd), path: cwd });
        }
        held.extend(mapped(&fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default()).into_iter().filter(|m| under(&m.path)));
    }
    held.sort_by(|a, b| (&a.path, a.write).cmp(&(&b.path, b.write)));
    held.dedup();
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(path: &str, write: bool) -> Grant {
        Grant { path: path.into(), write }
    }

    #[test]
    fn what_is_held_stays_only_as_far_as_a_grant_still_covers_it() {
        let held = vec![
            Held { path: "/home/u/docs/a.txt".into(), write: true },
            Held { path: "/home/u/docs".into(), write: false },
            Held { path: "/home/u/pics/b.png".into(), write: false },
        ];
        // Narrowed to reading: the file open for writing is no longer granted, the folder is.
        assert_eq!(no_longer_granted(&held, &[grant("/home/u/docs", false), grant("/home/u/pics", false)]), vec![held[0].clone()]);
        // Revoked: everything under it goes; a grant elsewhere keeps its own.
        assert_eq!(no_longer_granted(&held, &[grant("/home/u/pics", false)]), held[..2].to_vec());
        // A wider grant covers what a narrower one did.
        assert_eq!(no_longer_granted(&held, &[grant("/home/u", true)]), vec![]);
        // A sibling with a shared prefix is not inside.
        assert_eq!(no_longer_granted(&held[2..], &[grant("/home/u/pic", true)]), held[2..].to_vec());
    }

    #[test]
    fn the_tree_of_a_process_holds_its_children_found_either_way() {
        let mut child = std::process::Command::new("sleep").arg("5").spawn().expect("sleep");
        let me = std::process::id();
        for lists in [true, false] {
            let found = descendants(me, lists);
            assert_eq!(found[0], me);
            assert!(found.contains(&child.id()), "lists: {lists}, found {found:?}");
        }
        child.kill().expect("kill");
        child.wait().expect("wait");
    }

    #[test]
    fn a_grant_is_lost_when_nothing_now_covers_it_with_as_much() {
        let before = vec![grant("/home/u/docs", true), grant("/home/u/pics", false), grant("/srv/x", false)];
        let now = vec![grant("/home/u/docs", false), grant("/home/u", false)];
        assert_eq!(lost(&before, &now), vec![grant("/home/u/docs", true), grant("/srv/x", false)]);
        assert_eq!(lost(&before, &before), vec![]);
    }

    #[test]
    fn a_descriptor_writes_when_its_access_mode_is_not_read_only() {
        assert!(!flags_write("pos:\t0\nflags:\t02100000\nmnt_id:\t40\n"));
        assert!(flags_write("pos:\t0\nflags:\t0100001\n"));
        assert!(flags_write("flags:\t02\n"));
        assert!(!flags_write("pos:\t0\n"));
    }

    #[test]
    fn only_shared_writable_mappings_write_to_their_file() {
        let maps = "7f00-7f10 rw-s 00000000 00:2a 12 /home/u/docs/db.sqlite\n7f10-7f20 r--p 00000000 00:2a 13 /home/u/docs/a.txt\n7f20-7f30 rw-p 00000000 00:00 0 \n7f30-7f40 rw-p 00000000 00:2a 14                  /home/u/my docs/c.bin\n7fff-8000 rw-p 00000000 00:00 0 [stack]\n";
        assert_eq!(
            mapped(maps),
            vec![
                Held { path: "/home/u/docs/db.sqlite".into(), write: true },
                Held { path: "/home/u/docs/a.txt".into(), write: false },
                Held { path: "/home/u/my docs/c.bin".into(), write: false }
            ]
        );
    }
}
