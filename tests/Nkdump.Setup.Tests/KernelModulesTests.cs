using Nkdump.Formats;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

public class KernelModulesTests
{
    [Theory]
    [InlineData("kernel/fs/ext4/ext4.ko.zst", "ext4")]
    [InlineData("kernel/fs/ext4/ext4.ko.xz", "ext4")]
    [InlineData("kernel/fs/ext4/ext4.ko", "ext4")]
    [InlineData("kernel/sound/snd-hda-intel.ko.gz", "snd_hda_intel")]
    [InlineData("dm-crypt", "dm_crypt")]
    public void NamesCompareAsTheKernelDoes(string path, string name) => Assert.Equal(name, KernelModules.NameOf(path));

    [Fact]
    public void ModulesDepThatEscapesTheDirectoryIsRefused()
    {
        using var t = new TempRoot();
        t.Write("/lib/modules/1/modules.dep", "kernel/a.ko: ../../../etc/shadow\n");
        var e = Assert.Throws<NkdumpException>(() => KernelModules.Load(t.Root, "1"));
        Assert.Contains("modules.dep:1", e.Message);
    }

    [Fact]
    public void MissingModulesDepSaysDepmod()
    {
        using var t = new TempRoot();
        Assert.Contains("depmod", Assert.Throws<NkdumpException>(() => KernelModules.Load(t.Root, "1")).Message);
    }
}
