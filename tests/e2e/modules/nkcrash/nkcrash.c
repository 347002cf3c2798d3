// SPDX-License-Identifier: GPL-2.0
/*
 * nkcrash - the e2e suite's out-of-tree test module: crashes the kernel the way a buggy driver
 * does, on request. Writing to /proc/nkcrash:
 *   "oops"        a NULL-pointer store in nkcrash_oops() (called from nkcrash_write())
 *   "bug"         BUG() in nkcrash_bug()
 *   "softlockup"  starts the kernel thread "nkcrash_spin", which spins with preemption disabled
 *                 in nkcrash_spin() until the soft-lockup watchdog fires
 * Every crashing function is noinline and does a little work after its call, so that each one
 * is a frame of its own in the kernel's Call Trace and in a dump's backtrace.
 *
 * Three more requests do not crash: they damage what a dump's log reader follows, so that the
 * crash that comes next (the guest's sysrq c) leaves a dump whose log cannot be read:
 *   "badlog"      the printk ring buffer's metadata, now (nkcrash_damage_printk_ring())
 *   "baddesc"     its descriptor ring, at the crash (nkcrash_damage_descriptors_at_crash())
 *   "badinfo"     VMCOREINFO's description of the ring (nkcrash_damage_vmcoreinfo())
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <linux/kprobes.h>
#include <linux/mm.h>

static struct proc_dir_entry *nkcrash_entry;
static int *nkcrash_target; /* NULL, and the compiler cannot prove it */
static volatile int nkcrash_spinning;

static noinline int nkcrash_oops(int value)
{
	*READ_ONCE(nkcrash_target) = value;
	return value + 1;
}

static noinline int nkcrash_bug(int value)
{
	if (value > 0)
		BUG();
	return value + 1;
}

static noinline int nkcrash_spin(void *unused)
{
	preempt_disable();
	for (;;) {
		nkcrash_spinning++;
		cpu_relax();
	}
	preempt_enable();
	return 0;
}

/*
 * The kernel symbols the damaging requests need are not exported: prb (the pointer to the
 * printk ring buffer in use), vmcoreinfo_data, vmcoreinfo_size and vmcoreinfo_data_safecopy.
 * kallsyms_lookup_name() finds them (CONFIG_KALLSYMS_ALL lists data symbols too), but it is not
 * exported either since 5.7. register_kprobe() looks a name up itself, so a probe on
 * kallsyms_lookup_name tells its address (CONFIG_KPROBES): the usual way out-of-tree code finds it
 * on 5.7 to 7.x. Kernels built for IBT (x86, 5.18+) put a probe on a function's entry after its
 * ENDBR64, 4 bytes into the function. The call through a pointer would fault on a CPU that
 * enforces IBT (the kernel then seals the ENDBR64 of functions no pointer calls); the suite's
 * guests run on QEMU's TCG CPU, which has no IBT.
 */
typedef unsigned long (*nkcrash_lookup_fn)(const char *name);

static unsigned long nkcrash_symbol(const char *name)
{
	static const u8 endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	struct kprobe probe = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long address;
	int rc;

	rc = register_kprobe(&probe);
	if (rc < 0) {
		pr_err("nkcrash: no kprobe on kallsyms_lookup_name: %d\n", rc);
		return 0;
	}
	address = (unsigned long)probe.addr;
	unregister_kprobe(&probe);
	if (!memcmp((void *)(address - sizeof(endbr64)), endbr64, sizeof(endbr64)))
		address -= sizeof(endbr64);
	address = ((nkcrash_lookup_fn)address)(name);
	if (!address)
		pr_err("nkcrash: no symbol %s\n", name);
	return address;
}

/* VMCOREINFO's text as the kernel keeps it (vmcoreinfo_data, vmcoreinfo_size): "KEY=VALUE\n" lines. */
struct nkcrash_vmcoreinfo {
	char *text;
	size_t *size;
};

static int nkcrash_find_vmcoreinfo(struct nkcrash_vmcoreinfo *info)
{
	unsigned long data = nkcrash_symbol("vmcoreinfo_data");
	unsigned long size = nkcrash_symbol("vmcoreinfo_size");

	if (!data || !size || !*(char **)data)
		return -ENOENT;
	info->text = *(char **)data;
	info->size = (size_t *)size;
	return 0;
}

/* The offset of the value of KEY ("OFFSET(prb_desc.state_var)") in TEXT, and its length; -1 when absent. */
static long nkcrash_find_value(const char *text, size_t size, const char *key, size_t *length)
{
	size_t key_length = strlen(key), at = 0;

	while (at < size) {
		const char *line = text + at;
		const char *end = memchr(line, '\n', size - at);
		size_t line_length = end ? end - line : size - at;

		if (line_length > key_length && !memcmp(line, key, key_length) && line[key_length] == '=') {
			*length = line_length - key_length - 1;
			return at + key_length + 1;
		}
		at += line_length + 1;
	}
	return -1;
}

