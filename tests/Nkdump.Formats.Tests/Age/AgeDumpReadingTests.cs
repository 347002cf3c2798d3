using Nkdump.Formats.Age;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests.Age;

/// <summary>
/// Encrypted dumps are read in place through the decrypting layer: a kdump-compressed file inside age,
/// and a flattened one (records out of order and written over, as the kdump writer's -F makes them), give
/// the pages of the plain file, with no decrypted copy in a memory file or in TMPDIR; a changed or cut
/// file of either kind is refused when it is opened, naming the file.
/// </summary>
public sealed class AgeDumpReadingTests : IDisposable
{
    private static readonly (AgeIdentity Identity, string Secret, string Recipient) Key = AgeIdentity.GenerateX25519();
    private static readonly string Plain = Path.Combine(Fixtures.Dir("debian-6.1.0-56-amd64"), "vmcore.kdump-zlib-d31");
    private readonly string _dir = Directory.CreateTempSubdirectory("nkdump-age-read-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static byte[] Seal(byte[] plain) => AgeRoundTripTests.Encrypt(plain, Key.Recipient);

    /// <summary>
    /// <paramref name="file"/> flattened: 100 KiB records in reverse order, the first 8 KiB first as zeros
    /// and again at the end with its bytes (a later record wins), and a hole's zeros left out.
    /// </summary>
    private static byte[] Flatten(byte[] file)
    {
        using var output = new MemoryStream();
        using (var flat = new FlattenedWriteStream(output, leaveOpen: true))
        {
            flat.Position = 0;
            flat.Write(new byte[8192]);
            for (var at = ((file.Length - 1) / 100_000) * 100_000; at >= 0; at -= 100_000)
            {
                var part = file.AsSpan(at, Math.Min(100_000, file.Length - at));
                if (part.IndexOfAnyExcept((byte)0) < 0 && at + part.Length < file.Length)
                {
                    continue; // a hole: reassembly leaves zeros
                }

                flat.Position = at;
                flat.Write(part);
                flat.Flush();
            }

            flat.Position = 0;
            flat.Write(file.AsSpan(0, 8192));
            flat.Finish();
        }

        return output.ToArray();
    }

    [Fact]
    public void Kdump_and_flattened_dumps_inside_age_read_as_the_plain_file_without_a_copy()
    {
        var plainBytes = File.ReadAllBytes(Plain);
        File.WriteAllBytes(P("kdump.age"), Seal(plainBytes));
        File.WriteAllBytes(P("flat.age"), Seal(Flatten(plainBytes)));
        var temporaries = Directory.GetFiles(Path.GetTempPath(), "nkdump-reassembled-*").Length;

        using var plain = DumpOpener.Open(Plain);
        using (var kdump = DumpOpener.Open(P("kdump.age"), [Key.Identity]))
        {
            Assert.Equal(DumpFormat.KdumpCompressed, kdump.Format);
            Assert.IsType<AgeFile>(((KdumpDump)kdump).Files[0].File);
            Assert.True(PageComparison.AssertSubsetEqual(plain.Memory, kdump.Memory) > 1000);
            PageComparison.AssertSubsetEqual(kdump.Memory, plain.Memory);
        }

        using (var flat = DumpOpener.Open(P("flat.age"), [Key.Identity]))
        {
            Assert.Equal(DumpFormat.Flattened, flat.Format);
            Assert.IsType<FlattenedFile>(((KdumpDump)flat).Files[0].File);
            Assert.True(PageComparison.AssertSubsetEqual(plain.Memory, flat.Memory) > 1000);
            PageComparison.AssertSubsetEqual(flat.Memory, plain.Memory);
            Assert.Equal(plain.VmcoreInfo!.Text, flat.VmcoreInfo!.Text);
        }

        // Nothing reassembled or decrypted into TMPDIR (another test may make its own meanwhile: never more).
        Assert.True(Directory.GetFiles(Path.GetTempPath(), "nkdump-reassembled-*").Length <= temporaries);
    }

    [Fact]
    public void The_flattened_index_reads_what_reassembly_writes()
    {
        var plainBytes = File.ReadAllBytes(Plain);
        var flattened = Flatten(plainBytes);
        File.WriteAllBytes(P("flat.age"), Seal(flattened));
        using var reassembled = new MemoryStream();
        FlattenedReader.Reassemble(new MemoryStream(flattened), reassembled, "flat");
        Assert.Equal(plainBytes, reassembled.ToArray());

        using var indexed = FlattenedFile.Open(AgeFile.Open(Formats.IO.PreadFile.Open(P("flat.age"), P("flat.age"), "test"), [Key.Identity]));
        Assert.Equal(plainBytes.Length, indexed.Length);
        var read = new byte[plainBytes.Length];
        indexed.Read(0, read);
        Assert.Equal(plainBytes, read);
        foreach (var (offset, length) in new[] { (0, 8193), (8190, 10), (99_990, 20), (plainBytes.Length - 5, 5), (123_456, 70_000) })
        {
            Assert.Equal(plainBytes.AsSpan(offset, length).ToArray(), ((Formats.IO.ISpanFile)indexed).Span(offset, length).ToArray());
        }
    }

    public static TheoryData<string, int> Mutations()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in new[] { "kdump", "flat" })
        {
            // Header bytes, the nonce, and bytes in the first, a middle and the last chunk (negative: from the end).
            foreach (var offset in new[] { 0, 25, 60, 150, 200, 70_000, 140_000, 1_000_000, -20, -1 })
            {
                data.Add(kind, offset);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Mutations))]
    public void A_flipped_byte_or_a_cut_in_an_encrypted_dump_is_refused_naming_the_file(string kind, int offset)
    {
        var plainBytes = File.ReadAllBytes(Plain);
        var sealedBytes = Seal(kind == "flat" ? Flatten(plainBytes) : plainBytes);
        var at = offset < 0 ? sealedBytes.Length + offset : offset;
        var flipped = (byte[])sealedBytes.Clone();
        flipped[at] ^= 0x04;
        File.WriteAllBytes(P("flipped.age"), flipped);
        File.WriteAllBytes(P("cut.age"), sealedBytes[..at]);
        foreach (var name in new[] { "flipped.age", "cut.age" })
        {
            var e = Assert.ThrowsAny<NkdumpException>(() => DumpOpener.Open(P(name), [Key.Identity]).Dispose());
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
    }
}
