# tests/e2e/cases/badinfo.sh - the badlog case with VMCOREINFO damaged instead of the ring: after
# nkdump start, the test module rewrites OFFSET(prb_desc.state_var) to 4096 (past SIZE(prb_desc))
# in the VMCOREINFO text the crashing kernel puts into /proc/vmcore's note, then sysrq c crashes
# the guest. The ring is intact (the console shows the panic), but no reader may trust the layout
# VMCOREINFO gives: the same checks as badlog, with the layout check's message.
source "$E2E_DIR/cases/badlog.sh"
CASE_TITLE="VMCOREINFO's printk layout damaged before sysrq c: the vmcore is saved, the log's loss explained"
CASE_CRASH=badinfo
LOG_PROBLEM="VMCOREINFO's printk ring buffer layout is wrong: OFFSET\(prb_desc\.state_var\)=4096 is past SIZE\(prb_desc\)=[0-9]+"
