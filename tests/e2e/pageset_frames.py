#!/usr/bin/python3
"""tests/e2e/pageset_frames.py VMCORE VMLINUX FRAMES_FILE... - what the page frames listed in each
FRAMES_FILE (lines "PFN[-PFN]", hex: kdumpfile_pages.py's EXTRA_FILE, the frames nkdump keeps and
makedumpfile 1.7.8 drops) hold, as drgn reads them from VMCORE (the unfiltered ELF, so every
struct page is there) with VMLINUX's DWARF (the kernel's -dbg package).

Each frame gets one kind, from the kernel's own records of the frame:
  slab CACHE      the frame is (part of) a slab: PageSlab on compound_head, cache from
                  slab_object_info (or the struct slab's slab_cache)
  page table      the page's type is PGTY_table (enum pagetype, 6.10 on)
  task stack      a task's kernel stack (task.stack, through the vmalloc mapping with VMAP_STACK)
  vmalloc         a page of a vmalloc area (vm_struct.pages)
  typed NAME      another page type (enum pagetype: offline, guard, hugetlb, zsmalloc, ...)
  reserved        PG_reserved
  free            in the buddy allocator: PGTY_buddy (before 6.10: VMCOREINFO's
                  PAGE_BUDDY_MAPCOUNT_VALUE) on the frame or on the head of a free block of a
                  higher order that covers it
  user anon       folio->mapping with PAGE_MAPPING_ANON (anonymous user memory)
  user file       folio->mapping without the low bits (page cache)
  unclassified    none of these (with the frame's refcount and flags)
Prints, per FRAMES_FILE, "FILE: N frames: KIND n, ..." (slab frames counted together, with their
caches on the next line) then one line per frame "PFN KIND"; exits 1
when a frame is free or user memory (nkdump kept a frame with no kernel data), 2 on a usage error.

Written for sid's python3-drgn 0.3.0 (tests/oracles/oracle.sh python3 ...); 7.x's struct page is
the one that matters (only there do the two filters keep different frames).
"""
import collections
import re
import sys

import drgn
from drgn import Object
from drgn.helpers.linux.mm import PageReserved, PageSlab, compound_head, page_flags, pfn_to_page
from drgn.helpers.linux.pid import for_each_task

MAX_BUDDY_ORDER = 11  # covers MAX_PAGE_ORDER 10 (x86_64) with room
PAGE_SHIFT = 12


def read_frames(path):
    frames = []
    with open(path, encoding="ascii") as runs:
        for line in runs:
            bounds = line.strip().split("-")
            if bounds[0]:
                frames.extend(range(int(bounds[0], 16), int(bounds[-1], 16) + 1))
    return frames


