#!/usr/bin/python3
"""tests/oracles/kdumpfile_pages.py REFERENCE CANDIDATE [EXTRA_FILE] - compares the page frames two
kdump-compressed dumps of one vmcore store, as libkdumpfile reads them (each file's pagemap, the
attribute "file.pagemap": for this format its second bitmap, the pages whose data the file holds).
REFERENCE is makedumpfile's output, CANDIDATE nkdump's; neither is read by nkdump here.

Prints one line "reference N candidate M missing K extra E" (K: frames REFERENCE stores and
CANDIDATE does not; E: the reverse), then "missing PFN[-PFN]" lines (the first 50 runs); with
EXTRA_FILE, every run of the E frames as "PFN[-PFN]" lines there. Exits 1 when a frame is missing,
2 when a file cannot be read.

Written for sid's python3-libkdumpfile 0.5.5 (tests/oracles/oracle.sh python3 ...).
"""
import sys

import kdumpfile


def open_dump(path):
    ctx = kdumpfile.Context()
    ctx.open(path)
    return ctx


def stored_runs(path):
    """The runs [first, last] of page frames the file stores, from its pagemap."""
    ctx = open_dump(path)
    bmp = ctx.attr["file.pagemap"]
    runs = []
    pfn = 0
    while True:
        try:
            first = bmp.find_set(pfn)
        except kdumpfile.NoDataError:  # no set bit from pfn on
            break
        try:
            end = bmp.find_clear(first)
        except kdumpfile.NoDataError:
            raise SystemExit(f"{path}: the pagemap has no end after PFN {first:#x}")
        runs.append((first, end - 1))
        pfn = end
    return runs


def expand(runs):
    return {pfn for first, last in runs for pfn in range(first, last + 1)}


def as_runs(pfns):
    runs = []
    for pfn in sorted(pfns):
        if runs and runs[-1][1] == pfn - 1:
            runs[-1][1] = pfn
        else:
            runs.append([pfn, pfn])
    return runs


def run_text(first, last):
    return f"{first:#x}" + (f"-{last:#x}" if last != first else "")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        reference = expand(stored_runs(sys.argv[1]))
        candidate = expand(stored_runs(sys.argv[2]))
    except Exception as error:  # libkdumpfile's errors have no common base across versions
        print(f"cannot read a pagemap: {error}", file=sys.stderr)
        return 2
    missing = reference - candidate
    extra = candidate - reference
    print(f"reference {len(reference)} candidate {len(candidate)} missing {len(missing)} extra {len(extra)}")
    for first, last in as_runs(missing)[:50]:
        print(f"missing {run_text(first, last)}")
    if len(sys.argv) == 4:
        with open(sys.argv[3], "w", encoding="ascii") as extra_file:
            for first, last in as_runs(extra):
                extra_file.write(run_text(first, last) + "\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
