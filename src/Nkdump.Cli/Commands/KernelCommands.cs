using System.Text;
using System.Text.Json;
using Nkdump.Formats;
using Nkdump.Kernel;
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
            "dmesg DUMP [--caller] [--json]",
            """
              --caller   put the caller id ([     T123] task, [      C1] CPU) after the time, like newer makedumpfile
              --json     one JSON object per record: seq, timestamp_ns, level, facility, caller, text, device_info

            The log is read with VMCOREINFO alone (no vmlinux needed), from the lockless ring
            buffer (5.10+) or the structured log_buf (3.5-5.9). The text is byte for byte what
            makedumpfile 1.7.2 writes. If part of the log cannot be read (an excluded page, a
            corrupt ring) the readable records are still printed, the problem goes to stderr and
            the exit status is 1.
            """,
            Dmesg),
    ];

    private static int Dmesg(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--caller", "--json").Parse(args);
        parsed.ExpectPositionals(1, 1, "one dump file");
        using var dump = DumpOpener.Open(parsed.Positionals[0]);
        var kernel = KernelContext.Open(dump.Memory, dump.VmcoreInfo);
        var log = KernelLogReader.Read(kernel);

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
}
