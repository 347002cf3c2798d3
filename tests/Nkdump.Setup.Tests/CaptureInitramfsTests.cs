using System.IO.Compression;
using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Initramfs;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

public class CaptureInitramfsTests
{
    private static InitramfsBuildResult Build(TempRoot t, bool force = false)
    {
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return CaptureInitramfs.Build(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force);
    }

    /// <summary>The image decompressed to a plain cpio file.</summary>
    private static string Decompress(TempRoot t, string image)
    {
        var cpio = t.Real("/image.cpio");
        using var input = new GZipStream(File.OpenRead(image), CompressionMode.Decompress);
        using var output = File.Create(cpio);
        input.CopyTo(output);
        return cpio;
    }

    private static List<string> List(TempRoot t, string image)
    {
        var result = ExternalTool.Run("cpio", ["-t", "--quiet", "-F", Decompress(t, image)]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public void ImageListsWithCpioAndHoldsTheBinaryLibrariesConfigAndModules()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ext4 UUID=1234\npath /crash\n");
        var result = Build(t);
        Assert.True(result.Rebuilt);
        var names = List(t, result.ImagePath);
        foreach (var expected in new[]
        {
            "init", "usr/sbin/nkdump", "usr/sbin/makedumpfile", "etc/kdump.conf",
            "lib/x86_64-linux-gnu/libc.so.6", "lib64/ld-linux-x86-64.so.2",
            "dev/console", "proc", "sys",
            $"lib/modules/{FakeSystem.Release}/kernel/fs/ext4/ext4.ko.xz",
            $"lib/modules/{FakeSystem.Release}/kernel/fs/jbd2/jbd2.ko.zst",
            $"lib/modules/{FakeSystem.Release}/kernel/fs/mbcache.ko",
            $"lib/modules/{FakeSystem.Release}/kernel/lib/crc16.ko.zst",
            "etc/nkdump/modules.load",
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.DoesNotContain("bin/busybox", names);
        Assert.DoesNotContain(names, n => n.Contains("gfs2"));
        // Dependencies load before the module that needs them.
        Assert.Equal("ext4.ko.xz", Path.GetFileName(result.Plan.ModuleLoadOrder[^1]));
        Assert.Equal(4, result.Plan.ModuleLoadOrder.Count);
    }

    [Fact]
    public void UnpackedImageRunsItsBinaryInAChroot()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        var result = Build(t);
        var tree = t.Real("/unpacked");
        Directory.CreateDirectory(tree);
        var unpack = ExternalTool.Run("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames", "-F", Decompress(t, result.ImagePath)], workingDirectory: tree);
        Assert.True(unpack.ExitCode == 0, unpack.ToString());
        Assert.Equal("/usr/sbin/nkdump", new FileInfo(Path.Combine(tree, "init")).LinkTarget);
        Assert.Equal(File.ReadAllText(t.Real("/etc/kdump.conf")), File.ReadAllText(Path.Combine(tree, "etc/kdump.conf")));

        // The stand-in binary (a real dynamic program) starts with only what the image holds.
        var run = ExternalTool.Run("chroot", [tree, "/init"]);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public void UnchangedInputsDoNotRebuildChangedOnesDoAndRebuildForces()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        var first = Build(t);
        Assert.True(first.Rebuilt);
        var bytes = File.ReadAllBytes(first.ImagePath);
        var stamp = File.GetLastWriteTimeUtc(first.ImagePath);

        var second = Build(t);
        Assert.False(second.Rebuilt);
        Assert.Equal("inputs unchanged", second.Reason);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(first.ImagePath));

        var forced = Build(t, force: true);
        Assert.True(forced.Rebuilt);
        Assert.Equal(bytes, File.ReadAllBytes(first.ImagePath)); // deterministic

        File.AppendAllText(t.Real("/etc/kdump.conf"), "final_action poweroff\n");
        var changed = Build(t);
        Assert.True(changed.Rebuilt);
        Assert.Equal("an input changed", changed.Reason);

        File.WriteAllText(t.Real($"/usr/lib/x86_64-linux-gnu/libc.so.6"), "x");
        var libChanged = Assert.Throws<NkdumpException>(() => Build(t));
        Assert.Contains("libc.so.6", libChanged.Message);
    }

