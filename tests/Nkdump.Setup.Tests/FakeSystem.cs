namespace Nkdump.Setup.Tests;

/// <summary>
/// A fake installed system under a <see cref="TempRoot"/>: merged /usr (/lib → usr/lib), a real
/// dynamically linked program standing in for nkdump with the real libc and loader beside it, a
/// kernel release with modules.dep, and a kdump.conf.
/// </summary>
internal static class FakeSystem
{
    public const string Release = "6.1.0-test-amd64";

    public static void Populate(TempRoot t, string config = "path /var/crash\n")
    {
        Directory.CreateDirectory(t.Real("/usr/lib/x86_64-linux-gnu"));
        Directory.CreateDirectory(t.Real("/lib64"));
        File.CreateSymbolicLink(t.Real("/lib"), "usr/lib");
        File.Copy("/usr/bin/true", t.Real("/usr/lib/nkdump-true"));
        Directory.CreateDirectory(t.Real("/usr/sbin"));
        File.Copy("/usr/bin/true", t.Real("/usr/sbin/nkdump"));
        File.Copy(Real("/lib/x86_64-linux-gnu/libc.so.6"), t.Real("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        File.Copy(Real("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), t.Real("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
        // As on Debian: an absolute link, which must be followed inside the root.
        File.CreateSymbolicLink(t.Real("/lib64/ld-linux-x86-64.so.2"), "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");

        t.Write("/proc/sys/kernel/osrelease", Release + "\n");
        t.Write("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-test-amd64 root=UUID=1234 ro quiet crashkernel=256M\n");
        t.Write("/proc/meminfo", "MemTotal:        8038400 kB\n");
        t.Write("/boot/vmlinuz-" + Release, KernelImageTests.FakeBzImage(40 << 20));
        var modules = $"/usr/lib/modules/{Release}";
        t.Write(modules + "/modules.dep",
            "kernel/fs/ext4/ext4.ko.xz: kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko.zst kernel/lib/crc16.ko.zst\n"
            + "kernel/fs/jbd2/jbd2.ko.zst:\n"
            + "kernel/fs/mbcache.ko:\n"
            + "kernel/lib/crc16.ko.zst:\n"
            + "kernel/fs/gfs2/gfs2.ko.zst: kernel/fs/dlm/dlm.ko.zst\n"
            + "kernel/fs/dlm/dlm.ko.zst:\n"
            + "kernel/drivers/net/dummy-net.ko:\n");
        t.Write(modules + "/modules.builtin", "kernel/fs/xfs/xfs.ko\n");
        foreach (var m in new[] { "fs/ext4/ext4.ko.xz", "fs/mbcache.ko", "fs/jbd2/jbd2.ko.zst", "lib/crc16.ko.zst", "fs/gfs2/gfs2.ko.zst", "fs/dlm/dlm.ko.zst", "drivers/net/dummy-net.ko" })
        {
            t.Write($"{modules}/kernel/{m}", $"module {m}");
        }

        t.Write("/etc/kdump.conf", config);
    }

    private static string Real(string path) => Path.GetFullPath(new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path);
}
