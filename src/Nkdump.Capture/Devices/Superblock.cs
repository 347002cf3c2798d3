using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Nkdump.Capture.Devices;

/// <summary>What a file system's superblock says about it: type, UUID (lower-case, dashed) and label.</summary>
internal sealed record FileSystemIdentity(string Type, string Uuid, string Label);

/// <summary>
/// Reads the identity of ext2/3/4, XFS and btrfs from their superblocks, so that UUID= and LABEL=
/// targets resolve in a capture initramfs that has no udev (hence no /dev/disk/by-uuid links).
/// </summary>
internal static class Superblock
{
    /// <summary>How much of the device <see cref="Probe"/> needs: btrfs' superblock ends below 68 KiB.</summary>
    public const int ProbeLength = BtrfsOffset + BtrfsLabelOffset + BtrfsLabelLength;

    // struct ext4_super_block at byte 1024: __le16 s_magic at 0x38; __le32 s_feature_compat at 0x5C,
    // s_feature_incompat at 0x60; __u8 s_uuid[16] at 0x68; char s_volume_name[16] at 0x78.
    private const int ExtOffset = 1024;
    private const int ExtMagicOffset = 0x38;
    private const ushort ExtMagic = 0xEF53;
    private const int ExtCompatOffset = 0x5C;
    private const int ExtIncompatOffset = 0x60;
    private const int ExtUuidOffset = 0x68;
    private const int ExtLabelOffset = 0x78;
    private const int ExtLabelLength = 16;
    private const uint ExtCompatHasJournal = 0x4;
    private const uint ExtIncompatExtents = 0x40; // an ext4-only feature; 64bit (0x80) and flex_bg (0x200) too
    private const uint ExtIncompatExt4Only = ExtIncompatExtents | 0x80 | 0x200;

    // struct xfs_dsb at byte 0 (big endian): __be32 sb_magicnum "XFSB"; uuid_t sb_uuid at 32; char sb_fname[12] at 108.
    private const uint XfsMagic = 0x58465342;
    private const int XfsUuidOffset = 32;
    private const int XfsLabelOffset = 108;
    private const int XfsLabelLength = 12;

    // struct btrfs_super_block at 64 KiB: u8 fsid[16] at 0x20; __le64 magic "_BHRfS_M" at 0x40; char label[256] at 0x12B.
    private const int BtrfsOffset = 0x10000;
    private const int BtrfsUuidOffset = 0x20;
    private const int BtrfsMagicOffset = 0x40;
    private const int BtrfsLabelOffset = 0x12B;
    private const int BtrfsLabelLength = 256;

    /// <summary>The identity in the first bytes of a device, or null when no known file system is there.</summary>
    public static FileSystemIdentity? Probe(ReadOnlySpan<byte> start)
    {
        if (start.Length >= ExtOffset + ExtLabelOffset + ExtLabelLength
            && BinaryPrimitives.ReadUInt16LittleEndian(start[(ExtOffset + ExtMagicOffset)..]) == ExtMagic)
        {
            var sb = start[ExtOffset..];
            var incompat = BinaryPrimitives.ReadUInt32LittleEndian(sb[ExtIncompatOffset..]);
            var compat = BinaryPrimitives.ReadUInt32LittleEndian(sb[ExtCompatOffset..]);
            var type = (incompat & ExtIncompatExt4Only) != 0 ? "ext4" : (compat & ExtCompatHasJournal) != 0 ? "ext3" : "ext2";
            return new(type, Uuid(sb.Slice(ExtUuidOffset, 16)), Label(sb.Slice(ExtLabelOffset, ExtLabelLength)));
        }

        if (start.Length >= XfsLabelOffset + XfsLabelLength && BinaryPrimitives.ReadUInt32BigEndian(start) == XfsMagic)
        {
            return new("xfs", Uuid(start.Slice(XfsUuidOffset, 16)), Label(start.Slice(XfsLabelOffset, XfsLabelLength)));
        }

        if (start.Length >= ProbeLength && start.Slice(BtrfsOffset + BtrfsMagicOffset, 8).SequenceEqual("_BHRfS_M"u8))
        {
            var sb = start[BtrfsOffset..];
            return new("btrfs", Uuid(sb.Slice(BtrfsUuidOffset, 16)), Label(sb.Slice(BtrfsLabelOffset, BtrfsLabelLength)));
        }

        return null;
    }

    /// <summary>Reads the start of <paramref name="device"/> and probes it; null when unreadable or unknown.</summary>
    public static FileSystemIdentity? Probe(string device)
    {
        try
        {
            using var file = File.OpenHandle(device, FileMode.Open, FileAccess.Read);
            var buffer = new byte[ProbeLength];
            var read = RandomAccess.Read(file, buffer, 0);
            return Probe(buffer.AsSpan(0, read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Uuid(ReadOnlySpan<byte> bytes)
    {
        var hex = Convert.ToHexStringLower(bytes);
        return string.Create(CultureInfo.InvariantCulture, $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}");
    }

    private static string Label(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
