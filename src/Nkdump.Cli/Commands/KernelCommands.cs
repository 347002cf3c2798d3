using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Printk;

namespace Nkdump.Cli.Commands;

/// <summary>Verbs that read a dump's kernel memory: dmesg.</summary>
internal static class KernelCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "dmesg",
            "print the crashed kernel's log from a dump (like makedumpfile --dump-dmesg)",
            "dmesg DUMP [DUMP...] [--caller] [--json] [--identity FILE]...",
            """
              --caller   put the caller id ([     T123] task, [      C1] CPU) after the time, like newer makedumpfile
              --json     one JSON object per record: seq, timestamp_ns, level, facility, caller, text, device_info
              --identity FILE   open an age-encrypted dump (vmcore.age) with this age identity or OpenSSH private key

            The log is read with VMCOREINFO alone (no vmlinux needed), from the lockless ring
            buffer (5.10+) or the structured log_buf (3.5-5.9). The text is byte for byte what
            makedumpfile 1.7.2 writes. If part of the log cannot be read (an excluded page, a
            corrupt ring) the readable records are still printed, the problem goes to stderr and
            the exit status is 1. DUMP may be any format nkdump reads; give every part of a
            --split set.
            """,
            Dmesg),
    ];

    private static int Dmesg(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--caller", "--json").Repeatable(IdentityOption.Name).Parse(args);
        if (parsed.Positionals.Count == 0)
        {
            throw new UsageException("expected a dump file");
        }

        using var dump = DumpOpener.Open(parsed.Positionals, IdentityOption.Load(parsed));
        var log = KernelLogReader.Read(KernelSession.For(dump).Kernel);

        if (parsed.Has("--json"))
        {
            var json = PrintkJsonContext.CreateReadable();
            foreach (var record in log.Records)
            {
                ctx.Out.WriteLine(JsonSerializer.Serialize(PrintkRecordJson.From(record), json.PrintkRecordJson));
            }
        }
        else
        {
            var text = new StringBuilder(log.Records.Count * 80);
            foreach (var record in log.Records)
            {
                DmesgTextFormatter.Append(text, record, parsed.Has("--caller"));
            }

            ctx.Out.Write(text.ToString());
        }

        ctx.Out.Flush();
        foreach (var problem in log.Problems)
        {
            ctx.Error.WriteLine($"nkdump dmesg: error: {problem}");
        }

        return log.IsComplete ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>The crash summary of an opened dump, for `info`; null with the reason when the kernel cannot be read.</summary>
    internal static (CrashSummary? Summary, string? Problem) Summarize(IKernelDump dump)
    {
        try
        {
            return (CrashSummaryReader.Read(KernelSession.For(dump)), null);
        }
        catch (NkdumpException e)
        {
            // `info` describes the file even when its kernel cannot be read.
            return (null, e.Message);
        }
    }

    /// <summary>The "Crash" section `info` appends to its text.</summary>
    internal static string CrashSummarySection(IKernelDump dump)
    {
        var (summary, problem) = Summarize(dump);
        return summary is null
            ? $"\nCrash summary: not available: {problem}\n"
            : $"\nCrash summary:\n{CrashSummaryText.Format(summary)}";
    }

    /// <summary>`info --json` with a "crash_summary" member added (null with "crash_summary_problem" when unavailable).</summary>
    internal static string WithCrashSummary(JsonNode? infoJson, IKernelDump dump)
    {
        var (summary, problem) = Summarize(dump);
        var node = infoJson as JsonObject ?? new JsonObject();
        var context = CrashSummaryJsonContext.CreateReadable();
        node["crash_summary"] = summary is null ? null : JsonSerializer.SerializeToNode(CrashSummaryJson.From(summary), context.CrashSummaryJson);
        if (problem is not null)
        {
            node["crash_summary_problem"] = problem;
        }

        return node.ToJsonString(context.Options);
    }
}
