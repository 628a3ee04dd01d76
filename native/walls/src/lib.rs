//! The walls a process of ours raises for itself once bubblewrap has given it its namespaces and
//! its file view (design §8): a seccomp filter against what neither a plugin host nor a program it
//! runs ever needs, and a Landlock ruleset (a second wall behind the mount view). Shared by the
//! plugin host's lockdown (host-bridge) and the gate a program runs behind (programs/).
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![cfg(target_os = "linux")]
use landlock::{make_bitflags, path_beneath_rules, AccessFs, AccessNet, CompatLevel, Compatible, NetPort, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI};
use seccompiler::{BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The newest Landlock ABI this code knows; older kernels get what they support.
const LANDLOCK_ABI: ABI = ABI::V7;

/// x86_64 numbers with this bit set are the x32 ABI's. They carry x86_64's architecture word, so a
/// filter written for x86_64 numbers would let them past on a kernel with x32 on.
pub const X32_BIT: u32 = 0x4000_0000;

/// Without no_new_privs an unprivileged process may not install a filter; it also means a setuid
/// program could never gain rights here.
pub fn no_new_privs() -> Result<(), String> {
    // SAFETY: prctl with PR_SET_NO_NEW_PRIVS takes plain integers and touches no memory.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(format!("cannot set no_new_privs: {}", std::io::Error::last_os_error()))
    }
}

/// What a Landlock ruleset allows.
#[derive(Debug, Default)]
pub struct Rules<'a> {
    /// Writing is allowed below these only; `None` leaves writing to the mount view alone.
    pub writable: Option<&'a [PathBuf]>,
    /// Only these files (or what lies below these folders) may be executed.
    pub executable: &'a [PathBuf],
    /// The one TCP port that may be connected to: the egress proxy on the sandbox's loopback.
    pub egress_port: Option<u16>,
}

/// Raises the ruleset on this thread (and every thread and program it starts from now on);
/// returns how the kernel enforced it, and whether it covers every thread of the process.
pub fn landlock(rules: &Rules) -> Result<(String, bool), String> {
    let execute = AccessFs::Execute;
    let write = AccessFs::from_write(LANDLOCK_ABI);
    // Moving or linking a file into another folder is refused by any ruleset that does not handle
    // it; leaving writes to the mount view, it is allowed everywhere (git's object store needs it).
    let handled = if rules.writable.is_some() { write | execute } else { execute | AccessFs::Refer };
    let refer_anywhere: &[&Path] = if rules.writable.is_some() { &[] } else { &[Path::new("/")] };
    let created = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(handled)
        .and_then(|r| r.handle_access(make_bitflags!(AccessNet::{BindTcp | ConnectTcp})))
        .and_then(|r| r.scope(make_bitflags!(Scope::{Signal | AbstractUnixSocket})))
        .and_then(|r| r.create())
        .map_err(|e| e.to_string())?;
    // /dev/null is written by every runtime; no rule means no write anywhere else.
    let writable: Vec<&Path> = rules.writable.map(|w| w.iter().map(PathBuf::as_path).chain([Path::new("/dev/null")]).collect()).unwrap_or_default();
    let status = created
        .add_rules(path_beneath_rules(writable, write))
        .and_then(|r| r.add_rules(path_beneath_rules(refer_anywhere, AccessFs::Refer)))
        .and_then(|r| r.add_rules(path_beneath_rules(rules.executable, execute)))
        .and_then(|r| r.add_rules(rules.egress_port.map(|port| Ok(NetPort::new(port, AccessNet::ConnectTcp)))))
        .and_then(|r| r.restrict_self())
        .map_err(|e| e.to_string())?;
    let text = match status.ruleset {
        RulesetStatus::FullyEnforced => "fully-enforced",
        RulesetStatus::PartiallyEnforced => "partially-enforced",
        RulesetStatus::NotEnforced => "not-enforced",
    };
    Ok((text.to_string(), status.all_threads))
}