    [Fact]
    public void ShellHooksBringBusyboxAndTheScripts()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "kdump_pre /etc/kdump/pre.sh\nextra_modules gfs2\n");
        t.Write("/etc/kdump/pre.sh", "#!/bin/sh\necho pre\n");
        var missing = Assert.Throws<NkdumpException>(() => Build(t));
        Assert.Contains("busybox", missing.Message);

        Directory.CreateDirectory(t.Real("/usr/bin"));
        File.Copy("/usr/bin/true", t.Real("/usr/bin/busybox"));
        var names = List(t, Build(t).ImagePath);
        Assert.Contains("bin/busybox", names);
        Assert.Contains("bin/sh", names);
        Assert.Contains("etc/kdump/pre.sh", names);
        Assert.Contains($"lib/modules/{FakeSystem.Release}/kernel/fs/gfs2/gfs2.ko.zst", names);
        Assert.Contains($"lib/modules/{FakeSystem.Release}/kernel/fs/dlm/dlm.ko.zst", names);
    }

    [Fact]
    public void UnknownExtraModuleIsAnErrorAndBuiltinTargetModuleIsFine()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "xfs LABEL=crash\nextra_modules nosuchmod\n");
        var e = Assert.Throws<NkdumpException>(() => Build(t));
        Assert.Contains("nosuchmod", e.Message);
        Assert.False(File.Exists(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release))));

        File.WriteAllText(t.Real("/etc/kdump.conf"), "xfs LABEL=crash\nextra_modules dummy_net\n");
        var result = Build(t);
        Assert.Equal([$"/lib/modules/{FakeSystem.Release}/kernel/drivers/net/dummy-net.ko"], result.Plan.ModuleLoadOrder);
    }

    [Fact]
    public void CpioWriterPadsAndNumbersDeterministically()
    {
        using var buffer = new MemoryStream();
        var cpio = new CpioNewcWriter(buffer);
        cpio.AddDirectory("/a");
        cpio.AddFile("/a/b", "xyz"u8);
        cpio.AddSymlink("/a/c", "b");
        cpio.Finish();
        var bytes = buffer.ToArray();
        Assert.Equal(0, bytes.Length % 4);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.StartsWith("07070100000001000041ED", text);
        Assert.Contains("TRAILER!!!", text);
        Assert.Equal(4, text.Split("070701").Length - 1);
    }

    [Fact]
    public void AnLzoCollectorNeedsNoLzoLibrary()
    {
        // nkdump compresses LZO pages itself: an -l image builds on a root without liblzo2, and
        // carries no liblzo2 when the root has one.
        using var without = new TempRoot();
        FakeSystem.Populate(without, "path /var/crash\ncore_collector makedumpfile -l -d 31\n");
        Assert.False(File.Exists(without.Real("/usr/lib/x86_64-linux-gnu/liblzo2.so.2")));
        Assert.DoesNotContain(List(without, Build(without).ImagePath), n => n.Contains("liblzo2"));

        using var with = new TempRoot();
        FakeSystem.Populate(with, "path /var/crash\ncore_collector makedumpfile -l -d 31\n");
        Directory.CreateDirectory(with.Real("/usr/lib/x86_64-linux-gnu"));
        File.Copy("/usr/lib/x86_64-linux-gnu/liblzo2.so.2", with.Real("/usr/lib/x86_64-linux-gnu/liblzo2.so.2"));
        Assert.DoesNotContain(List(with, Build(with).ImagePath), n => n.Contains("liblzo2"));
    }

    [Fact]
    public void ZlibLibrariesAreCarriedWhenTheRootHasThem()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\ncore_collector makedumpfile -c -d 31\n");
        Assert.DoesNotContain(List(t, Build(t).ImagePath), n => n.Contains("libdeflate") || n.Contains("libz."));

        using var with = new TempRoot();
        FakeSystem.Populate(with, "path /var/crash\ncore_collector makedumpfile -c -d 31\n");
        foreach (var library in InitramfsPlanner.ZlibLibraries)
        {
            File.Copy("/usr/bin/true", with.Real("/usr/lib/x86_64-linux-gnu/" + library));
        }

        var names = List(with, Build(with).ImagePath);
        Assert.Contains(names, n => n.EndsWith("x86_64-linux-gnu/libdeflate.so.0", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("x86_64-linux-gnu/libz.so.1", StringComparison.Ordinal));
    }
}
