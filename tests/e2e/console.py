#!/usr/bin/python3
"""tests/e2e/console.py - what the crashed kernel printed on its console, against what nkdump says.

  console.py show SERIAL_LOG              the first kernel's panic as parsed: reason, cause headline,
                                          CPU/PID/comm, the Call Trace frames compared (one a line)
  console.py info SERIAL_LOG INFO_TXT     `nkdump info` names the panic line or the headline before
                                          it (oops, BUG, soft lockup; that one always), CPU, PID, comm,
                                          and after an oops its RIP as the console's "RIP: 0010:" line
  console.py bt SERIAL_LOG BT_TXT         `nkdump analyze -c bt` = the console's Call Trace
  console.py blocked SERIAL_LOG PID BT_TXT  `bt PID` of a task a hung-task report printed = that trace

Exit 0 when they agree; otherwise 1, with the expected and actual lines on stdout.

Only the first kernel's lines count (up to the capture kernel's "Linux version"). Which console
trace is the crashing task's: panic() prints "Kernel panic - not syncing: REASON" and then, unless
an oops is in progress, the CPU/PID/Comm line and its own Call Trace (sysrq, OOM, hung task, soft
lockup). After an oops or BUG() with oops=panic the kernel does not even call panic() when a crash
kernel is loaded: oops_end() calls crash_kexec() with the oops' registers, so there is no panic
line, and the oops report is the crashing task's (its headline, e.g. "BUG: kernel NULL pointer
dereference, address: 0", its CPU line, "RIP: 0010:func+off/size [mod]" = the faulting
instruction, then its Call Trace); with a panic line but no trace after it, the same holds. The
panic reason nkdump must give is then that headline.

What is compared: the trace's reliable frames (lines marked "?" are guesses of the printer's stack
scan and are left out), in order, as "func+0xOFF [module]" (offsets are the return addresses', so
they are the same in the dump) and the function's size, "/0xSIZE", which nkdump prints as the kernel does,
including "RIP: 0010:..." lines inside the trace (an interrupted kernel context: its RIP is a
frame). The printing frames at the top of a panic() trace (dump_stack*, vpanic, panic) are not
part of it: the dump's stack was saved at crash_kexec, below panic(), so there `panic` is the
frame just above the compared ones. nkdump's frames must END with exactly these frames; its
frames above them (crash_kexec, panic, the exception entry) are its own business, except that for
a panic() trace the frame right above must be panic or vpanic. User-space frames (RIP: 0033,
nkdump's "(user space)") are not compared.
"""
import re
import sys

TS = re.compile(r"^\[\s*\d+\.\d+\] ?")
PANIC = re.compile(r"Kernel panic - not syncing: .*")
CPU = re.compile(r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)")
FRAME = re.compile(r"^\s+(\? )?([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?\s*$")
RIP = re.compile(r"^\s*RIP: (\w{4}):(?:([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?|(\S+))")
MARK = re.compile(r"^\s+</?(TASK|IRQ|NMI|SOFTIRQ|#\w+|EOE)>\s*$")
REGS = re.compile(r"^\s*(RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d+|FS|GS|CS|DS|ES|CR\d|DR\d|Code|PKRU|EFLAGS)[: ]")
# A cause headline printed before the panic line: an oops' or BUG()'s first line, a soft lockup's.
CAUSES = [
    re.compile(r"(?:watchdog: )?BUG: soft lockup - CPU#\d+ stuck for \d+s! \[\S+\]"),
    re.compile(r"BUG: kernel NULL pointer dereference, address: \w+"),
    re.compile(r"kernel BUG at \S+:\d+!"),
    re.compile(r"BUG: unable to handle page fault for address: \w+"),
]
PRINTERS = {"dump_stack", "dump_stack_lvl", "show_stack", "vpanic", "panic"}


REPLAY = "** replaying previous printk message **"


class ConsoleLine(str):
    """A console line without its timestamp; .kernel says whether it had one (printk's) or came
    from user space (guest-init.sh, `nkdump test`) writing to the same serial port."""

    def __new__(cls, text, kernel):
        line = super().__new__(cls, text)
        line.kernel = kernel
        return line