/// What a seccomp filter lets through beyond the common ground.
#[derive(Clone, Copy, Debug, Default)]
pub struct Calls {
    /// IP sockets (only for a sandbox with an egress proxy, whose port alone Landlock lets them reach).
    pub network: bool,
    /// execve (Landlock's execute rules say what may be run).
    pub programs: bool,
}

/// System calls refused outright (EPERM).
fn denied(calls: Calls) -> Vec<i64> {
    let mut denied = vec![
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_pidfd_getfd,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        libc::SYS_mount_setattr,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_acct,
        libc::SYS_quotactl,
        libc::SYS_syslog,
        libc::SYS_sethostname,
        libc::SYS_setdomainname,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_clock_adjtime,
        libc::SYS_adjtimex,
        libc::SYS_vhangup,
        // No filter of the sandboxed code's own, and so no listener of its own, after ours.
        libc::SYS_seccomp,
    ];
    if !calls.programs {
        denied.extend([libc::SYS_execve, libc::SYS_execveat]);
    }
    #[cfg(target_arch = "x86_64")]
    denied.extend([libc::SYS_iopl, libc::SYS_ioperm, libc::SYS_uselib]);
    denied
}

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

fn program(rules: BTreeMap<i64, Vec<SeccompRule>>, action: SeccompAction) -> Result<BpfProgram, String> {
    let arch = std::env::consts::ARCH.try_into().map_err(|e: seccompiler::BackendError| e.to_string())?;
    SeccompFilter::new(rules, SeccompAction::Allow, action, arch).and_then(BpfProgram::try_from).map_err(|e| e.to_string())
}

/// One BPF statement.
pub fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter { code: code as u16, jt: 0, jf: 0, k }
}

/// One BPF conditional jump.
pub fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code: code as u16, jt, jf, k }
}

/// `AUDIT_ARCH_*` of this build's system calls.
#[cfg(target_arch = "x86_64")]
pub const NATIVE_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
pub const NATIVE_ARCH: u32 = 0xC000_00B7;

/// How every filter of ours that reads call numbers begins: a call of another architecture is
/// allowed here (the common filter ends the process for it), an x32 number refused outright, and
/// what follows finds the call's number loaded.
pub fn filter_prologue() -> Vec<libc::sock_filter> {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO};
    let mut p =
        vec![stmt(BPF_LD | BPF_W | BPF_ABS, 4), jump(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0), stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), stmt(BPF_LD | BPF_W | BPF_ABS, 0)];
    if cfg!(target_arch = "x86_64") {
        p.push(jump(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1));
        p.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | libc::EPERM as u32));
    }
    p
}

/// A filter refusing every x32 call (EPERM) and allowing the rest to the filters after it.
fn x32_refusal() -> Vec<libc::sock_filter> {
    let mut p = filter_prologue();
    p.push(stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW));
    p
}

/// Installs a filter of our own writing on every thread of the process.
fn install_all_threads(program: &[libc::sock_filter]) -> Result<(), String> {
    let prog = libc::sock_fprog { len: program.len() as u16, filter: program.as_ptr() as *mut libc::sock_filter };
    // SAFETY: seccomp reads the program, which outlives the call; no_new_privs is set by the caller.
    let r = unsafe { libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, libc::SECCOMP_FILTER_FLAG_TSYNC, &prog as *const libc::sock_fprog) };
    if r == 0 {
        Ok(())
    } else {
        Err(format!("the x32 filter could not be installed: {}", std::io::Error::last_os_error()))
    }
}

