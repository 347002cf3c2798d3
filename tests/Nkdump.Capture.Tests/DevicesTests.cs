using System.Buffers.Binary;
using Nkdump.Capture.Devices;
using Nkdump.Testing;

namespace Nkdump.Capture.Tests;

/// <summary>Finding UUID=/LABEL= targets without udev: superblocks read as blkid reads them.</summary>
public sealed class DevicesTests : IDisposable
{
    private const string Uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    private readonly CaptureTestRoot _t = new();

    [Fact]
    public void Ext4IdentityEqualsBlkid()
    {
        var device = _t.Device("vdb", Uuid, "kdump-target");
        var identity = Superblock.Probe(device);
        Assert.NotNull(identity);
        string Blkid(string tag) => ExternalTool.Run("blkid", ["-p", "-o", "value", "-s", tag, device]).StandardOutput.Trim();
        Assert.Equal(Blkid("TYPE"), identity.Type);
        Assert.Equal(Blkid("UUID"), identity.Uuid);
        Assert.Equal(Blkid("LABEL"), identity.Label);
        Assert.Equal(Uuid, identity.Uuid);
    }

    [Fact]
    public void XfsSuperblockIsRead()
    {
        var block = new byte[Superblock.ProbeLength];
        BinaryPrimitives.WriteUInt32BigEndian(block, 0x58465342); // "XFSB"
        Convert.FromHexString("00112233445566778899aabbccddeeff").CopyTo(block, 32);
        "dumps"u8.CopyTo(block.AsSpan(108));
        Assert.Equal(new FileSystemIdentity("xfs", "00112233-4455-6677-8899-aabbccddeeff", "dumps"), Superblock.Probe(block));
    }

    [Fact]
    public void UnknownOrShortDataIsNoFileSystem()
    {
        Assert.Null(Superblock.Probe(new byte[Superblock.ProbeLength]));
        Assert.Null(Superblock.Probe(new byte[100]));
    }

    [Fact]
    public void UuidAndLabelResolveByScanningBlockDevices()
    {
        _t.Device("vda");
        var target = _t.Device("vdb", Uuid, "crash");
        var devices = new BlockDevices(_t.Root);
        Assert.Equal(target, devices.Resolve($"UUID={Uuid.ToUpperInvariant()}"));
        Assert.Equal(target, devices.Resolve("LABEL=crash"));
        Assert.Equal(target, devices.Resolve("/dev/vdb"));
        Assert.Null(devices.Resolve("LABEL=other"));
        Assert.Null(devices.Resolve("UUID=ffffffff-0000-0000-0000-000000000000"));
        Assert.Null(devices.Resolve("/dev/vdz"));
    }

    [Fact]
    public void UdevLinksComeFirst()
    {
        var link = _t.Write($"/dev/disk/by-uuid/{Uuid}", "");
        var partuuid = _t.Write("/dev/disk/by-partuuid/1234abcd-01", "");
        var devices = new BlockDevices(_t.Root);
        Assert.Equal(link, devices.Resolve($"UUID={Uuid}"));
        Assert.Equal(partuuid, devices.Resolve("PARTUUID=1234ABCD-01"));
    }

    public void Dispose() => _t.Dispose();
}
