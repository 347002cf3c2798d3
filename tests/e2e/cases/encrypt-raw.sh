# tests/e2e/cases/encrypt-raw.sh - the raw target (cases/raw.sh: a raw virtio disk, savecore on the
# next boot) with `encrypt`: the capture writes flattened framing around an age file on the device, so
# savecore finds its end without the key and saves vmcore.age (0600, no log: savecore cannot read it);
# on the host age decrypts it to the kdump file and nkdump reads it with --identity (cases/encrypt.sh).
source "$E2E_DIR/cases/raw.sh"
eval "raw_$(declare -f case_setup)"
eval "raw_$(declare -f case_config)"
eval "raw_$(declare -f case_collect)"
source "$E2E_DIR/cases/encrypt.sh"
CASE_TITLE="raw target with encrypt, then nkdump savecore on the next boot"
CASE_PACKAGES="age openssh-client"

case_setup() { raw_case_setup; encrypt_keys; }
case_config() { raw_case_config; encrypt_line; }
case_collect() { raw_case_collect; cp -a "$run/keys" "$OUT/keys"; }
case_check() {
  local out=$1
  check "the capture kernel wrote flattened framing on the raw disk (its end is found without the key)" test "$(cat "$out/raw-before.txt")" = makedumpfile
  check_serial "$out" "savecore saved vmcore.age on the next boot" "nkdump: saving vmcore complete: /var/crash/127\.0\.0\.1-.*/vmcore\.age" savecore-serial.log
  check_serial "$out" "savecore exited 0" "E2E: savecore rc=0" savecore-serial.log
  check "savecore cleared the raw disk's header" test "$(cat "$out/raw-after.txt")" = 0
  check_serial "$out" "a second savecore finds nothing to save" "nkdump: no dump on /dev/vdb" savecore-serial.log
  ENCRYPT_NO_DMESG=1 encrypt_check "$out"
}