/// Installs the filters on every thread of the process: x32 refused (on x86_64), then the
/// common refusals. The last one refuses `seccomp` itself, so nothing can be added after.
pub fn seccomp(calls: Calls) -> Result<(), String> {
    let mut refused: BTreeMap<i64, Vec<SeccompRule>> = denied(calls).into_iter().map(|n| (n, Vec::new())).collect();
    // Sockets: Unix ones (channels are inherited; the mount view holds no socket of anyone
    // else's), and IP ones only with the egress proxy. No netlink, packet or any other family.
    let mut families = vec![libc::AF_UNIX];
    if calls.network {
        families.extend([libc::AF_INET, libc::AF_INET6]);
    }
    let others = families.into_iter().map(|f| cond(0, SeccompCmpOp::Ne, f as u64)).collect::<Result<Vec<_>, _>>()?;
    refused.insert(libc::SYS_socket, vec![SeccompRule::new(others).map_err(|e| e.to_string())?]);
    // Threads and processes yes, new namespaces no.
    let new_namespaces = [libc::CLONE_NEWNS, libc::CLONE_NEWUSER, libc::CLONE_NEWPID, libc::CLONE_NEWNET, libc::CLONE_NEWIPC, libc::CLONE_NEWUTS, libc::CLONE_NEWCGROUP];
    let mut clone_rules = Vec::new();
    for flag in new_namespaces {
        let flag = flag as u64;
        clone_rules.push(SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(flag), flag)?]).map_err(|e| e.to_string())?);
    }
    refused.insert(libc::SYS_clone, clone_rules);
    // A filter by prctl is a filter too (it cannot listen, but nothing of ours needs one).
    refused.insert(libc::SYS_prctl, vec![SeccompRule::new(vec![cond(0, SeccompCmpOp::Eq, libc::PR_SET_SECCOMP as u64)?]).map_err(|e| e.to_string())?]);
    let deny = program(refused, SeccompAction::Errno(libc::EPERM as u32))?;
    // clone3 passes its flags in memory a filter cannot read: "not implemented" makes the C
    // library fall back to clone, whose flags the filter above checks.
    let clone3 = program(BTreeMap::from([(libc::SYS_clone3, Vec::new())]), SeccompAction::Errno(libc::ENOSYS as u32))?;
    if cfg!(target_arch = "x86_64") {
        install_all_threads(&x32_refusal())?;
    }
    seccompiler::apply_filter_all_threads(&clone3).map_err(|e| e.to_string())?;
    seccompiler::apply_filter_all_threads(&deny).map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `check` in a forked child after raising the walls (a filter cannot be lifted, so it
    /// must not reach the test runner); the child's exit code says what `check` found.
    fn walled(calls: Calls, check: impl FnOnce() -> i32) -> i32 {
        // SAFETY: the child raises its walls, runs `check` and exits without returning.
        match unsafe { libc::fork() } {
            0 => {
                let code = if no_new_privs().is_ok() && seccomp(calls).is_ok() { check() } else { 90 };
                // SAFETY: _exit ends the forked child without running the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            -1 => panic!("fork failed"),
            pid => {
                let mut status = 0;
                // SAFETY: waits for the child forked above.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                if libc::WIFEXITED(status) {
                    libc::WEXITSTATUS(status)
                } else {
                    -1
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_calls_are_refused_outright_whatever_the_kernel_allows() {
        let code = walled(Calls::default(), || {
            // getpid by its x32 number: ENOSYS on a kernel with x32 off, a pid with it on; EPERM here.
            // SAFETY: a system call that takes no arguments.
            let r = unsafe { libc::syscall(libc::c_long::from(X32_BIT as i32) | libc::SYS_getpid) };
            if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
                0
            } else {
                1
            }
        });
        assert_eq!(code, 0, "an x32 call got past the filter");
    }

    #[test]
    fn programs_start_only_when_allowed() {
        let refused = walled(Calls::default(), || i32::from(std::process::Command::new("/bin/true").status().is_ok()));
        assert_eq!(refused, 0, "a program started although execve is refused");
        let allowed = walled(Calls { programs: true, network: false }, || i32::from(std::process::Command::new("/bin/true").status().is_err()));
        assert_eq!(allowed, 0, "no program started although execve is allowed");
    }
}
