#!/usr/bin/python3
"""tests/e2e/pageset_tasks.py ELF_VMCORE FRAMES_FILE TASK_ADDRESS... - how many of the tasks (their
task_struct's direct-map address, as `nkdump analyze -c ps` prints it) start on a page frame listed
in FRAMES_FILE (lines "PFN[-PFN]", hex: kdumpfile_pages.py's EXTRA_FILE). Prints "N of M".

The direct map's offset (virtual - physical) is read from the ELF vmcore's own program headers
(the kernel's /proc/vmcore gives each RAM segment its direct-map address), not from nkdump.
"""
import struct
import sys

KERNEL_TEXT = 0xFFFFFFFF80000000  # segments at or above are the kernel image's mapping


def direct_map_offset(path):
    with open(path, "rb") as elf:
        header = elf.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:
            raise SystemExit(f"{path}: not a 64-bit ELF file")
        phoff, = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        offsets = set()
        for index in range(phnum):
            elf.seek(phoff + index * phentsize)
            p_type, _, _, p_vaddr, p_paddr = struct.unpack("<IIQQQ", elf.read(32))
            if p_type == 1 and 0 < p_vaddr < KERNEL_TEXT:
                offsets.add(p_vaddr - p_paddr)
    if len(offsets) != 1:
        raise SystemExit(f"{path}: {len(offsets)} direct-map offsets among the PT_LOADs, not one")
    return offsets.pop()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    offset = direct_map_offset(sys.argv[1])
    frames = set()
    with open(sys.argv[2], encoding="ascii") as runs:
        for line in runs:
            bounds = line.strip().split("-")
            if bounds[0]:
                frames.update(range(int(bounds[0], 16), int(bounds[-1], 16) + 1))
    tasks = [int(address, 16) for address in sys.argv[3:]]
    on_frames = sum(1 for address in tasks if (address - offset) >> 12 in frames)
    print(f"{on_frames} of {len(tasks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
