using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Writing;
using Nkdump.Testing.Builders;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Seeds of the dump targets: small but whole dumps around the real notes (VMCOREINFO, NT_PRSTATUS)
/// and real pages of a fixture, in every page compression, with zero, excluded and partial pages;
/// plus the first bytes of the real files (headers as makedumpfile and the kernel wrote them).
/// </summary>
internal static class DumpSeeds
{
    private const int PageSize = 4096;
    private const ulong MaxMapnr = 32;

    public static IEnumerable<Seed> Kdump(SeedSource source)
    {
        var real = source.Dump;
        foreach (var compression in Enum.GetValues<PageCompression>())
        {
            yield return new Seed($"kdump-{PageCodecs.Name(compression)}", KdumpFile(real, compression, complete: true));
        }

        yield return new Seed("kdump-lzo-incomplete", KdumpFile(real, PageCompression.Lzo, complete: false));
        foreach (var file in source.KdumpFiles)
        {
            // The real headers, sub-header, notes and the start of the bitmaps.
            yield return new Seed($"real-{Path.GetFileName(Path.GetDirectoryName(file))}-{Path.GetFileName(file)}-head", SeedSource.Head(file, 64 << 10));
        }
    }

    public static IEnumerable<Seed> ElfCore(SeedSource source)
    {
        var real = source.Dump;
        yield return new Seed("elf-core", ElfCore(real));
        foreach (var (fixture, head) in source.ElfHeads(16 << 10))
        {
            yield return new Seed($"real-{fixture}-vmcore.elf-head", head);
        }
    }

    public static IEnumerable<Seed> Flattened(SeedSource source)
    {
        var real = source.Dump;
        yield return new Seed("flattened-kdump-zlib", Flatten(output => WriteKdump(output, real, PageCompression.Zlib, complete: true)));
        var elf = ElfCore(real);
        yield return new Seed("flattened-elf", Flatten(output =>
        {
            // Out of order, as a writer that seeks back to its headers produces.
            output.Position = 4096;
            output.Write(elf.AsSpan(4096));
            output.Position = 0;
            output.Write(elf.AsSpan(0, 4096));
        }));
    }

    /// <summary>
    /// A kdump-compressed file of 32 page frames: 24 exist, 0-15 hold the real pages (compressed where
    /// that shrinks them), 16-19 are zero pages, 20-23 excluded; notes copied from the real dump.
    /// </summary>
    private static byte[] KdumpFile(RealDump real, PageCompression compression, bool complete)
    {
        using var output = new MemoryStream();
        WriteKdump(output, real, compression, complete);
        return output.ToArray();
    }

    private static void WriteKdump(Stream output, RealDump real, PageCompression compression, bool complete)
    {
        var present = new PfnBitmap(MaxMapnr);
        var dumped = new PfnBitmap(MaxMapnr);
        present.SetRange(0, 24);
        dumped.SetRange(0, 20);
        using var writer = new KdumpWriter(output, new KdumpWriterOptions
        {
            Compression = compression,
            MaxMapnr = MaxMapnr,
            Present = present,
            Dumped = dumped,
            Notes = real.Notes,
            Utsname = ["Linux", "fuzz", "6.1.0-56-amd64", "#1 SMP Debian 6.1.192-2", "x86_64", "(none)"],
            TimestampSeconds = 1700000000,
            DumpLevel = 31,
        });
        using var compressor = compression == PageCompression.None ? null : PageCodecs.CreateCompressor(compression, PageSize);
        var packed = new byte[PageSize];
        for (ulong pfn = 0; pfn < 16; pfn++)
        {
            var page = real.Pages[(int)(pfn % (ulong)real.Pages.Count)];
            if (compressor is not null && compressor.TryCompress(page, packed, out var written))
            {
                writer.WritePage(pfn, PageEncoding.Compressed, packed.AsSpan(0, written));
            }
            else
            {
                writer.WritePage(pfn, PageEncoding.Raw, page);
            }

            if (!complete && pfn == 8)
            {
                return; // cut short, as on a full disk: the header keeps its incomplete flag
            }
        }

        for (ulong pfn = 16; pfn < 20; pfn++)
        {
            writer.WritePage(pfn, PageEncoding.Zero, []);
        }

        writer.Complete();
    }

    /// <summary>
    /// An ELF core with the real notes: the kernel text map (virtual alias), direct-map pages, a
    /// segment with a zero-filled tail (p_memsz > p_filesz) and one that ends inside a page.
    /// </summary>
    private static byte[] ElfCore(RealDump real)
    {
        var builder = new ElfCoreBuilder();
        foreach (var note in real.Notes)
        {
            builder.Note(note.Name, note.Type, note.Descriptor.ToArray());
        }

        byte[] Pages(int first, int count) => [.. real.Pages.Skip(first).Take(count).SelectMany(p => p)];
        builder.Load(0x1000000, Pages(0, 4), vaddr: 0xffffffff81000000);
        builder.Load(0x100000, Pages(4, 4), memSize: 8 * PageSize);
        builder.Load(0x2000000, Pages(8, 2)[..0x1c00]);
        return builder.Build();
    }

    private static byte[] Flatten(Action<Stream> write)
    {
        using var output = new MemoryStream();
        using (var flattened = new FlattenedWriteStream(output, leaveOpen: true))
        {
            write(flattened);
            flattened.Finish();
        }

        return output.ToArray();
    }
}
