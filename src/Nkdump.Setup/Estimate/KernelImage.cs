using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Formats.IO;

namespace Nkdump.Setup.Estimate;

/// <summary>
/// What an x86 bzImage says about itself in its setup header (the kernel's
/// Documentation/arch/x86/boot.rst): the "HdrS" magic at 0x202, the protocol version at 0x206 and,
/// from protocol 2.10 on, init_size at 0x260 — the memory the kernel needs from its load address
/// to decompress and start, which is what it takes of the crash reservation.
/// </summary>
public sealed record KernelImage(string Path, long FileSize, ushort ProtocolVersion, uint InitSize)
{
    private const int HeaderMagicOffset = 0x202; // u32 header "HdrS"
    private const int VersionOffset = 0x206;     // u16 version
    private const int InitSizeOffset = 0x260;    // u32 init_size (2.10+)
    private const uint HdrS = 0x53726448;        // "HdrS" little-endian

    public static KernelImage Read(string path)
    {
        Span<byte> header = stackalloc byte[InitSizeOffset + 4];
        long length;
        try
        {
            using var file = InputFile.OpenRegular(path, "the kernel image");
            length = file.Length;
            if (length < header.Length)
            {
                throw new NkdumpException($"{path}: {length} bytes is too small for a bzImage (the setup header ends at byte {header.Length})");
            }

            file.ReadExactly(header);
        }
        catch (FileNotFoundException)
        {
            throw new NkdumpException($"kernel image {path} does not exist");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[HeaderMagicOffset..]) != HdrS)
        {
            throw new NkdumpException($"{path}: no bzImage setup header (\"HdrS\" expected at byte 0x{HeaderMagicOffset:x})");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[VersionOffset..]);
        var initSize = version >= 0x020a ? BinaryPrimitives.ReadUInt32LittleEndian(header[InitSizeOffset..]) : 0;
        return new KernelImage(path, length, version, initSize);
    }

    /// <summary>Memory the kernel itself needs: init_size, or 4 × the file when the header is older than 2.10.</summary>
    public ulong MemoryNeed => InitSize != 0 ? InitSize : (ulong)FileSize * 4;
}
