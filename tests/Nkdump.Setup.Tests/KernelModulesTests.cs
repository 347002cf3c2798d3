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

    [Fact]
    public void SoftDependenciesThroughAliasesLoadFirst()
    {
        // Debian 6.1: ext4 mounts only with a crc32c driver, asked for by alias at run time.
        using var t = new TempRoot();
        t.Write("/lib/modules/1/modules.dep",
            "kernel/fs/ext4/ext4.ko: kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\nkernel/fs/mbcache.ko:\nkernel/fs/jbd2/jbd2.ko:\n" +
            "kernel/crypto/crc32c_generic.ko:\nkernel/arch/x86/crypto/crc32c-intel.ko:\n");
        t.Write("/lib/modules/1/modules.softdep", "# Soft dependencies extracted from modules themselves.\nsoftdep ext4 pre: crypto-crc32c\nsoftdep jbd2 pre: crypto-crc32c\n");
        t.Write("/lib/modules/1/modules.alias", "alias crypto-crc32c crc32c_generic\nalias crypto-crc32c crc32c_intel\nalias pci:v*d* virtio_pci\n");
        var order = KernelModules.Load(t.Root, "1").Closure(["ext4"], out var missing);
        Assert.Empty(missing);
        Assert.Equal(
            ["kernel/crypto/crc32c_generic.ko", "kernel/arch/x86/crypto/crc32c-intel.ko", "kernel/fs/jbd2/jbd2.ko", "kernel/fs/mbcache.ko", "kernel/fs/ext4/ext4.ko"],
            order);
    }
}
