using System.Diagnostics;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Notes;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Where seeds come from: the real crash dumps in ../shared/fixtures when they are there (their
/// notes, VMCOREINFO, a handful of real pages, the first bytes of each file), synthetic stand-ins
/// otherwise. Only small slices are taken: a seed is a few pages, never a dump.
/// </summary>
internal sealed class SeedSource(string? fixtures)
{
    private RealDump? _real;
    private bool _realTried;

    /// <summary>The fixture folders, or none when the fixtures are absent.</summary>
    public IReadOnlyList<string> FixtureDirs =>
        fixtures is not null && Directory.Exists(fixtures) ? Directory.GetDirectories(fixtures).Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>The kdump-compressed fixture files (makedumpfile's own output).</summary>
    public IEnumerable<string> KdumpFiles => FixtureDirs.SelectMany(d => Directory.GetFiles(d, "vmcore.kdump-*").Order(StringComparer.Ordinal));

    /// <summary>Notes and pages of the first kdump-compressed fixture, or synthetic ones.</summary>
    public RealDump Dump
    {
        get
        {
            if (!_realTried)
            {
                _realTried = true;
                _real = KdumpFiles.FirstOrDefault() is { } path ? RealDump.Read(path) : null;
            }

            return _real ?? RealDump.Synthetic();
        }
    }

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="path"/>.</summary>
    public static byte[] Head(string path, int length)
    {
        using var stream = File.OpenRead(path);
        var bytes = new byte[(int)Math.Min(length, stream.Length)];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The first bytes of each fixture's /proc/vmcore (ELF header, program headers, notes), unpacked on the fly from vmcore.elf.zst.</summary>
    public IEnumerable<(string Fixture, byte[] Head)> ElfHeads(int length)
    {
        foreach (var dir in FixtureDirs)
        {
            var packed = Path.Combine(dir, "vmcore.elf.zst");
            if (File.Exists(packed) && UnpackHead(packed, length) is { } head)
            {
                yield return (Path.GetFileName(dir), head);
            }
        }
    }

    private static byte[]? UnpackHead(string packed, int length)
    {
        try
        {
            using var zstd = Process.Start(new ProcessStartInfo("zstd", ["-q", "-d", "-c", "--long=30", packed])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (zstd is null)
            {
                return null;
            }

            var head = new byte[length];
            var read = zstd.StandardOutput.BaseStream.ReadAtLeast(head, length, throwOnEndOfStream: false);
            zstd.Kill();
            zstd.WaitForExit();
            return head[..read];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no zstd: the other seeds do
        }
    }
}

/// <summary>What the seeds take from a real dump: its notes and a few of its pages.</summary>
internal sealed record RealDump(IReadOnlyList<ElfNote> Notes, string VmcoreInfoText, IReadOnlyList<byte[]> Pages)
{
    public const int PageCount = 12;

    public static RealDump Read(string path)
    {
        using var dump = DumpOpener.Open(path);
        var pages = new List<byte[]>();
        var page = new byte[4096];
        // Pages of the kernel image and the first direct-map pages: real text, data and page tables.
        foreach (var range in dump.Memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn && pages.Count < PageCount; pfn += 97)
            {
                if (dump.Memory.GetPageState(pfn) == PageState.Present && dump.Memory.TryRead(pfn * 4096, page, out _))
                {
                    pages.Add((byte[])page.Clone());
                }
            }
        }

        return new RealDump(dump.Notes.ToArray(), dump.VmcoreInfo?.Text ?? "", pages);
    }

    /// <summary>Stand-ins when the fixtures are absent: two CPUs, a short VMCOREINFO, patterned pages.</summary>
    public static RealDump Synthetic()
    {
        const string Text = "OSRELEASE=6.1.0-synthetic\nPAGESIZE=4096\nKERNELOFFSET=0\nCRASHTIME=1700000000\nSYMBOL(init_top_pgt)=ffffffff81000000\n";
        var prstatus = new byte[CpuState.PrstatusSize];
        var notes = new List<ElfNote>
        {
            new("CORE", ElfNote.NtPrstatus, prstatus),
            new("CORE", ElfNote.NtPrstatus, prstatus),
            new(ElfNote.VmcoreInfoName, 0, Encoding.ASCII.GetBytes(Text)),
        };
        var pages = Enumerable.Range(0, PageCount).Select(i => Enumerable.Range(0, 4096).Select(b => (byte)((b % (i + 3)) * 7)).ToArray()).ToArray();
        return new RealDump(notes, Text, pages);
    }
}
