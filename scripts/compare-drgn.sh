#!/usr/bin/env bash
# Compare nkdump analyze (dump alone: kallsyms, BTF, ORC) with drgn using Debian's debug vmlinux
# (DWARF) on a fixture dump: ps (pid ppid cpu state comm), bt of every task (program counters of
# the non-inlined frames) and mod (name, base, size).
#
# Not part of default CI: the debug package is about 1 GB. Usage:
#   scripts/compare-drgn.sh [FIXTURE_DIR] [NKDUMP] [WORK_DIR]
# defaults: ../shared/fixtures/debian-6.1.0-56-amd64, the Debug build under $NKDUMP_ARTIFACTS (or
# artifacts/), /tmp/nkdump-compare-drgn. Needs /usr/bin/python3 with drgn, zstd, dpkg-deb, apt-get.
# Prints a summary and writes WORK_DIR/result.txt; exit 0 when everything agrees.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
fixture=${1:-$here/../shared/fixtures/debian-6.1.0-56-amd64}
nkdump=${2:-${NKDUMP_ARTIFACTS:-$here/artifacts}/bin/Nkdump.Cli/debug/nkdump}
work=${3:-/tmp/nkdump-compare-drgn}
mkdir -p "$work"

release=$(basename "$fixture" | sed -e 's/^debian-//')
map=$(ls "$fixture"/System.map-* | head -1)
release=${map##*/System.map-}
package="linux-image-${release}-dbg"
vmlinux="$work/usr/lib/debug/boot/vmlinux-${release}"

if [[ ! -f $vmlinux ]]; then
    if ! ls "$work"/${package}_*.deb >/dev/null 2>&1; then
        echo "downloading $package (about 1 GB)…" >&2
        (cd "$work" && apt-get download "$package")
    fi
    deb=$(ls "$work"/${package}_*.deb | head -1)
    echo "extracting vmlinux from $deb…" >&2
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./usr/lib/debug/boot/vmlinux-${release}"
fi

vmcore="$work/vmcore.elf"
if [[ ! -f $vmcore ]]; then
    zstd -q -d --long=30 -f "$fixture/vmcore.elf.zst" -o "$vmcore"
fi

echo "nkdump: $nkdump analyze (no vmlinux, no System.map)" >&2
"$nkdump" analyze "$vmcore" --json -c ps -c "foreach bt" -c mod > "$work/nkdump.json" || true

echo "drgn $(/usr/bin/python3 -c 'import drgn; print(drgn.__version__)') with $vmlinux" >&2
/usr/bin/python3 - "$vmcore" "$vmlinux" > "$work/drgn.json" <<'PY'
import json, sys
import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.sched import task_state_to_char, task_cpu
from drgn.helpers.linux.list import list_for_each_entry

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])

tasks, stacks = [], {}
for t in for_each_task(prog):
    pid = t.pid.value_()
    tasks.append([pid, t.real_parent.tgid.value_() if t.real_parent.pid.value_() != pid else 0,
                  task_cpu(t), task_state_to_char(t), t.comm.string_().decode()])
    try:
        stacks[pid] = [hex(f.pc) for f in prog.stack_trace(t) if not f.is_inline]
    except Exception as e:
        stacks[pid] = "error: %s: %s" % (type(e).__name__, e)

modules = []
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    name = m.name.string_().decode()
    try:
        base, size = m.mem[0].base.value_(), sum(m.mem[i].size.value_() for i in range(4))
    except (AttributeError, LookupError):
        base, size = m.core_layout.base.value_(), m.core_layout.size.value_()
    modules.append([name, hex(base), size])

json.dump({"tasks": tasks, "stacks": stacks, "modules": modules}, sys.stdout)
PY

/usr/bin/python3 - "$work/nkdump.json" "$work/drgn.json" <<'PY' | tee "$work/result.txt"
import json, sys
ours = {a["command"]: a["result"] for a in json.load(open(sys.argv[1]))}
drgn = json.load(open(sys.argv[2]))
ok = True

our_tasks = [[t["pid"], t["ppid"], t["cpu"], t["state"], t["comm"]] for t in ours["ps"]["tasks"] if not t["idle"]]
same = our_tasks == drgn["tasks"]
ok &= same
print("ps:  %d tasks (nkdump) vs %d (drgn): %s" % (len(our_tasks), len(drgn["tasks"]), "identical" if same else "DIFFERENT"))
if not same:
    for row in [r for r in drgn["tasks"] if r not in our_tasks][:10]: print("  only drgn:  ", row)
    for row in [r for r in our_tasks if r not in drgn["tasks"]][:10]: print("  only nkdump:", row)

agree, differ = 0, []
for stack in ours["foreach bt"]["stacks"]:
    if stack["task"] is None or stack["pid"] == 0:
        continue  # drgn's for_each_task does not list the idle tasks
    mine = [f["ip"] for f in stack["frames"]]
    theirs = drgn["stacks"].get(str(stack["pid"]))
    if mine == theirs:
        agree += 1
    else:
        differ.append((stack["pid"], stack["comm"], mine, theirs))
ok &= not differ
print("bt:  %d stacks identical (program counter of every non-inlined frame), %d differ" % (agree, len(differ)))
for pid, comm, mine, theirs in differ[:10]:
    print("  pid %d %s\n    nkdump: %s\n    drgn:   %s" % (pid, comm, " ".join(mine), theirs if isinstance(theirs, str) else " ".join(theirs or [])))

our_mods = [[m["name"], m["base"], int(m["size"])] for m in ours["mod"]["modules"]]
same = our_mods == drgn["modules"]
ok &= same
print("mod: %d modules (nkdump) vs %d (drgn): %s" % (len(our_mods), len(drgn["modules"]), "identical" if same else "DIFFERENT"))
print("RESULT:", "all identical" if ok else "differences above")
sys.exit(0 if ok else 1)
PY
