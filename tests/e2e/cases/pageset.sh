# tests/e2e/cases/pageset.sh - the capture saves the UNFILTERED vmcore (ELF, -d 0) on the path
# target's 1 GiB disk (512 MiB guest, 160 MiB of it the crash kernel's: the ELF is about 360 MB);
# then, on the host, at each dump level 1 2 4 8 16 31, `nkdump collect -l -d N` and sid's
# makedumpfile 1.7.8 (`oracle.sh makedumpfile -l -d N`) filter that ELF, and sid's libkdumpfile
# 0.5.5 reads which page frames each output stores (its file.pagemap: the kdump file's second
# bitmap; tests/oracles/kdumpfile_pages.py), so neither side is read by nkdump. Checks, each a FAIL
# when it fails: every frame makedumpfile keeps, nkdump keeps (issue 16: "collect at -d 1 ... -d 31
# keeps every page makedumpfile 1.7.8 keeps"); the frames nkdump keeps beyond it are a note line
# per level (makedumpfile is an oracle to question: on 7.x its -d 8 drops slab pages that hold live
# task_structs, nkdump's does not); `analyze -c ps` and `analyze -c bt` (the panic task) on nkdump's
# -d 31 output equal them on the unfiltered ELF; a note says how many tasks ps finds on each -d 31
# dump, and where makedumpfile's loses tasks, how many of them start on a frame only nkdump keeps.
# The page sets and both tools' logs are kept in checks/ (pages-dN.txt, extra-frames-dN.txt,
# collect-*-dN.txt);
# the filtered dumps are removed but -d 31's (under pageset/, 0700).
CASE_TITLE="unfiltered ELF vmcore: collect -d 1..31 keeps every page makedumpfile 1.7.8 keeps; ps and bt at -d 31 as on the ELF"
PAGESET_LEVELS="1 2 4 8 16 31"

case_setup() { path_target_setup; }
case_config() { path_target_config | sed 's/^core_collector .*/core_collector makedumpfile -E -d 0 --message-level 7/'; }
case_collect() { path_target_collect; }
case_check() { check_vmcore "$1"; check_crash "$1"; check_pagesets "$1"; }

# check_pagesets OUT - the filters of nkdump and makedumpfile 1.7.8 on the unfiltered ELF vmcore.
check_pagesets() {
  local out=$1 vmcore work d ours theirs
  vmcore=$(find "$out" -name vmcore -type f | head -1)
  [ -n "$vmcore" ] || return 0
  check "the saved vmcore is an ELF (-E)" bash -c 'cmp -s -n 4 "$1" <(printf "\177ELF")' _ "$vmcore"
  work="$out/pageset"; rm -rf "$work"; mkdir -m 0700 "$work"; mkdir -p "$out/checks"
  for d in $PAGESET_LEVELS; do
    ours="$work/nkdump-d$d" theirs="$work/makedumpfile-d$d"
    check_explained "nkdump collect -l -d $d filters the ELF" "$out/checks/collect-nkdump-d$d.txt" \
      "$NKDUMP" collect -l -d "$d" "$vmcore" "$ours"
    check_explained "sid's makedumpfile -l -d $d filters the ELF" "$out/checks/collect-makedumpfile-d$d.txt" \
      "$ORACLE" makedumpfile -l -d "$d" "$vmcore" "$theirs"
    check_explained "-d $d: nkdump keeps every page frame makedumpfile 1.7.8 keeps (sid's libkdumpfile reads both)" "$out/checks/pages-d$d.txt" \
      "$ORACLE" python3 "$REPO/tests/oracles/kdumpfile_pages.py" "$theirs" "$ours" "$out/checks/extra-frames-d$d.txt"
    # "reference N candidate M missing K extra E": makedumpfile's count, nkdump's, and the difference.
    awk -v d="$d" 'NR == 1 && $1 == "reference" {printf "note -d %s: makedumpfile keeps %s page frames, nkdump %s (%s of them more, %s fewer)\n", d, $2, $4, $8, $6}' "$out/checks/pages-d$d.txt"
    [ "$d" = 31 ] || rm -f "$ours" "$theirs"
  done
  check_extra_frames "$out" "$vmcore"
  ours="$work/nkdump-d31"
  [ -f "$ours" ] || return 0
  "$NKDUMP" analyze -c ps "$vmcore" > "$out/checks/ps-elf.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/ps-elf.txt"
  "$NKDUMP" analyze -c ps "$ours" > "$out/checks/ps-d31.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/ps-d31.txt"
  "$NKDUMP" analyze -c bt "$vmcore" > "$out/checks/bt-elf.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/bt-elf.txt"
  "$NKDUMP" analyze -c bt "$ours" > "$out/checks/bt-d31.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/bt-d31.txt"
  # What the frames makedumpfile 1.7.8 drops and nkdump keeps are worth: its -d 31 dump read the
  # same way (on 7.x it loses tasks whose task_struct sat on slab pages it took for free ones).
  "$NKDUMP" analyze -c ps "$work/makedumpfile-d31" > "$out/checks/ps-makedumpfile-d31.txt" 2>&1 || echo "(exit $?)" >> "$out/checks/ps-makedumpfile-d31.txt"
  echo "note nkdump analyze -c ps lists $(pageset_tasks "$out/checks/ps-elf.txt") tasks on the ELF, $(pageset_tasks "$out/checks/ps-d31.txt") on nkdump's -d 31 dump, $(pageset_tasks "$out/checks/ps-makedumpfile-d31.txt") on makedumpfile 1.7.8's"
  # Where makedumpfile's dump lost tasks: does each lost task_struct start on a frame only nkdump
  # keeps (the direct map's offset from the ELF's own program headers: tests/e2e/pageset_tasks.py)?
  local lost
  lost=$(comm -23 <(pageset_task_addresses "$out/checks/ps-elf.txt") <(pageset_task_addresses "$out/checks/ps-makedumpfile-d31.txt"))
  if [ -n "$lost" ] && [ -f "$out/checks/extra-frames-d31.txt" ]; then
    # shellcheck disable=SC2086 # one address a word
    echo "note of the tasks lost from makedumpfile's -d 31 dump, $("$E2E_DIR/pageset_tasks.py" "$vmcore" "$out/checks/extra-frames-d31.txt" $lost 2>&1) have their task_struct on a frame only nkdump keeps"
  fi
  check_explained "nkdump analyze -c ps on the -d 31 dump equals it on the unfiltered ELF" "$out/checks/ps-d31-vs-elf.txt" \
    sh -c 'grep -Eq "^>? *[0-9]+ " "$1" && diff "$1" "$2"' _ "$out/checks/ps-elf.txt" "$out/checks/ps-d31.txt"
  check_explained "nkdump analyze -c bt (the panic task) on the -d 31 dump equals it on the unfiltered ELF" "$out/checks/bt-d31-vs-elf.txt" \
    sh -c 'grep -q "#1 " "$1" && diff "$1" "$2"' _ "$out/checks/bt-elf.txt" "$out/checks/bt-d31.txt"
}

