using System.Globalization;
using System.Text;
using Nkdump.Analysis.Triage;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Sys(string[] args)
    {
        NoArguments(args, "sys");

        var kernel = Session.Kernel;
        var missing = new List<string>();
        var uts = Session.Utsname;
        if (Session.Btf is null)
        {
            missing.Add($"types (BTF): {Session.BtfProblem}");
        }

        var crashing = Session.CrashingCpu;
        var tasks = Session.Tasks?.All().Count;
        if (Session.Tasks is null)
        {
            missing.Add($"tasks: {Session.TasksProblem}");
        }

        var reason = CrashFacts.PanicReasonText(Session.Log);
        if (Session.Log is null)
        {
            missing.Add($"log: {Session.LogProblem}");
        }

        var total = Memory.MemorySummary.Read(kernel, Session.Btf).FirstOrDefault(l => l.Name == "TOTAL MEM")?.Pages;
        var taint = Session.TaintMask;
        var json = new SysJson(Session.Release, uts?.Version, uts?.Machine, uts?.NodeName, Session.Dump.Path, Session.Dump.Format.ToString(), Session.Dump.Cpus.Count, tasks,
            total is { } pages ? Bytes(pages * kernel.Physical.PageSize) : null, reason, crashing?.Cpu, crashing?.Pid,
            crashing?.Comm, CrashFacts.CrashTimeText(Session.CrashTime), Hex(kernel.Layout.KernelOffset), kernel.VmcoreInfo.BuildId,
            taint is { } mask ? (mask == 0 ? "not tainted" : Session.TaintFlags.Letters(mask)) : null,
            Session.Symbols?.Source ?? $"none ({kernel.SymbolsProblem})", Session.Btf?.Source, missing,
            taint is { } bits ? Session.TaintFlags.Meanings(bits) : [], CrashFacts.CauseText(Session.Log));

        var text = new StringBuilder();
        void Line(string name, object? value) => text.Append(CultureInfo.InvariantCulture, $"{name,16}: {value ?? "(unknown)"}\n");
        Line("KERNEL", json.Release);
        Line("VERSION", json.Version);
        Line("MACHINE", json.Machine);
        Line("NODENAME", json.NodeName);
        Line("DUMPFILE", $"{json.DumpFile} ({json.DumpFormat})");
        Line("CPUS", json.Cpus);
        Line("TASKS", json.Tasks);
        Line("MEMORY", json.TotalMemory);
        Line("PANIC", json.PanicReason is { } r ? $"\"{r}\"" : null);
        if (json.Cause is { } cause)
        {
            Line("CAUSE", $"\"{cause}\"");
        }

        Line("PANIC CPU", json.PanicCpu);
        Line("PANIC TASK", json.PanicPid is { } pid ? $"{pid} ({json.PanicComm})" : null);
        Line("CRASH TIME", json.CrashTime);
        Line("TAINT", json.Taint);
        foreach (var meaning in json.TaintFlags ?? [])
        {
            Line("", meaning);
        }

        Line("KASLR OFFSET", json.KaslrOffset);
        Line("BUILD-ID", json.BuildId);
        Line("SYMBOLS", json.SymbolSource);
        Line("TYPES", json.BtfSource);
        foreach (var m in missing)
        {
            text.Append(CultureInfo.InvariantCulture, $"{"MISSING",16}: {m}\n");
        }

        return Output(missing.Count == 0, text.ToString(), json, Json.SysJson);
    }

    internal static string Bytes(long bytes) => bytes >= 1L << 30
        ? $"{bytes / (double)(1L << 30):0.0} GiB"
        : $"{bytes / (double)(1L << 20):0.0} MiB";
}
