namespace Nkdump.Cli.Tests;

/// <summary>A host root for the service verbs: a running kernel with 256 MiB reserved, nothing loaded, its bzImage in /boot.</summary>
internal static class FakeHost
{
    public static void Populate(string root, string release)
    {
        Write(root, "/proc/sys/kernel/osrelease", release + "\n");
        Write(root, "/proc/cmdline", "root=/dev/vda1 ro quiet crashkernel=256M\n");
        Write(root, "/proc/meminfo", "MemTotal: 4000000 kB\n");
        Write(root, "/sys/kernel/kexec_crash_size", "268435456\n");
        Write(root, "/sys/kernel/kexec_crash_loaded", "0\n");
        Write(root, "/proc/sysrq-trigger", "");
        var kernel = new byte[0x1000];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(kernel.AsSpan(0x202), 0x53726448);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(kernel.AsSpan(0x206), 0x020f);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(kernel.AsSpan(0x260), 40 << 20);
        Directory.CreateDirectory(Path.Combine(root, "boot"));
        File.WriteAllBytes(Path.Combine(root, "boot", "vmlinuz-" + release), kernel);
    }

    public static void Write(string root, string path, string text)
    {
        var real = root + path;
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, text);
    }
}
