using Nkdump.Config;
using Nkdump.Formats.Age;

namespace Nkdump.Capture;

/// <summary>
/// kdump.conf's <c>encrypt</c> as the targets see it: the names of the encrypted files, and the kernel
/// log sealed to the same recipients (the collector encrypts the vmcore itself, from its options).
/// </summary>
/// <param name="Recipients">The age recipients.</param>
/// <param name="Dmesg">Encrypt vmcore-dmesg.txt too (<see cref="KdumpConfig.EncryptDmesg"/>).</param>
public sealed record DumpEncryption(IReadOnlyList<AgeRecipient> Recipients, bool Dmesg)
{
    public const string Suffix = ".age";

    /// <summary>The encryption <paramref name="config"/> asks for, or null for a dump in the clear.</summary>
    public static DumpEncryption? For(KdumpConfig config) =>
        config.Encrypt.Count == 0 ? null : new([.. config.Encrypt.Select(AgeRecipient.Parse)], config.EncryptDmesg);

    /// <summary>The name of the log file: vmcore-dmesg.txt, or vmcore-dmesg.txt.age.</summary>
    public static string DmesgName(DumpEncryption? encryption, string name) => encryption is { Dmesg: true } ? name + Suffix : name;

    /// <summary>The log's bytes as written: <paramref name="plain"/>, or an age file of it.</summary>
    public static byte[] DmesgBytes(DumpEncryption? encryption, byte[] plain)
    {
        if (encryption is not { Dmesg: true })
        {
            return plain;
        }

        using var sealedBytes = new MemoryStream();
        using (var age = new AgeWriteStream(sealedBytes, encryption.Recipients, leaveOpen: true))
        {
            age.Write(plain);
            age.Finish();
        }

        return sealedBytes.ToArray();
    }
}
