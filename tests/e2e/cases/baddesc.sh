# tests/e2e/cases/baddesc.sh - the badlog case with the printk ring's descriptor ring damaged, at the
# crash: after nkdump start the test module arms a kprobe on crash_save_vmcoreinfo() that points
# desc_ring.descs at a non-canonical address once panic() has printed everything (modules/nkcrash
# says why then), and sysrq c crashes the guest. The console shows the whole panic; the dump's
# ring has no readable descriptor. The same checks as badlog, with the reader's message for it.
source "$E2E_DIR/cases/badlog.sh"
CASE_TITLE="printk descriptor ring damaged at the crash: the vmcore is saved, the log's loss explained"
CASE_CRASH=baddesc
LOG_PROBLEM="no record of the log could be read: part of prb\.desc_ring\.descs is unreadable: virtual address 0xdead000000000000: not a canonical address; [0-9]+ record\(s\) could not be read"
READER_PROBLEM="part of prb\.desc_ring\.descs is unreadable: virtual address 0xdead000000000000: not a canonical address"
