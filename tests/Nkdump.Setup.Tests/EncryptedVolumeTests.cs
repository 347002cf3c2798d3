using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

public class EncryptedVolumeTests
{
    /// <summary>
    /// A Debian installer's "encrypted LVM" layout: dm-1 (LVM-…, nkvg-root) on dm-0
    /// (CRYPT-LUKS2-…-vda2_crypt) on the partition vda2.
    /// </summary>
    private static void FakeLuksSysfs(TempRoot t)
    {
        Directory.CreateDirectory(t.Real("/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda2"));
        foreach (var (dm, uuid, name) in new[]
        {
            ("dm-0", "CRYPT-LUKS2-0f1e2d3c4b5a69788796a5b4c3d2e1f0-vda2_crypt", "vda2_crypt"),
            ("dm-1", "LVM-AbCdEfGhIjKlMnOpQrStUvWxYz012345AbCdEfGhIjKlMnOpQrStUvWxYz012345", "nkvg-root"),
        })
        {
            Directory.CreateDirectory(t.Real($"/sys/devices/virtual/block/{dm}/slaves"));
            t.Write($"/sys/devices/virtual/block/{dm}/dm/uuid", uuid + "\n");
            t.Write($"/sys/devices/virtual/block/{dm}/dm/name", name + "\n");
            Directory.CreateDirectory(t.Real("/sys/class/block"));
            File.CreateSymbolicLink(t.Real($"/sys/class/block/{dm}"), $"../../devices/virtual/block/{dm}");
            t.Write($"/dev/{dm}", "");
        }

        File.CreateSymbolicLink(t.Real("/sys/devices/virtual/block/dm-0/slaves/vda2"), "../../../../pci0000:00/0000:00:04.0/virtio1/block/vda/vda2");
        File.CreateSymbolicLink(t.Real("/sys/devices/virtual/block/dm-1/slaves/dm-0"), "../../dm-0");
        File.CreateSymbolicLink(t.Real("/sys/class/block/vda2"), "../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda2");
        Directory.CreateDirectory(t.Real("/dev/mapper"));
        File.CreateSymbolicLink(t.Real("/dev/mapper/nkvg-root"), "../dm-1");
        File.CreateSymbolicLink(t.Real("/dev/mapper/vda2_crypt"), "../dm-0");
    }

    [Fact]
    public void FindsLuksUnderTheDeviceAndUnderAnLvmVolumeOnIt()
    {
        using var t = new TempRoot();
        FakeLuksSysfs(t);
        foreach (var device in new[] { "/dev/mapper/vda2_crypt", "/dev/mapper/nkvg-root" })
        {
            Assert.Equal(new EncryptedVolume("dm-0", "vda2_crypt", "LUKS2"), EncryptedVolume.Find(t.Root, device));
        }

        Assert.Null(EncryptedVolume.Find(t.Root, "/dev/vda2"));
    }

    private static NkdumpException Refused(string? kernelConfig, string config = "ext4 /dev/mapper/nkvg-root\n", string? commandLine = null)
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, config);
        if (commandLine is not null)
        {
            t.Write("/proc/cmdline", commandLine);
        }

        FakeLuksSysfs(t);
        File.Copy("/usr/bin/true", t.Real("/usr/sbin/lvm"));
        if (kernelConfig is not null)
        {
            t.Write($"/boot/config-{FakeSystem.Release}", kernelConfig);
        }

        var parsed = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return Assert.Throws<NkdumpException>(() =>
            new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", parsed, t.Real("/etc/kdump.conf"))));
    }

    [Fact]
    public void AKernelWithoutCrashDmCryptIsRefusedWithTheReason()
    {
        var error = Refused("CONFIG_DM_CRYPT=m\n# CONFIG_CRASH_DM_CRYPT is not set\n");
        Assert.Equal(
            $"the dump target or root file system is on the LUKS2 encrypted device vda2_crypt (dm-0): the capture kernel {FakeSystem.Release} is built without CONFIG_CRASH_DM_CRYPT (Linux 6.16+, x86_64), the only way to give it the volume key (/boot/config-{FakeSystem.Release}); nkdump never writes a key or passphrase into the initramfs. Dump to an unencrypted file system or raw device, or over ssh or NFS",
            error.Message);
    }

    [Fact]
    public void AKernelWithCrashDmCryptIsRefusedTooUntilTheHandOverIsDone()
    {
        var error = Refused("CONFIG_DM_CRYPT=m\nCONFIG_CRASH_DM_CRYPT=y\n");
        Assert.Contains("has CONFIG_CRASH_DM_CRYPT, but nkdump does not hand the volume key over through /sys/kernel/config/crash_dm_crypt_keys yet", error.Message);
    }

    [Fact]
    public void NoKernelConfigSaysSoAndTheRootFileSystemCountsForDumpToRootfs()
    {
        var error = Refused(null, "ext4 LABEL=elsewhere\nfailure_action dump_to_rootfs\n", "BOOT_IMAGE=/vmlinuz root=/dev/mapper/nkvg-root ro\n");
        Assert.Contains($"on the LUKS2 encrypted device vda2_crypt (dm-0): no kernel config of {FakeSystem.Release} is installed to tell whether it has CONFIG_CRASH_DM_CRYPT", error.Message);
    }
}
