#!/usr/bin/python3
"""tests/oracles/kdumpfile_stack.py DUMP ADDRESS [COUNT] [COMPLETE] - reads COUNT (default 16) 64-bit
words of kernel virtual memory at ADDRESS (hex: the crashing task's stack pointer) from DUMP with
libkdumpfile, through its own address translation (so the kernel's page tables must be in the dump
too), and prints them as "ADDRESS: VALUE" lines. With COMPLETE (a complete dump of the same crash),
the same words are read there and must be equal. Then prints "pages readable N missing M" for the
frames in DUMP's pagemap: a page an incomplete dump never got is an error for libkdumpfile (its
descriptor is zero), not silent zeros. Exits 1 when the words cannot be read or differ, 2 on usage.

Written for sid's python3-libkdumpfile 0.5.5 (tests/oracles/oracle.sh python3 ...).
"""
import sys

import kdumpfile


def words(ctx, address, count):
    data = bytes(ctx.read(kdumpfile.KVADDR, address, 8 * count))
    return [int.from_bytes(data[i:i + 8], "little") for i in range(0, len(data), 8)]


def page_counts(ctx):
    bmp = ctx.attr["file.pagemap"]
    page_size = ctx.attr["arch.page_size"]
    readable = missing = 0
    pfn = 0
    while True:
        try:
            first = bmp.find_set(pfn)
        except kdumpfile.NoDataError:
            break
        end = bmp.find_clear(first)
        for frame in range(first, end):
            try:
                ctx.read(kdumpfile.MACHPHYSADDR, frame * page_size, page_size)
                readable += 1
            except Exception:  # noqa: BLE001 - libkdumpfile's error for a missing page
                missing += 1
        pfn = end
    return readable, missing


def open_dump(path):
    ctx = kdumpfile.Context()
    ctx.open(path)
    # Virtual addresses are translated the Linux way (page tables from the dump, 5-level paging
    # from VMCOREINFO): libkdumpfile does not assume the OS by itself.
    ctx.attr["addrxlat.ostype"] = "linux"
    return ctx


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    ctx = open_dump(sys.argv[1])
    address = int(sys.argv[2], 16)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    try:
        got = words(ctx, address, count)
    except Exception as e:  # noqa: BLE001 - any failure to read the stack is the finding
        print(f"{sys.argv[1]}: cannot read {count} words at {address:#x}: {e}")
        return 1
    for i, value in enumerate(got):
        print(f"{address + 8 * i:x}: {value:016x}")
    if len(sys.argv) > 4:
        if words(open_dump(sys.argv[4]), address, count) != got:
            print(f"the words differ from {sys.argv[4]}'s")
            return 1
    readable, missing = page_counts(ctx)
    print(f"pages readable {readable} missing {missing}")
    return 0


sys.exit(main())
