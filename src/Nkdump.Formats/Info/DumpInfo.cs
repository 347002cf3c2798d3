using System.Globalization;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Info;

/// <summary>One "key: value" line of a section.</summary>
public sealed record InfoField(string Key, string Value);

/// <summary>
/// A titled list of facts. `nkdump info` shows the format's facts as typed parts of
/// <see cref="DumpInfo"/>; other layers (the kernel's crash summary) append sections of their own.
/// </summary>
public sealed record InfoSection(string Title, IReadOnlyList<InfoField> Fields);

/// <summary>How many pages are in which state; <paramref name="Partial"/> of the present and dumped ones only in part (their missing bytes read as zeros).</summary>
public sealed record PageCounts(long Present, long Dumped, long Zero, long Excluded, long Incomplete, long Corrupt, ulong MaxPfn, int PageSize, long Partial = 0);

/// <summary>One CPU's crash-time state (the registers that matter for a first look).</summary>
public sealed record CpuInfo(int Cpu, int Pid, string Rip, string Rsp, string Rbp);

/// <summary>The VMCOREINFO facts people ask first.</summary>
public sealed record VmcoreInfoSummary(string? OsRelease, int? PageSize, string? KernelOffset, long? CrashTime, string? CrashTimeUtc, string? BuildId, int Lines);

