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
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/string.h>
#include <linux/bug.h>

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
	proc_remove(nkcrash_entry);
}

module_init(nkcrash_init);
module_exit(nkcrash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nkdump e2e test module: oops, BUG() and soft lockup on request");
