"""The code sandbox's seccomp filter: system calls that Python over a spreadsheet never
needs and that are the usual way from an unprivileged process into the kernel's less
trodden code (debugging other processes, mounting, keyrings, eBPF, perf, io_uring, new user
namespaces, kernel modules, ...). They fail with EPERM; `clone3` fails with ENOSYS so that
the C library falls back to `clone`, whose flags the filter can read (CLONE_NEWUSER is
refused). Everything else is allowed: a deny list, as Docker's and Flatpak's are.

The filter is compiled to BPF by libseccomp (Debian's libseccomp2, through the `pyseccomp`
ctypes bindings, or libseccomp's own `seccomp` Python module where installed) for the
machine's native architecture; system calls of any other architecture (32-bit x86 from a
64-bit process, x32) kill the process. bubblewrap installs it (`--seccomp FD`) as the last
step before it starts the sandboxed program, after it has made the namespaces.
"""

from __future__ import annotations

import errno
import tempfile
from functools import cache
from typing import Any

DENIED = (
    # other processes' memory and the kernel's debugging interfaces
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "perf_event_open",
    "userfaultfd", "lookup_dcookie",
    # filesystems and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "open_by_handle_at",
    "name_to_handle_at", "quotactl", "swapon", "swapoff", "acct",
    # keyrings, eBPF, io_uring
    "keyctl", "add_key", "request_key", "bpf", "io_uring_setup", "io_uring_enter",
    "io_uring_register",
    # the kernel and the machine
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "syslog", "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "vhangup", "personality", "uselib", "ustat", "sysfs", "nfsservctl",
)  # fmt: skip
CLONE_NEWUSER = 0x10000000
TIOCSTI = 0x5412  # push characters into a terminal's input
TIOCLINUX = 0x541C


def _bindings() -> Any:
    try:
        import seccomp  # libseccomp's own bindings (Debian python3-seccomp)
    except ImportError:
        import pyseccomp as seccomp  # the same API over ctypes (PyPI)
    return seccomp


def _compile() -> bytes:
    sc = _bindings()
    refuse = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in DENIED:
        rules.add_rule(refuse, name)
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(refuse, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    for request in (TIOCSTI, TIOCLINUX):
        rules.add_rule(refuse, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        return out.read()


@cache
def seccomp_filter() -> bytes | str:
    """The compiled filter (BPF), or why it cannot be made here (the sandbox is then off)."""
    try:
        return _compile()
    except (ImportError, RuntimeError, OSError, ValueError) as e:
        return f"seccomp 필터를 만들 수 없습니다 (libseccomp, pyseccomp): {e}"
