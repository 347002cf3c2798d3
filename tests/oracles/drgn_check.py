#!/usr/bin/python3
"""tests/oracles/drgn_check.py VMCORE RELEASE [VMLINUX] - what drgn (Debian's python3-drgn, run
by tests/oracles/oracle.sh in the sid chroot) reads from a dump.

Without VMLINUX drgn has no types (0.3.0 reads neither the kernel's BTF nor kallsyms on its own):
it reads init_uts_ns through the dump's page tables at VMCOREINFO's SYMBOL(init_uts_ns) and the
release must be RELEASE. With VMLINUX (the -dbg package's, with DWARF) it also walks the task list
from init_task and prints "task PID COMM" per task (pid 1 must be there), the reference for
`nkdump analyze -c ps`, and "module NAME" per loaded module (the kernel's `modules` list, drgn's
for_each_module), the reference for `nkdump analyze -c mod`.
"""
import re
import sys

import drgn

path, release = sys.argv[1], sys.argv[2]
vmlinux = sys.argv[3] if len(sys.argv) > 3 else None
prog = drgn.Program()
prog.set_core_dump(path)
with open(path, "rb") as f:
    head = f.read(1 << 22)
m = re.search(rb"SYMBOL\(init_uts_ns\)=([0-9a-f]+)", head)
if not m:
    sys.exit("no SYMBOL(init_uts_ns) in the dump's first 4 MiB")
fields = [x.decode("ascii", "replace") for x in prog.read(int(m.group(1), 16), 400).split(b"\0") if x]
if release not in fields:
    sys.exit("init_uts_ns holds %r, not the release %s" % (fields[:4], release))
print("drgn %s: init_uts_ns names %s" % (drgn.__version__, release))
if vmlinux:
    from drgn.helpers.linux.pid import for_each_task
    prog.load_debug_info([vmlinux])
    tasks = [(t.pid.value_(), t.comm.string_().decode("utf-8", "replace")) for t in for_each_task(prog)]
    for pid, comm in tasks:
        print("task %d %s" % (pid, comm))
    if not any(pid == 1 for pid, _ in tasks):
        sys.exit("no pid 1 among the %d tasks drgn lists" % len(tasks))
    from drgn.helpers.linux.module import for_each_module
    for module in for_each_module(prog):
        print("module %s" % module.name.string_().decode("utf-8", "replace"))
