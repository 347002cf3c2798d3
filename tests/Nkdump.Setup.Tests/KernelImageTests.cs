using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Setup.Estimate;

namespace Nkdump.Setup.Tests;

public class KernelImageTests
{
    /// <summary>A file with just a bzImage setup header: "HdrS", protocol 2.15, init_size.</summary>
    public static byte[] FakeBzImage(uint initSize, int length = 0x1000)
    {
        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x202), 0x53726448);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(0x206), 0x020f);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x260), initSize);
        return bytes;
    }

    [Fact]
    public void ReadsInitSize()
    {
        using var t = new TempRoot();
        var path = t.Write("/boot/vmlinuz-6.1.0", FakeBzImage(48 << 20));
        var image = KernelImage.Read(path);
        Assert.Equal(0x020f, image.ProtocolVersion);
        Assert.Equal(48UL << 20, image.MemoryNeed);
    }

    [Fact]
    public void RealKernelOfThisMachineIfAnyHasAPlausibleInitSize()
    {
        var kernel = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").FirstOrDefault() : null;
        if (kernel is null)
        {
            // Containers often have no /boot; the synthetic header test covers the parsing.
            return;
        }

        var image = KernelImage.Read(kernel);
        Assert.InRange(image.MemoryNeed, 8UL << 20, 512UL << 20);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(0x1000)]
    public void NotABzImageIsAClearError(int length)
    {
        using var t = new TempRoot();
        var path = t.Write("/boot/x", new byte[length]);
        var e = Assert.Throws<NkdumpException>(() => KernelImage.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void EstimateTakesTheLargerOfTheDefaultAndTheSum()
    {
        var small = CrashkernelEstimator.Estimate(40UL << 20, 10UL << 20, 0, 8UL << 30);
        Assert.Equal(256UL << 20, small.Recommended);
        Assert.Equal((40UL + 30 + 16 + 64) << 20, small.Estimated);
        var big = CrashkernelEstimator.Estimate(40UL << 20, 100UL << 20, 0, 8UL << 30);
        Assert.Equal(big.Estimated, big.Recommended);
    }
}

public class ModuleMemoryTests
{
    [Fact]
    public void CountsTheInitramfsModulesAtTheirLoadedSize()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ext4 UUID=1\n");
        var config = Config.KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        Initramfs.CaptureInitramfs.Build(t.Root, new Initramfs.InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force: false);
        t.Write("/proc/modules", "ext4 1003520 1 - Live 0x0000000000000000\njbd2 196608 1 ext4, Live 0x0\nsnd 131072 0 - Live 0x0\n");
        Assert.Equal(1003520UL + 196608UL, Estimate.ModuleMemory.LoadedSize(t.Root, FakeSystem.Release));
    }
}