def lines_of(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    lines = [ConsoleLine(TS.sub("", line), TS.match(line) is not None) for line in text.split("\n")]
    # When another CPU's printk interrupts a console line, the kernel prints that line's start,
    # then "** replaying previous printk message **" and the whole line again: the cut line and
    # the marker go.
    out = []
    for line in lines:
        if line.strip() == REPLAY:
            if out:
                out.pop()
            continue
        out.append(line)
    return out


def frame_text(name, off, size, mod):
    sized = "/0x%x" % int(size, 16) if size else ""
    return "%s+0x%x%s%s" % (name, int(off, 16), sized, " [%s]" % mod if mod else "")


def parse_trace(lines, start):
    """Frames of the Call Trace starting at lines[start] ("Call Trace:"), reliable ones only."""
    frames = []
    for line in lines[start + 1:]:
        m = FRAME.match(line)
        if m:
            if not m.group(1):
                frames.append(frame_text(m.group(2), m.group(3), m.group(4), m.group(5)))
            continue
        m = RIP.match(line)
        if m:
            if m.group(1) == "0010" and m.group(2):
                frames.append(frame_text(m.group(2), m.group(3), m.group(4), m.group(5)))
            continue
        if MARK.match(line) or REGS.match(line) or line.strip() == "":
            continue
        # guest-init.sh's own "E2E: ..." lines and `nkdump test`'s share the serial port: one
        # printed just before the crash can land inside the trace (seen on 6.12: "E2E: crashing:
        # sysrq" before its last frame; on 6.1 under load, nkdump test's two lines after "Call Trace:").
        if line.startswith("E2E: ") or not getattr(line, "kernel", True):
            continue
        if re.match(r"^\s+\? ", line) or re.match(r"^\s+0x[0-9a-f]+$", line):
            continue
        break
    return frames


class Panic:
    def __init__(self, path):
        lines = lines_of(path)
        boots = [i for i, l in enumerate(lines) if l.startswith("Linux version ")]
        if len(boots) > 1:
            lines = lines[:boots[1]]
        p = next((i for i, l in enumerate(lines) if PANIC.search(l)), None)
        self.panic = PANIC.search(lines[p]).group(0).strip() if p is not None else None
        if p is None:
            p = len(lines)
        end = next((i for i in range(p + 1, len(lines))
                    if re.search(r"---\[ end Kernel panic|Kernel Offset:", lines[i])), len(lines))
        trace = next((i for i in range(p + 1, end) if "Call Trace:" in lines[i]), None)
        self.from_panic = trace is not None
        if trace is None:
            # An oops: its report, the last one before the panic line.
            trace = max((i for i in range(p) if "Call Trace:" in lines[i]), default=None)
            if trace is None:
                raise SystemExit("no panic line and no Call Trace in %s" % path)
            first = max(i for i in range(trace) if CPU.search(lines[i]))
        else:
            first = max((i for i in range(p, trace) if CPU.search(lines[i])), default=p)
        m = CPU.search(lines[first])
        if not m:
            raise SystemExit("no CPU/PID/Comm line for the panic in %s" % path)
        self.cpu, self.pid, self.comm = int(m.group(1)), int(m.group(2)), m.group(3)
        frames = parse_trace(lines, trace)
        if not self.from_panic:
            rip = [RIP.match(l) for l in lines[first:trace]]
            rip = [r for r in rip if r and r.group(1) == "0010" and r.group(2)]
            if rip:
                frames.insert(0, frame_text(rip[-1].group(2), rip[-1].group(3), rip[-1].group(4), rip[-1].group(5)))
        else:
            while frames and frames[0].split("+")[0] in PRINTERS:
                frames.pop(0)
        self.frames = frames
        self.cause = None
        for line in lines[:trace]:
            for c in CAUSES:
                m = c.search(line)
                if m and self.cause is None:
                    self.cause = m.group(0)
        self.lines = lines


def nkdump_frames(path):
    """(header, frames) of `nkdump analyze -c bt` output: kernel frames as func+0xOFF [mod]."""
    header, frames = None, []
    for line in open(path, errors="replace"):
        if line.startswith("PID:"):
            if header is not None:
                break
            header = line.strip()
            continue
        m = re.match(r"^\s*#\d+\s+\[[^\]]*\]\s+(.*?)\s+at\s+[0-9a-f]+\s*(.*)$", line)
        if not m:
            continue
        what, note = m.group(1), m.group(2)
        if "user space" in note:
            continue
        f = re.match(r"^([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)(?:/0x([0-9a-f]+))?(?: \[(\w+)\])?$", what)
        frames.append(frame_text(f.group(1), f.group(2), f.group(3), f.group(4)) if f else what)
    return header, frames


def compare_frames(expected, header, actual, want_panic_above, who):
    ok = True
    n = len(expected)
    if n == 0:
        print("the console shows no frames to compare")
        return False
    if actual[-n:] != expected:
        ok = False
        print("the backtrace does not end with the console's Call Trace")
    elif want_panic_above:
        above = actual[-n - 1].split("+")[0] if len(actual) > n else None
        if above not in ("panic", "vpanic"):
            ok = False
            print("the frame above the console's frames is %s, not panic/vpanic" % above)
    if who and (header is None or not re.search(who, header)):
        ok = False
        print("header %r does not match /%s/" % (header, who))
    if not ok:
        print("expected (console, last %d frames):" % n)
        print("".join("  %s\n" % f for f in expected), end="")
        print("actual (nkdump):")
        print("".join("  %s\n" % f for f in actual), end="")
    return ok


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "show" and len(argv) == 3:
        p = Panic(argv[2])
        print("panic: %s\ncause: %s\ncpu %d pid %d comm %s\ntrace from: %s" % (
            p.panic, p.cause, p.cpu, p.pid, p.comm, "panic()" if p.from_panic else "the oops report"))
        print("".join("  %s\n" % f for f in p.frames), end="")
        return 0
    if cmd == "info" and len(argv) == 4:
        p = Panic(argv[2])
        info = open(argv[3], errors="replace").read()
        ok = True
        m = re.search(r"^Panic:\s+(.*)$", info, re.M)
        got = m.group(1).strip() if m else None
        # The reason is the panic line or, where the console printed one, the headline of what
        # led to it (an oops, BUG(), a soft lockup): either may be info's Panic line, and such a
        # headline must be in info's output.
        allowed = [x for x in (p.panic, p.cause) if x]
        if got not in allowed:
            ok = False
            print("Panic line: expected one of %r, actual %r" % (allowed, got))
        if p.cause and p.cause not in info:
            ok = False
            print("the headline %r is not in nkdump info" % p.cause)
        if not p.from_panic and p.frames:
            # The crash came from an oops: its faulting RIP, symbolized, is info's RIP too.
            m = re.search(r"^RIP:\s+(.*)$", info, re.M)
            rip = m.group(1).strip() if m else None
            if rip is None or not re.search(r"\s%s$" % re.escape(p.frames[0]), rip):
                ok = False
                print("RIP line: expected the console's %r, actual %r" % (p.frames[0], rip))
        m = re.search(r"^Crashing CPU:\s+(\d+), PID (\d+) \(([^)]*)\)", info, re.M)
        want = (p.cpu, p.pid, p.comm)
        got = (int(m.group(1)), int(m.group(2)), m.group(3)) if m else None
        if got != want:
            ok = False
            print("Crashing CPU: expected cpu %d pid %d comm %s, actual %s" % (want + (
                "cpu %d pid %d comm %s" % got if got else "no 'Crashing CPU:' line",)))
        return 0 if ok else 1
    if cmd == "bt" and len(argv) == 4:
        p = Panic(argv[2])
        header, frames = nkdump_frames(argv[3])
        who = r'^PID: %d\s.*CPU: %d\s.*COMMAND: "%s"' % (p.pid, p.cpu, re.escape(p.comm))
        return 0 if compare_frames(p.frames, header, frames, p.from_panic, who) else 1
    if cmd == "blocked" and len(argv) == 5:
        lines = lines_of(argv[2])
        pid = int(argv[3])
        # sched_show_task: "task:sh  state:D stack:0 pid:95 ..." then its Call Trace.
        t = next((i for i, l in enumerate(lines) if re.search(r"task:\S+\s+state:D.*pid:\s*%d\b" % pid, l)), None)
        if t is None:
            print("the console shows no blocked-task report for pid %d" % pid)
            return 1
        trace = next(i for i in range(t, len(lines)) if "Call Trace:" in lines[i])
        expected = parse_trace(lines, trace)
        header, frames = nkdump_frames(argv[4])
        return 0 if compare_frames(expected, header, frames, False, r"^PID: %d\s" % pid) else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
