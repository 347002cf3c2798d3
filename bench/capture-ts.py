#!/usr/bin/python3
"""capture-ts.py - stamp every line of a serial console with the host's clock.

    qemu-system-x86_64 ... -serial stdio | bench/capture-ts.py serial.log

Each line is written to the log as "[ seconds] text", seconds on the host's monotonic clock since
this program started (the guest's own clock restarts with the capture kernel and runs unevenly
under TCG, so only the host can time a crash -> capture -> power-off flow). Carriage returns are
dropped; bytes that are not UTF-8 are kept as they are. The same "[%8.3f] " prefix as the
reference lab's logs, so bench/capture-phases.py reads both.
"""
import sys
import time


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: capture-ts.py LOGFILE < console", file=sys.stderr)
        return 2
    start = time.monotonic()
    with open(sys.argv[1], "wb") as log:
        for raw in iter(sys.stdin.buffer.readline, b""):
            stamp = b"[%8.3f] " % (time.monotonic() - start)
            log.write(stamp + raw.rstrip(b"\r\n").replace(b"\r", b"") + b"\n")
            log.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