# pageset_tasks PS_OUTPUT - how many tasks an `nkdump analyze -c ps` output lists.
pageset_tasks() { sed 's/^>//' "$1" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/' | wc -l; }
# pageset_task_addresses PS_OUTPUT - the task_struct addresses it lists, sorted.
pageset_task_addresses() { sed 's/^>//' "$1" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {print $4}' | LC_ALL=C sort -u; }

# check_extra_frames OUT VMCORE - with a vmlinux with DWARF (E2E_DBG=1 or E2E_VMLINUX; never in the
# CI plan), sid's drgn 0.3 says what each frame nkdump keeps beyond makedumpfile 1.7.8 holds
# (tests/e2e/pageset_frames.py on the unfiltered ELF: slab and its cache, page table, task stack,
# vmalloc, other page types, reserved; free or user memory): a note per level with the counts per
# kind, and a FAIL when a frame holds free or user (anonymous or page-cache) memory, which no
# filter level keeps on purpose. Frames drgn cannot classify are counted in the note, not failed.
check_extra_frames() {
  local out=$1 vmcore=$2 vmlinux d files=()
  vmlinux=$(debug_vmlinux "$out")
  [ -n "$vmlinux" ] || return 0
  for d in $PAGESET_LEVELS; do
    [ -s "$out/checks/extra-frames-d$d.txt" ] && files+=("$out/checks/extra-frames-d$d.txt")
  done
  if [ ${#files[@]} = 0 ]; then echo "note drgn: no level keeps frames beyond makedumpfile 1.7.8's, none to classify"; return 0; fi
  check_explained "sid's drgn finds kernel data, no free or user memory, on each frame nkdump keeps beyond makedumpfile 1.7.8" "$out/checks/extra-frames-drgn.txt" \
    "$ORACLE" python3 "$E2E_DIR/pageset_frames.py" "$vmcore" "$vmlinux" "${files[@]}"
  # "FILE: N frames: KIND n, ...": a note per level.
  sed -nE 's|^.*/extra-frames-d([0-9]+)\.txt: (.*)$|note drgn on the frames only nkdump keeps at -d \1: \2|p' "$out/checks/extra-frames-drgn.txt"
  grep -E '^  0x[0-9a-f]+ unclassified' "$out/checks/extra-frames-drgn.txt" | head -20 | sed 's/^ */note drgn cannot classify frame /' || true
}
