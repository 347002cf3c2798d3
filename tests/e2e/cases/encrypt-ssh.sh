# tests/e2e/cases/encrypt-ssh.sh - the ssh target (cases/ssh.sh's sshd on the host's loopback) with
# `encrypt`, checked as cases/encrypt.sh checks the path target: vmcore.age (the flattened dump
# inside) and vmcore-dmesg.txt.age arrive on the server; nothing in the clear does.
source "$E2E_DIR/cases/ssh.sh"
eval "ssh_$(declare -f case_setup)"
eval "ssh_$(declare -f case_config)"
eval "ssh_$(declare -f case_collect)"
source "$E2E_DIR/cases/encrypt.sh"
CASE_TITLE="ssh target with encrypt (age X25519 and ssh-ed25519 recipients)"
CASE_PACKAGES="openssh-client openssh-server age"

case_setup() { ssh_case_setup; encrypt_keys; }
case_config() { ssh_case_config; encrypt_line; }
case_collect() { ssh_case_collect; cp -a "$run/keys" "$OUT/keys"; }
case_check() { encrypt_check "$1" flattened; }
