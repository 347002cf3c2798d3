#!/usr/bin/python3
"""tests/oracles/kdumpfile_release.py VMCORE - the kernel release libkdumpfile reads from a dump
(its linux.uts.release attribute, with the Linux address translation set up), one line.

Its Python binding changed between bookworm's 0.5.1 (kdumpfile.kdumpfile(path)) and sid's 0.5.5
(kdumpfile.Context(), then .open(path)): both are served here.
"""
import sys

import kdumpfile

if hasattr(kdumpfile, "Context"):
    ctx = kdumpfile.Context()
    ctx.open(sys.argv[1])
else:
    ctx = kdumpfile.kdumpfile(sys.argv[1])
ctx.attr["addrxlat.ostype"] = "linux"
print(ctx.attr["linux.uts.release"])
