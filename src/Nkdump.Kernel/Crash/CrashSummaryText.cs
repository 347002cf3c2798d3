using System.Globalization;
using System.Text;
using Nkdump.Formats.Notes;

namespace Nkdump.Kernel.Crash;

/// <summary>The crash summary as text: "Label: value" lines, then the crashing CPU's registers.</summary>
public static class CrashSummaryText
{
    public static string Format(CrashSummary s)
    {
        var text = new StringBuilder();
        void Line(string label, string? value)
        {
            if (value is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"{label + ":",-14} {value}\n");
            }
        }

        Line("Kernel", s.Release is null ? null : string.Join(' ', new[] { s.SysName, s.Release, s.Version, s.Machine }.Where(x => !string.IsNullOrEmpty(x))));
        Line("Node", string.IsNullOrEmpty(s.NodeName) ? null : s.NodeName);
        Line("Crash time", s.CrashTime?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        Line("Uptime", s.UptimeNs is { } up ? FormatUptime(up) : null);
        Line("Panic", s.PanicReason ?? "(no panic, Oops or BUG line in the log)");
        Line("Panic line", s.PanicLine);
        Line("Cause", s.Cause);
        Line("Tainted", s.TaintMask is { } mask
            ? mask == 0 ? "no (0x0)" : $"{s.TaintLetters} (0x{mask:x}): {string.Join("; ", s.TaintMeanings)}"
            : s.TaintFromLog is { } fromLog ? $"{fromLog} (from the log)" : "unknown");
        if (s.Cpu is { } cpu)
        {
            var task = cpu.Comm is null ? $"PID {cpu.Pid}" : $"PID {cpu.Pid} ({cpu.Comm})";
            Line("Crashing CPU", $"{cpu.Cpu}, {task}: {cpu.HowFound}");
            Line("RIP", cpu.InstructionPointerSymbol is { } sym ? $"{cpu.Registers.Rip:x16} {sym}" : $"{cpu.Registers.Rip:x16}");
            AppendRegisters(text, cpu.Registers);
        }

        Line("Memory", $"{s.MemoryBytes / (1024 * 1024)} MiB physical address span, {s.DumpedBytes / (1024 * 1024)} MiB in the dump's ranges");
        Line("KASLR offset", $"0x{s.KaslrOffset:x}");
        Line("Build ID", s.BuildId);
        foreach (var problem in s.Problems)
        {
            Line("Note", problem);
        }

        return text.ToString();
    }

    public static string FormatUptime(ulong ns) =>
        string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000}.{ns % 1_000_000_000 / 1000:D6} s ({TimeSpan.FromTicks((long)(ns / 100)):d\\.hh\\:mm\\:ss})");

    private static void AppendRegisters(StringBuilder text, X86_64Registers registers)
    {
        // Three per line, like the kernel's __show_regs().
        var names = X86_64Registers.Names;
        for (var i = 0; i < names.Count; i += 3)
        {
            text.Append("   ");
            for (var j = i; j < Math.Min(i + 3, names.Count); j++)
            {
                text.Append(CultureInfo.InvariantCulture, $" {names[j].ToUpperInvariant(),8}: {registers.Values[j]:x16}");
            }

            text.Append('\n');
        }
    }
}