/* The decimal value of KEY in VMCOREINFO; -1 when absent or not a number. */
static long nkcrash_vmcoreinfo_number(const struct nkcrash_vmcoreinfo *info, const char *key)
{
	char digits[24];
	size_t length;
	long at = nkcrash_find_value(info->text, *info->size, key, &length), value;

	if (at < 0 || length >= sizeof(digits))
		return -1;
	memcpy(digits, info->text + at, length);
	digits[length] = 0;
	return kstrtol(digits, 10, &value) ? -1 : value;
}

/*
 * The address of a field of the printk ring buffer prb points to, placed by VMCOREINFO's offsets:
 * OFFSET(printk_ringbuffer.MEMBER) + OFFSET(FIELD), e.g. "text_data_ring" and
 * "prb_data_ring.size_bits". Sets *RING to the ring buffer; NULL when one of them is unknown.
 */
static void *nkcrash_ring_field(const char *member, const char *field, char **ring)
{
	struct nkcrash_vmcoreinfo info;
	unsigned long prb = nkcrash_symbol("prb");
	long member_offset, field_offset;
	char key[64];

	if (!prb || !*(char **)prb || nkcrash_find_vmcoreinfo(&info))
		return NULL;
	*ring = *(char **)prb;
	snprintf(key, sizeof(key), "OFFSET(printk_ringbuffer.%s)", member);
	member_offset = nkcrash_vmcoreinfo_number(&info, key);
	snprintf(key, sizeof(key), "OFFSET(%s)", field);
	field_offset = nkcrash_vmcoreinfo_number(&info, key);
	if (member_offset < 0 || field_offset < 0) {
		pr_err("nkcrash: VMCOREINFO does not place %s in printk_ringbuffer.%s\n", field, member);
		return NULL;
	}
	return *ring + member_offset + field_offset;
}

/*
 * "badlog": the printk ring buffer prb points to gets text_data_ring.size_bits = 3, an 8-byte text
 * ring beside 2^count_bits descriptors (4096 on Debian's kernels), which no kernel makes (it
 * sizes count_bits = size_bits - 5): a dump's reader must find the ring corrupt.
 * Why this field and not the descriptor ring a reader follows first (count_bits, descs, infos):
 * the kernel goes on using the ring until it jumps into the capture kernel (the panic's messages
 * are stored and printed through it), and it would follow a damaged descriptor ring out of its
 * arrays (a fault inside printk while panicking) or wait forever on a descriptor state, so the
 * capture kernel would never run. With size_bits = 3, data_check_size() refuses every later record
 * (a text block takes at least 16 bytes) before prb_reserve() touches a descriptor, in 5.10's
 * ring as in 7.x's: every later message is dropped and nothing else changes. A reader of older
 * records (the console) takes block positions modulo 8 and stays inside the real text array. So
 * the kernel's last messages, the panic's among them, are lost: neither the console nor the dump
 * has them ("baddesc" damages the descriptor ring, at the crash). The field's place comes from
 * VMCOREINFO, as a dump's reader finds it, not from a copy of the kernel's private
 * kernel/printk/printk_ringbuffer.h.
 */
static int nkcrash_damage_printk_ring(void)
{
	char *ring;
	unsigned int *size_bits = nkcrash_ring_field("text_data_ring", "prb_data_ring.size_bits", &ring);

	if (!size_bits)
		return -ENOENT;
	pr_emerg("nkcrash: damaging the printk ring buffer at %px: text_data_ring.size_bits %u -> 3; later messages are lost\n",
		 ring, READ_ONCE(*size_bits));
	WRITE_ONCE(*size_bits, 3);
	return 0;
}

/*
 * "badinfo": VMCOREINFO says OFFSET(prb_desc.state_var)=4096, past the 24-byte struct prb_desc,
 * as a corrupted or mistaken VMCOREINFO would; the ring itself stays intact (the console shows the
 * panic). The note /proc/vmcore carries is written at the crash by crash_save_vmcoreinfo(), from
 * vmcoreinfo_data_safecopy when there is one (the copy kexec made when it loaded the capture
 * kernel: there is one after nkdump start), else from vmcoreinfo_data. Both get the same edit;
 * vmcoreinfo_size, one size for both, grows by the value's new digits (the page holds both).
 */
