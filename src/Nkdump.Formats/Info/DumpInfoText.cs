using System.Globalization;
using System.Text;

namespace Nkdump.Formats.Info;

/// <summary>Renders <see cref="DumpInfo"/> as aligned text sections, one "key  value" per line.</summary>
public static class DumpInfoText
{
    public static string Render(DumpInfo info)
    {
        var sections = new List<InfoSection>
        {
            new("Dump", [
                new("file", info.Path),
                new("format", info.Format),
                new("compression", info.Compression),
                .. info.Files.Count > 1 ? info.Files.Select((f, i) => new InfoField($"part {i + 1}", f)) : [],
            ]),
        };
        if (info.Header.Count > 0)
        {
            sections.Add(new InfoSection("Header", info.Header));
        }

        var p = info.Pages;
        sections.Add(new InfoSection("Pages", [
            new("page_size", N(p.PageSize)),
            new("max_pfn", N((long)p.MaxPfn)),
            new("present", N(p.Present)),
            new("dumped", N(p.Dumped)),
            new("zero", N(p.Zero)),
            new("excluded", N(p.Excluded)),
            .. p.Partial > 0 ? [new InfoField("partial", $"{N(p.Partial)} (ELF segments start or end inside them: the missing bytes read as zeros)")] : Array.Empty<InfoField>(),
            .. p.Incomplete > 0 ? [new InfoField("incomplete", N(p.Incomplete))] : Array.Empty<InfoField>(),
            .. p.Corrupt > 0 ? [new InfoField("corrupt", N(p.Corrupt))] : Array.Empty<InfoField>(),
        ]));
        sections.Add(new InfoSection("CPUs", info.Cpus.Count == 0
            ? [new InfoField("cpus", "none (no NT_PRSTATUS notes)")]
            : info.Cpus.Select(c => new InfoField($"cpu {c.Cpu}", $"pid {c.Pid}  rip {c.Rip}  rsp {c.Rsp}  rbp {c.Rbp}")).ToArray()));
        if (info.Vmcoreinfo is { } v)
        {
            sections.Add(new InfoSection("VMCOREINFO", [
                new("osrelease", v.OsRelease ?? "?"),
                new("page_size", v.PageSize?.ToString(CultureInfo.InvariantCulture) ?? "?"),
                new("kernel_offset", v.KernelOffset ?? "?"),
                new("crash_time", v.CrashTime is long t ? $"{t} ({v.CrashTimeUtc})" : "?"),
                new("build_id", v.BuildId ?? "?"),
                new("entries", N(v.Lines)),
            ]));
        }
        else
        {
            sections.Add(new InfoSection("VMCOREINFO", [new InfoField("vmcoreinfo", "none in this dump")]));
        }

        sections.AddRange(info.Sections);
        var text = new StringBuilder();
        foreach (var section in sections)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(section.Title).Append('\n');
            var width = section.Fields.Count == 0 ? 0 : section.Fields.Max(f => f.Key.Length);
            foreach (var field in section.Fields)
            {
                text.Append("  ").Append(field.Key.PadRight(width)).Append("  ").Append(field.Value).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