class Classifier:
    def __init__(self, prog):
        self.prog = prog
        self.page_size = prog.type("struct page").size
        self.vmemmap = pfn_to_page(prog, 0).value_()
        self.types = self._page_types()
        self.buddy_mapcount = None if self.types else self._buddy_mapcount()
        self.stacks = self._stack_frames()
        self.vmalloc = self._vmalloc_frames()

    def _page_types(self):
        """The page types' top-byte values (enum pagetype, 6.10 on), by name without PGTY_."""
        try:
            enum = self.prog.type("enum pagetype")
        except LookupError:
            return {}
        return {value: name[len("PGTY_"):] for name, value in enum.enumerators
                if name.startswith("PGTY_") and name != "PGTY_mapcount_underflow"}

    def page_type(self, page):
        if not self.types:
            return None
        try:
            value = page.page_type.value_()
        except (AttributeError, LookupError):
            return None
        return self.types.get((value >> 24) & 0xFF)

    def _pfn_of_page_pointer(self, address):
        return (address - self.vmemmap) // self.page_size

    def _stack_frames(self):
        frames = set()
        for task in for_each_task(self.prog):
            stack = task.stack.value_()
            try:
                area = task.stack_vm_area
                pages = area.pages
                for index in range(area.nr_pages.value_()):
                    frames.add(self._pfn_of_page_pointer(pages[index].value_()))
                continue
            except (AttributeError, LookupError, drgn.FaultError):
                pass
            try:  # no VMAP_STACK: the stack is in the direct map, THREAD_SIZE 16 KiB on x86_64
                offset = self.prog["page_offset_base"].value_()
                for page in range(4):
                    frames.add(((stack - offset) >> PAGE_SHIFT) + page)
            except (LookupError, drgn.FaultError):
                pass
        return frames

    def _vmalloc_frames(self):
        frames = set()
        try:
            from drgn.helpers.linux.mm import for_each_vmap_area
            areas = list(for_each_vmap_area(self.prog))
        except (ImportError, LookupError, drgn.FaultError):
            return frames
        for area in areas:
            try:
                vm = area.vm
                if not vm:
                    continue
                count = vm.nr_pages.value_()
                if not vm.pages or count <= 0 or count > 1 << 20:
                    continue
                raw = self.prog.read(vm.pages.value_(), count * 8)
                for index in range(count):
                    pointer = int.from_bytes(raw[index * 8:index * 8 + 8], "little")
                    if pointer:
                        frames.add(self._pfn_of_page_pointer(pointer))
            except (AttributeError, LookupError, drgn.FaultError):
                continue
        return frames

    def _buddy_mapcount(self):
        """Before 6.10's enum pagetype: the buddy marker's _mapcount value from VMCOREINFO."""
        match = re.search(rb"^NUMBER\(PAGE_BUDDY_MAPCOUNT_VALUE\)=(-?[0-9]+)$",
                          self.prog["VMCOREINFO"].string_(), flags=re.M)
        return int(match.group(1)) if match else None

    def is_buddy(self, page):
        if self.types:
            return self.page_type(page) == "buddy"
        return self.buddy_mapcount is not None and page._mapcount.counter.value_() == self.buddy_mapcount

    def _free(self, pfn):
        """The buddy marker on the frame, or on the head of a free block of a higher order covering
        it."""
        for order in range(MAX_BUDDY_ORDER):
            base = pfn & ~((1 << order) - 1)
            page = pfn_to_page(self.prog, base)
            if self.is_buddy(page) and base + (1 << page.private.value_()) > pfn:
                return True
        return False

    def classify(self, pfn):
        try:
            page = pfn_to_page(self.prog, pfn)
            head = compound_head(page)
            if PageSlab(head):
                return "slab " + self._slab_cache_name(pfn, head)
            kind = self.page_type(head)
            if kind == "table":
                return "page table"
            if pfn in self.stacks:
                return "task stack"
            if self._free(pfn):
                return "free"
            if kind:
                return "typed " + kind
            if pfn in self.vmalloc:
                return "vmalloc"
            if PageReserved(head):
                return "reserved"
            mapping = head.mapping.value_()
            if mapping & 1:
                return "user anon"
            if mapping and not mapping & 3:
                return "user file"
            return "unclassified refcount=%d flags=%#x" % (head._refcount.counter.value_(), page_flags(head).value_())
        except (drgn.FaultError, LookupError, ValueError) as error:
            return "unclassified (%s)" % str(error).replace("\n", " ")[:80]

    def _slab_cache_name(self, pfn, head):
        try:
            from drgn.helpers.linux.slab import slab_object_info
            info = slab_object_info(self.prog, self.prog["page_offset_base"].value_() + (pfn << PAGE_SHIFT))
            if info is not None and info.slab_cache:
                return info.slab_cache.name.string_().decode("ascii", "replace")
        except (ImportError, LookupError, drgn.FaultError, ValueError):
            pass
        try:
            slab = Object(self.prog, "struct slab *", value=head.value_())
            return slab.slab_cache.name.string_().decode("ascii", "replace")
        except (LookupError, drgn.FaultError):
            return "(cache unknown)"


def summary_kind(kind):
    """The kind a count is kept under: slab caches and unclassified frames' details are counted
    apart (the cache breakdown) or only listed."""
    for family in ("slab", "unclassified"):
        if kind.startswith(family):
            return family
    return kind


def by_count(counter):
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def summary(counts, caches):
    """'slab 348 (45 caches, most: shmem_inode_cache 61, ...), typed large_kmalloc 12'."""
    parts = []
    for kind, count in by_count(counts):
        if kind == "slab":
            top = ", ".join("%s %d" % item for item in by_count(caches)[:5])
            parts.append("slab %d (%d caches, most: %s)" % (count, len(caches), top))
        else:
            parts.append("%s %d" % (kind, count))
    return ", ".join(parts) or "none"


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[1])
    prog.load_debug_info([sys.argv[2]])
    classifier = Classifier(prog)
    kinds = {}
    no_kernel_data = 0
    for path in sys.argv[3:]:
        frames = read_frames(path)
        counts = collections.Counter()
        caches = collections.Counter()
        lines = []
        for pfn in frames:
            if pfn not in kinds:
                kinds[pfn] = classifier.classify(pfn)
            kind = kinds[pfn]
            counts[summary_kind(kind)] += 1
            if kind.startswith("slab "):
                caches[kind[len("slab "):]] += 1
            lines.append("%#x %s" % (pfn, kind))
            if kind == "free" or kind.startswith("user "):
                no_kernel_data += 1
        print("%s: %d frames: %s" % (path, len(frames), summary(counts, caches)))
        if caches:
            print("  slab caches: " + ", ".join("%s %d" % item for item in by_count(caches)))
        for line in lines:
            print("  " + line)
    if no_kernel_data:
        print("%d frame(s) hold free or user memory, no kernel data" % no_kernel_data)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
