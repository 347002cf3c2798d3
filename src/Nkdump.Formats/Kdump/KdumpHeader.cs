using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// struct disk_dump_header and struct kdump_sub_header as plain values (see <see cref="KdumpLayout"/>).
/// The reader fills it from a file; the writer fills it the way makedumpfile does and encodes it.
/// Only Formats sets it (the setters are internal); the other projects read it.
/// </summary>
public sealed class KdumpHeader
{
    public int HeaderVersion { get; internal set; } = KdumpLayout.CurrentHeaderVersion;

    /// <summary>new_utsname: sysname, nodename, release, version, machine, domainname.</summary>
    public string[] Utsname { get; internal set; } = ["", "", "", "", "", ""];

    public long TimestampSeconds { get; internal set; }

    public long TimestampMicroseconds { get; internal set; }

    /// <summary>DUMP_DH_* bits: the compression, INCOMPLETE, EXCLUDED_VMEMMAP.</summary>
    public uint Status { get; internal set; }

    public int BlockSize { get; internal set; } = 4096;

    /// <summary>Blocks after the main header holding the sub-header and the notes copies.</summary>
    public int SubHeaderBlocks { get; internal set; }

    /// <summary>Blocks holding both bitmaps.</summary>
    public uint BitmapBlocks { get; internal set; }

    public uint MaxMapnr32 { get; internal set; }

    public uint TotalRamBlocks { get; internal set; }

    public uint DeviceBlocks { get; internal set; }

    public uint WrittenBlocks { get; internal set; }

    public uint CurrentCpu { get; internal set; }

    public int NrCpus { get; internal set; }

    public ulong PhysBase { get; internal set; }

    public int DumpLevel { get; internal set; }

    public int Split { get; internal set; }

    public ulong StartPfn32 { get; internal set; }

    public ulong EndPfn32 { get; internal set; }

    public long OffsetVmcoreinfo { get; internal set; }

    public ulong SizeVmcoreinfo { get; internal set; }

    public long OffsetNote { get; internal set; }

    public ulong SizeNote { get; internal set; }

    public long OffsetEraseinfo { get; internal set; }

    public ulong SizeEraseinfo { get; internal set; }

    public ulong StartPfn64 { get; internal set; }

    public ulong EndPfn64 { get; internal set; }

    public ulong MaxMapnr64 { get; internal set; }

    /// <summary>One past the highest PFN: the 64-bit field from version 6 on, the 32-bit one before.</summary>
    public ulong MaxMapnr => HeaderVersion >= 6 ? MaxMapnr64 : MaxMapnr32;

    public bool IsSplit => HeaderVersion >= 2 && Split != 0;

    /// <summary>The PFN range this file holds descriptors for: a part of a split set, or everything.</summary>
    public ulong StartPfn => IsSplit ? (HeaderVersion >= 6 ? StartPfn64 : StartPfn32) : 0;

    public ulong EndPfn => IsSplit ? (HeaderVersion >= 6 ? EndPfn64 : EndPfn32) : MaxMapnr;

    public bool IsIncomplete => (Status & KdumpLayout.Incomplete) != 0;

    /// <summary>The compression the status field announces (the page descriptors say it per page).</summary>
    public PageCompression Compression =>
        (Status & KdumpLayout.CompressedZlib) != 0 ? PageCompression.Zlib
        : (Status & KdumpLayout.CompressedLzo) != 0 ? PageCompression.Lzo
        : (Status & KdumpLayout.CompressedSnappy) != 0 ? PageCompression.Snappy
        : (Status & KdumpLayout.CompressedZstd) != 0 ? PageCompression.Zstd
        : PageCompression.None;

    public static uint StatusFlag(PageCompression compression) => compression switch
    {
        PageCompression.Zlib => KdumpLayout.CompressedZlib,
        PageCompression.Lzo => KdumpLayout.CompressedLzo,
        PageCompression.Snappy => KdumpLayout.CompressedSnappy,
        PageCompression.Zstd => KdumpLayout.CompressedZstd,
        _ => 0,
    };

