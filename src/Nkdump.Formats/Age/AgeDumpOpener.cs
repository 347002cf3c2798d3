using Nkdump.Formats.Elf;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Age;

/// <summary>
/// Opens an age-encrypted dump (vmcore.age) with the identities given (--identity). The plaintext is
/// never written anywhere, to a file or to memory: every format inside is read in place, a chunk at a
/// time (<see cref="AgeFile"/>, which keeps a few decrypted chunks); a flattened dump through the index
/// of its records (<see cref="FlattenedFile"/>).
/// </summary>
internal static class AgeDumpOpener
{
    /// <summary>True when <paramref name="path"/> is a regular file that starts like an age file.</summary>
    public static bool IsAge(string path)
    {
        // A pipe is never probed here: reading its first bytes would take them from the dump reader.
        if (UnixFileStatus.Stat(path) is not { Kind: UnixFileKind.Regular })
        {
            return false;
        }

        try
        {
            using var file = PreadFile.Open(path, path, "probing");
            return AgeFile.IsAge(file);
        }
        catch (Exception e) when (e is NkdumpException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static IKernelDump Open(string path, IReadOnlyList<AgeIdentity>? identities)
    {
        if (identities is not { Count: > 0 })
        {
            throw new NkdumpException($"{path}: the dump is age-encrypted: give the identity that opens it (--identity FILE)");
        }

        var age = Ownership.Take(PreadFile.Open(path, path, "age-encrypted"), file => AgeFile.Open(file, identities));
        try
        {
            var format = DumpOpener.Probe(age) ?? throw new DumpFormatException(path, 0, "the decrypted file is not a dump: no ELF magic, no \"KDUMP   \" and no flattened signature");
            return format switch
            {
                DumpFormat.Elf => ElfVmcore.Open(age),
                DumpFormat.KdumpCompressed => KdumpDump.Open(age, format),
                _ => Flattened(FlattenedFile.Open(age)),
            };
        }
        catch
        {
            age.Dispose();
            throw;
        }
    }

    /// <summary>The dump inside a decrypted flattened file, read through its record index; takes ownership of <paramref name="flat"/>.</summary>
    private static IKernelDump Flattened(FlattenedFile flat) => DumpOpener.Probe(flat) switch
    {
        DumpFormat.KdumpCompressed => KdumpDump.Open(flat, DumpFormat.Flattened),
        DumpFormat.Elf => ElfVmcore.Open(flat),
        _ => throw new DumpFormatException(flat.Path, FlattenedLayout.HeaderSize, "the decrypted flattened dump is neither kdump-compressed nor ELF"),
    };
}
