# tests/e2e/cases/encrypt.sh - the path target (ext4 virtio disk) with kdump.conf's `encrypt` to an
# age X25519 key and an ssh-ed25519 key made on the host (the guest and its capture initramfs get
# the public keys only). The capture writes vmcore.age and vmcore-dmesg.txt.age; on the host Debian's
# age decrypts both with either key, nkdump reads vmcore.age with --identity, and the decrypted
# vmcore goes through the usual checks (crash, makedumpfile, drgn, libkdumpfile). A file target's
# vmcore.age decrypts to the kdump file itself (what the target gets unencrypted); an ssh target's to
# the flattened stream (the target's vmcore.flat), which nkdump reassemble turns into the vmcore.
CASE_TITLE="path target with encrypt (age X25519 and ssh-ed25519 recipients)"
CASE_PACKAGES="age openssh-client"

encrypt_keys() {
  mkdir -m 0700 "$run/keys"
  age-keygen -o "$run/keys/age.txt" 2>/dev/null
  ssh-keygen -q -t ed25519 -N "" -C "e2e dump reader" -f "$run/keys/ed"
}

# The encrypt line: the age recipient and the ssh key's type and base64 (no comment).
encrypt_line() { echo "encrypt $(age-keygen -y "$run/keys/age.txt") $(cut -d' ' -f1,2 "$run/keys/ed.pub")"; }

# encrypt_check OUT [kdump|flattened] - the encrypted files found under OUT, decrypted and checked
# (vmcore.age holds a kdump file, or the flattened stream for ssh); the decrypted vmcore and log are
# put where check_vmcore looks (vmcore, vmcore-dmesg.txt). ENCRYPT_NO_DMESG=1: no log was saved (raw).
encrypt_check() {
  local out=$1 age dir keys=$1/keys
  age=$(find "$out" -name vmcore.age -type f | head -1)
  dir=$(dirname "${age:-$out/none}")
  check "vmcore.age was saved" test -n "$age"
  [ -n "$age" ] || return 0
  check "vmcore.age was saved mode 0600" test "$(saved_mode "$out" "$age")" = 600
  check "no vmcore in the clear was saved" test ! -e "$dir/vmcore" -a ! -e "$dir/vmcore.flat"
  check "no vmcore-dmesg.txt in the clear was saved" test ! -e "$dir/vmcore-dmesg.txt"
  [ -n "${ENCRYPT_NO_DMESG:-}" ] || check "vmcore-dmesg.txt.age was saved mode 0600" test "$(saved_mode "$out" "$dir/vmcore-dmesg.txt.age")" = 600
  check "vmcore.age is an age file" sh -c "head -c 22 '$age' | grep -q '^age-encryption.org/v1'"
  umask 077   # what is decrypted here is a dump too: private
  check "age -d with the X25519 identity decrypts vmcore.age" age -d -i "$keys/age.txt" -o "$dir/vmcore.dec" "$age"
  check "age -d with the ssh-ed25519 key gives the same bytes" sh -c "age -d -i '$keys/ed' '$age' | cmp - '$dir/vmcore.dec'"
  if [ "${2:-kdump}" = flattened ]; then
    check "vmcore.age holds the flattened stream (the ssh target's vmcore.flat)" sh -c "head -c 12 '$dir/vmcore.dec' | grep -q '^makedumpfile'"
    check "nkdump reassemble rebuilds the vmcore from the decrypted stream" "$NKDUMP" reassemble "$dir/vmcore.dec" "$dir/vmcore"
  else
    check "vmcore.age holds the kdump file itself" sh -c "head -c 8 '$dir/vmcore.dec' | grep -q '^KDUMP   '"
    mv "$dir/vmcore.dec" "$dir/vmcore"
  fi
  check "nkdump info --identity reads vmcore.age in place" sh -c "'$NKDUMP' info --identity '$keys/age.txt' '$age' | grep -q 'format *${2:-kdump}'"
  if [ -z "${ENCRYPT_NO_DMESG:-}" ]; then
    check "age -d decrypts vmcore-dmesg.txt.age" age -d -i "$keys/ed" -o "$dir/vmcore-dmesg.txt" "$dir/vmcore-dmesg.txt.age"
    check "nkdump dmesg --identity (ssh key) prints the saved log" sh -c "'$NKDUMP' dmesg --identity '$keys/ed' '$age' | cmp - '$dir/vmcore-dmesg.txt'"
  else
    # savecore cannot read an encrypted dump, so no log was saved: the one check_vmcore checks is nkdump's.
    check "no log was saved beside vmcore.age" test ! -e "$dir/vmcore-dmesg.txt.age"
    check "nkdump dmesg --identity (ssh key) reads the log from vmcore.age" sh -c "'$NKDUMP' dmesg --identity '$keys/ed' '$age' > '$dir/vmcore-dmesg.txt'"
  fi
  check "a wrong identity is refused with exit 1" sh -c "age-keygen -o '$dir/other.txt' 2>/dev/null; '$NKDUMP' info --identity '$dir/other.txt' '$age' >/dev/null 2>&1; test \$? = 1"
  rm -f "$dir/vmcore.dec" "$dir/other.txt"
  check_vmcore "$out"
}

case_setup() { path_target_setup; encrypt_keys; }
case_config() { path_target_config; encrypt_line; }
case_collect() { path_target_collect; cp -a "$run/keys" "$OUT/keys"; }
case_check() { encrypt_check "$1"; }