/// <summary>
/// What `nkdump info` reports about a dump: format, header fields, compression, page counts, CPUs,
/// VMCOREINFO. Built by <see cref="Describe"/>; rendered as text by <see cref="DumpInfoText"/> and as
/// JSON through <see cref="DumpInfoJsonContext"/>.
/// </summary>
public sealed record DumpInfo(
    string Path,
    string Format,
    IReadOnlyList<string> Files,
    string Compression,
    IReadOnlyList<InfoField> Header,
    PageCounts Pages,
    IReadOnlyList<CpuInfo> Cpus,
    VmcoreInfoSummary? Vmcoreinfo)
{
    /// <summary>Sections other layers add (e.g. a crash summary), rendered after the format's own.</summary>
    public List<InfoSection> Sections { get; init; } = [];

    public static string FormatName(DumpFormat format) => format switch
    {
        DumpFormat.Elf => "elf",
        DumpFormat.KdumpCompressed => "kdump-compressed",
        _ => "flattened",
    };

    public static DumpInfo Describe(IKernelDump dump)
    {
        var (header, compression, files) = dump switch
        {
            KdumpDump k => (KdumpFields(k), PageCodecs.Name(k.Header.Compression), k.Files.Select(f => f.Path).ToArray()),
            ElfVmcore e => (ElfFields(e), "none", new[] { e.Path }),
            _ => (new List<InfoField>(), "none", new[] { dump.Path }),
        };
        return new DumpInfo(
            dump.Path,
            FormatName(dump.Format),
            files,
            compression,
            header,
            CountPages(dump.Memory),
            dump.Cpus.Select(c => new CpuInfo(c.Cpu, c.Pid, Hex(c.Registers.Rip), Hex(c.Registers.Rsp), Hex(c.Registers.Rbp))).ToArray(),
            Summarize(dump.VmcoreInfo));
    }

    private static List<InfoField> KdumpFields(KdumpDump dump)
    {
        var h = dump.Header;
        var fields = new List<InfoField>
        {
            new("header_version", Dec(h.HeaderVersion)),
            new("sysname", h.Utsname[0]),
            new("nodename", h.Utsname[1]),
            new("release", h.Utsname[2]),
            new("version", h.Utsname[3]),
            new("machine", h.Utsname[4]),
            new("domainname", h.Utsname[5]),
            new("timestamp", $"{Dec(h.TimestampSeconds)}.{h.TimestampMicroseconds:D6}"),
            new("status", $"0x{h.Status:x} ({StatusNames(h.Status)})"),
            new("block_size", Dec(h.BlockSize)),
            new("sub_hdr_size", Dec(h.SubHeaderBlocks)),
            new("bitmap_blocks", Dec(h.BitmapBlocks)),
            new("max_mapnr", Dec(h.MaxMapnr)),
            new("nr_cpus", Dec(h.NrCpus)),
            new("phys_base", Hex(h.PhysBase)),
            new("dump_level", Dec(h.DumpLevel)),
            new("split", h.IsSplit ? $"{dump.Files.Count} file(s), this one PFNs [{h.StartPfn}, {h.EndPfn})" : "no"),
            new("notes_size", Dec((long)h.SizeNote)),
            new("vmcoreinfo_size", Dec((long)h.SizeVmcoreinfo)),
            new("eraseinfo_size", Dec((long)h.SizeEraseinfo)),
            new("incomplete", h.IsIncomplete ? "yes" : "no"),
        };
        return fields;
    }

    private static List<InfoField> ElfFields(ElfVmcore elf) =>
    [
        new("e_machine", Dec(elf.Machine)),
        new("program_headers", Dec(elf.Segments.Count)),
        new("pt_load", Dec(elf.Segments.Count(s => s.IsLoad))),
        new("pt_note", Dec(elf.Segments.Count(s => s.IsNote))),
        new("notes", Dec(elf.Notes.Count)),

        // makedumpfile's DUMP_ELF_INCOMPLETE: the writer stopped before its last page (a full disk).
        new("incomplete", elf.IsIncomplete ? "yes" : "no"),
    ];

    private static string StatusNames(uint status)
    {
        var names = new List<string>();
        void Add(uint flag, string name)
        {
            if ((status & flag) != 0)
            {
                names.Add(name);
            }
        }

        Add(KdumpLayout.CompressedZlib, "zlib");
        Add(KdumpLayout.CompressedLzo, "lzo");
        Add(KdumpLayout.CompressedSnappy, "snappy");
        Add(KdumpLayout.Incomplete, "incomplete");
        Add(KdumpLayout.ExcludedVmemmap, "excluded_vmemmap");
        Add(KdumpLayout.CompressedZstd, "zstd");
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }

    /// <summary>
    /// Counts page states over the memory map (present = exists in the crashed machine), once per run
    /// of frames in one state (<see cref="IPhysicalMemory.SameStateEnd"/>): a huge zero-filled ELF tail
    /// is one question, not one per page (<see cref="PageStateRuns"/>).
    /// </summary>
    public static PageCounts CountPages(IPhysicalMemory memory)
    {
        long present = 0, dumped = 0, zero = 0, excluded = 0, incomplete = 0, corrupt = 0, partial = 0;
        foreach (var run in PageStateRuns.Of(memory))
        {
            var count = run.Count;
            if (run.State == PageState.NotInDump)
            {
                continue;
            }

            present += count;
            switch (run.State)
            {
                case PageState.Present:
                    dumped += count;
                    break;
                case PageState.Zero:
                    dumped += count;
                    zero += count;
                    break;
                case PageState.Partial:
                    dumped += count;
                    partial += count;
                    break;
                case PageState.Excluded:
                    excluded += count;
                    break;
                case PageState.Incomplete:
                    incomplete += count;
                    break;
                case PageState.Corrupt:
                    corrupt += count;
                    break;
            }
        }

        return new PageCounts(present, dumped, zero, excluded, incomplete, corrupt, memory.MaxPfn, memory.PageSize, partial);
    }

    private static VmcoreInfoSummary? Summarize(VmcoreInfo? info)
    {
        if (info is null)
        {
            return null;
        }

        var crash = info.CrashTime;
        string? utc = null;
        if (crash is long seconds && seconds > 0 && seconds < 253402300800)
        {
            utc = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        }

        return new VmcoreInfoSummary(
            info.OsRelease,
            info.PageSize,
            info.KernelOffset is ulong offset ? Hex(offset) : null,
            crash,
            utc,
            info.BuildId,
            info.Entries.Count);
    }

    private static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string Dec(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Dec(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
