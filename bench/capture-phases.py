#!/usr/bin/python3
"""capture-phases.py - phase timings of a kdump crash -> capture -> power-off run, read from a serial
console log stamped on the host ("[ seconds] text", bench/capture-ts.py or the lab's ts.py).

    capture-phases.py phases LOG FLOW [key=value ...]   one JSON line: events, phases, extra keys
    capture-phases.py table RESULTS.jsonl               markdown: median per kernel and flow

FLOW is "nkdump" (the capture initramfs runs `nkdump save`, which prints "nkdump: ..." lines) or
"lab" (../shared/lab's guest-init.sh with labcap=min: makedumpfile --dump-dmesg, then
makedumpfile -l -d 31, with "LAB: MARK/TIMED" lines). The milestones:

  sysrq      "sysrq: Trigger a crash" (the first kernel's last act)
  console    the capture kernel's "Linux version" line reaches the serial port (the console is
             registered a little after the kernel started; its earlier lines are replayed then)
  init       the capture kernel's "Run /init as init process" (user space starts)
  collect    the core collector starts on /proc/vmcore (modules, mount and dmesg are done)
  written    the collector finished the -l -d 31 dump
  off        "reboot: Power down" (or the last console line when it is missing)
"""
import json
import re
import statistics
import sys

STAMP = re.compile(rb"\[\s*([0-9]+\.[0-9]+)\] (.*)")

# (milestone, substring per flow); each is searched after the previous milestone's line.
MILESTONES = [
    ("sysrq", {"nkdump": "sysrq: Trigger a crash", "lab": "sysrq: Trigger a crash"}),
    ("console", {"nkdump": "Linux version", "lab": "Linux version"}),
    ("init", {"nkdump": "Run /init as init process", "lab": "Run /init as init process"}),
    ("collect", {"nkdump": "nkdump: saving vmcore to", "lab": "LAB: MARK begin-mdf-l-d31"}),
    ("written", {"nkdump": "nkdump: saving vmcore complete", "lab": "LAB: TIMED mdf-l-d31 rc=0"}),
    ("off", {"nkdump": "reboot: Power down", "lab": "reboot: Power down"}),
]

# phase name -> (from milestone, to milestone), in table order
PHASES = [
    ("crash_to_console", "sysrq", "console"),
    ("console_to_init", "console", "init"),
    ("init_to_collect", "init", "collect"),
    ("collect", "collect", "written"),
    ("written_to_off", "written", "off"),
    ("crash_to_init", "sysrq", "init"),
    ("crash_to_written", "sysrq", "written"),
    ("total", "sysrq", "off"),
]
# table headings (seconds)
HEADINGS = {
    "crash_to_console": "sysrq→console", "console_to_init": "console→/init", "init_to_collect": "/init→collect",
    "collect": "collect→written", "written_to_off": "written→off", "crash_to_init": "sysrq→/init",
    "crash_to_written": "sysrq→written", "total": "sysrq→off",
}


def read_log(path):
    lines = []
    with open(path, "rb") as f:
        for raw in f:
            m = STAMP.match(raw.rstrip(b"\n"))
            if m:
                lines.append((float(m.group(1)), m.group(2).decode("utf-8", "replace")))
    return lines


def phases(path, flow, extra):
    lines = read_log(path)
    events = {}
    i = 0
    for name, needles in MILESTONES:
        needle = needles[flow]
        while i < len(lines) and needle not in lines[i][1]:
            i += 1
        if i == len(lines):
            break
        events[name] = lines[i][0]
    # a capture that ended without "reboot: Power down" (qemu killed, panic reboot): last line
    if "written" in events and "off" not in events and lines:
        events["off"] = lines[-1][0]
        extra["off_is_last_line"] = True
    result = {"flow": flow, "log": path, "events": events}
    result["phases"] = {p: round(events[b] - events[a], 3) for p, a, b in PHASES if a in events and b in events}
    result["complete"] = all(m in events for m, _ in MILESTONES)
    result.update(extra)
    return result


def table(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    groups = {}
    for r in rows:
        groups.setdefault((r.get("kernel", "?"), r["flow"]), []).append(r)
    heads = ["kernel", "flow", "runs"] + [HEADINGS[p] for p, _, _ in PHASES] + ["sysrq→off min-max", "dump MB", "load 1-min"]
    print("| " + " | ".join(heads) + " |")
    print("|" + "---|" * 3 + "---:|" * (len(PHASES) + 3))
    for (kernel, flow), rs in sorted(groups.items()):
        ok = [r for r in rs if r["complete"]]
        cells = [kernel, flow, "%d of %d" % (len(ok), len(rs))]
        for p, _, _ in PHASES:
            vals = [r["phases"][p] for r in ok if p in r["phases"]]
            cells.append("%.1f" % statistics.median(vals) if vals else "n/a")
        totals = [r["phases"]["total"] for r in ok if "total" in r["phases"]]
        cells.append("%.1f-%.1f" % (min(totals), max(totals)) if totals else "n/a")
        sizes = [int(r["dump_bytes"]) for r in ok if int(r.get("dump_bytes", 0)) > 0]
        cells.append("%.1f" % (statistics.median(sizes) / 1e6) if sizes else "n/a")
        loads = [float(r["load_before"].split("/")[0]) for r in rs if "load_before" in r]
        cells.append("%.0f" % statistics.median(loads) if loads else "n/a")
        print("| " + " | ".join(cells) + " |")


def main(argv):
    if len(argv) >= 3 and argv[1] == "phases" and argv[3:4] and argv[3] in ("nkdump", "lab"):
        extra = dict(kv.split("=", 1) for kv in argv[4:])
        print(json.dumps(phases(argv[2], argv[3], extra), sort_keys=True))
        return 0
    if len(argv) == 3 and argv[1] == "table":
        table(argv[2])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