    /// <summary>Decodes the main header (464 bytes).</summary>
    public static KdumpHeader ReadMain(ReadOnlySpan<byte> h)
    {
        var header = new KdumpHeader
        {
            HeaderVersion = BinaryPrimitives.ReadInt32LittleEndian(h[KdumpLayout.HeaderVersion..]),
            TimestampSeconds = BinaryPrimitives.ReadInt64LittleEndian(h[KdumpLayout.TimestampSeconds..]),
            TimestampMicroseconds = BinaryPrimitives.ReadInt64LittleEndian(h[KdumpLayout.TimestampMicroseconds..]),
            Status = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.Status..]),
            BlockSize = BinaryPrimitives.ReadInt32LittleEndian(h[KdumpLayout.BlockSize..]),
            SubHeaderBlocks = BinaryPrimitives.ReadInt32LittleEndian(h[KdumpLayout.SubHeaderSize..]),
            BitmapBlocks = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.BitmapBlocks..]),
            MaxMapnr32 = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.MaxMapnr32..]),
            TotalRamBlocks = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.TotalRamBlocks..]),
            DeviceBlocks = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.DeviceBlocks..]),
            WrittenBlocks = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.WrittenBlocks..]),
            CurrentCpu = BinaryPrimitives.ReadUInt32LittleEndian(h[KdumpLayout.CurrentCpu..]),
            NrCpus = BinaryPrimitives.ReadInt32LittleEndian(h[KdumpLayout.NrCpus..]),
        };
        for (var i = 0; i < 6; i++)
        {
            var field = h.Slice(KdumpLayout.Utsname + (i * KdumpLayout.UtsFieldLength), KdumpLayout.UtsFieldLength);
            var nul = field.IndexOf((byte)0);
            header.Utsname[i] = Encoding.ASCII.GetString(nul >= 0 ? field[..nul] : field);
        }

        return header;
    }

    /// <summary>Decodes the sub-header fields that the header version has.</summary>
    public void ReadSub(ReadOnlySpan<byte> s)
    {
        PhysBase = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubPhysBase..]);
        DumpLevel = BinaryPrimitives.ReadInt32LittleEndian(s[KdumpLayout.SubDumpLevel..]);
        if (HeaderVersion >= 2)
        {
            Split = BinaryPrimitives.ReadInt32LittleEndian(s[KdumpLayout.SubSplit..]);
            StartPfn32 = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubStartPfn..]);
            EndPfn32 = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubEndPfn..]);
        }

        if (HeaderVersion >= 3)
        {
            OffsetVmcoreinfo = BinaryPrimitives.ReadInt64LittleEndian(s[KdumpLayout.SubOffsetVmcoreinfo..]);
            SizeVmcoreinfo = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubSizeVmcoreinfo..]);
        }

        if (HeaderVersion >= 4)
        {
            OffsetNote = BinaryPrimitives.ReadInt64LittleEndian(s[KdumpLayout.SubOffsetNote..]);
            SizeNote = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubSizeNote..]);
        }

        if (HeaderVersion >= 5)
        {
            OffsetEraseinfo = BinaryPrimitives.ReadInt64LittleEndian(s[KdumpLayout.SubOffsetEraseinfo..]);
            SizeEraseinfo = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubSizeEraseinfo..]);
        }

        if (HeaderVersion >= 6)
        {
            StartPfn64 = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubStartPfn64..]);
            EndPfn64 = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubEndPfn64..]);
            MaxMapnr64 = BinaryPrimitives.ReadUInt64LittleEndian(s[KdumpLayout.SubMaxMapnr64..]);
        }
    }

    /// <summary>Encodes the main header into <paramref name="h"/> (at least 464 bytes, pre-zeroed).</summary>
    public void WriteMain(Span<byte> h)
    {
        KdumpLayout.Signature.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h[KdumpLayout.HeaderVersion..], HeaderVersion);
        for (var i = 0; i < 6; i++)
        {
            var field = h.Slice(KdumpLayout.Utsname + (i * KdumpLayout.UtsFieldLength), KdumpLayout.UtsFieldLength);
            field.Clear();
            var text = Utsname.Length > i ? Utsname[i] : "";
            Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, KdumpLayout.UtsFieldLength - 1)), field);
        }

        BinaryPrimitives.WriteInt64LittleEndian(h[KdumpLayout.TimestampSeconds..], TimestampSeconds);
        BinaryPrimitives.WriteInt64LittleEndian(h[KdumpLayout.TimestampMicroseconds..], TimestampMicroseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.Status..], Status);
        BinaryPrimitives.WriteInt32LittleEndian(h[KdumpLayout.BlockSize..], BlockSize);
        BinaryPrimitives.WriteInt32LittleEndian(h[KdumpLayout.SubHeaderSize..], SubHeaderBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.BitmapBlocks..], BitmapBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.MaxMapnr32..], MaxMapnr32);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.TotalRamBlocks..], TotalRamBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.DeviceBlocks..], DeviceBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.WrittenBlocks..], WrittenBlocks);
        BinaryPrimitives.WriteUInt32LittleEndian(h[KdumpLayout.CurrentCpu..], CurrentCpu);
        BinaryPrimitives.WriteInt32LittleEndian(h[KdumpLayout.NrCpus..], NrCpus);
    }

    /// <summary>Encodes the sub-header into <paramref name="s"/> (at least 104 bytes).</summary>
    public void WriteSub(Span<byte> s)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubPhysBase..], PhysBase);
        BinaryPrimitives.WriteInt32LittleEndian(s[KdumpLayout.SubDumpLevel..], DumpLevel);
        BinaryPrimitives.WriteInt32LittleEndian(s[KdumpLayout.SubSplit..], Split);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubStartPfn..], StartPfn32);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubEndPfn..], EndPfn32);
        BinaryPrimitives.WriteInt64LittleEndian(s[KdumpLayout.SubOffsetVmcoreinfo..], OffsetVmcoreinfo);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubSizeVmcoreinfo..], SizeVmcoreinfo);
        BinaryPrimitives.WriteInt64LittleEndian(s[KdumpLayout.SubOffsetNote..], OffsetNote);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubSizeNote..], SizeNote);
        BinaryPrimitives.WriteInt64LittleEndian(s[KdumpLayout.SubOffsetEraseinfo..], OffsetEraseinfo);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubSizeEraseinfo..], SizeEraseinfo);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubStartPfn64..], StartPfn64);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubEndPfn64..], EndPfn64);
        BinaryPrimitives.WriteUInt64LittleEndian(s[KdumpLayout.SubMaxMapnr64..], MaxMapnr64);
    }
}