static int nkcrash_damage_vmcoreinfo(void)
{
	static const char key[] = "OFFSET(prb_desc.state_var)", value[] = "4096";
	struct nkcrash_vmcoreinfo info;
	unsigned long copy_symbol = nkcrash_symbol("vmcoreinfo_data_safecopy");
	char *texts[2];
	size_t old_length, new_size, tail, i;
	long at;

	if (!copy_symbol || nkcrash_find_vmcoreinfo(&info))
		return -ENOENT;
	texts[0] = info.text;
	texts[1] = *(char **)copy_symbol;
	at = nkcrash_find_value(info.text, *info.size, key, &old_length);
	if (at < 0) {
		pr_err("nkcrash: VMCOREINFO has no %s\n", key);
		return -ENOENT;
	}
	if (texts[1] && memcmp(texts[0], texts[1], *info.size)) {
		pr_err("nkcrash: vmcoreinfo_data_safecopy differs from vmcoreinfo_data\n");
		return -EINVAL;
	}
	new_size = *info.size - old_length + strlen(value);
	if (new_size + 64 > PAGE_SIZE) /* CRASHTIME= is appended at the crash */
		return -ENOSPC;
	tail = *info.size - at - old_length;
	pr_emerg("nkcrash: damaging VMCOREINFO at %px (its crash-time copy at %px): %s=%.*s -> %s\n",
		 texts[0], texts[1], key, (int)old_length, info.text + at, value);
	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		if (!texts[i])
			continue;
		memmove(texts[i] + at + strlen(value), texts[i] + at + old_length, tail);
		memcpy(texts[i] + at, value, strlen(value));
	}
	*info.size = new_size;
	return 0;
}

/*
 * "baddesc": the descriptor ring a reader follows first is damaged: desc_ring.descs points to a
 * non-canonical address, where no page can be mapped. Done to the live ring, the kernel's own
 * printk would follow it and fault while panicking (see nkcrash_damage_printk_ring()), so the
 * damage is armed now and done at the crash: by a kprobe on crash_save_vmcoreinfo(), which
 * __crash_kexec() calls on the crashing CPU after panic() printed everything it prints before the
 * jump, and right before machine_crash_shutdown() and machine_kexec(), which print nothing (5.10
 * to 7.x). So the console shows the whole panic, and the dump has a ring whose descriptors
 * cannot be read. The registers the dump keeps were saved before (crash_setup_regs()).
 */
#define NKCRASH_UNMAPPED 0xdead000000000000UL

static unsigned long *nkcrash_descs; /* &prb->desc_ring.descs */
static bool nkcrash_armed;

static int nkcrash_damage_descs(struct kprobe *probe, struct pt_regs *regs)
{
	WRITE_ONCE(*nkcrash_descs, NKCRASH_UNMAPPED);
	return 0;
}

static struct kprobe nkcrash_at_crash = {
	.symbol_name = "crash_save_vmcoreinfo",
	.pre_handler = nkcrash_damage_descs,
};

static int nkcrash_damage_descriptors_at_crash(void)
{
	char *ring;
	int rc;

	if (nkcrash_armed)
		return -EBUSY;
	nkcrash_descs = nkcrash_ring_field("desc_ring", "prb_desc_ring.descs", &ring);
	if (!nkcrash_descs)
		return -ENOENT;
	rc = register_kprobe(&nkcrash_at_crash);
	if (rc < 0) {
		pr_err("nkcrash: no kprobe on crash_save_vmcoreinfo: %d\n", rc);
		return rc;
	}
	nkcrash_armed = true;
	pr_emerg("nkcrash: at the crash, the printk ring buffer at %px gets desc_ring.descs %lx (now %lx)\n",
		 ring, NKCRASH_UNMAPPED, READ_ONCE(*nkcrash_descs));
	return 0;
}

static ssize_t nkcrash_write(struct file *file, const char __user *ubuf, size_t count, loff_t *pos)
{
	char cmd[16] = {};
	int rc = 0;

	if (copy_from_user(cmd, ubuf, min(count, sizeof(cmd) - 1)))
		return -EFAULT;
	strim(cmd);
	pr_info("nkcrash: %s requested by %s[%d]\n", cmd, current->comm, task_pid_nr(current));
	/* The written length as the argument: a constant would let gcc clone the callee
	 * (nkcrash_oops.constprop.0), and the names are part of what the checks compare. */
	if (!strcmp(cmd, "oops"))
		rc = nkcrash_oops(count);
	else if (!strcmp(cmd, "bug"))
		rc = nkcrash_bug(count);
	else if (!strcmp(cmd, "softlockup"))
		rc = PTR_ERR_OR_ZERO(kthread_run(nkcrash_spin, NULL, "nkcrash_spin"));
	else if (!strcmp(cmd, "badlog"))
		rc = nkcrash_damage_printk_ring();
	else if (!strcmp(cmd, "badinfo"))
		rc = nkcrash_damage_vmcoreinfo();
	else if (!strcmp(cmd, "baddesc"))
		rc = nkcrash_damage_descriptors_at_crash();
	else
		return -EINVAL;
	return rc < 0 ? rc : count;
}

static const struct proc_ops nkcrash_ops = {
	.proc_write = nkcrash_write,
};

static int __init nkcrash_init(void)
{
	nkcrash_entry = proc_create("nkcrash", 0200, NULL, &nkcrash_ops);
	return nkcrash_entry ? 0 : -ENOMEM;
}

static void __exit nkcrash_exit(void)
{
	if (nkcrash_armed)
		unregister_kprobe(&nkcrash_at_crash);
	proc_remove(nkcrash_entry);
}

module_init(nkcrash_init);
module_exit(nkcrash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nkdump e2e test module: oops, BUG(), soft lockup, a damaged printk ring or VMCOREINFO on request");
