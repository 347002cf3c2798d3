using System.Text;
using System.Text.RegularExpressions;
using Nkdump.Formats;
using Nkdump.Formats.Notes;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Printk;

namespace Nkdump.Kernel.Crash;

/// <summary>Builds a <see cref="CrashSummary"/> from a kernel context, its CPUs' notes and (optionally) its log.</summary>
public static partial class CrashSummaryReader
{
    // struct new_utsname { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; }
    private const int UtsFieldLength = 65;

    /// <summary>Functions that save the crashing CPU's registers (crash_setup_regs() is inlined into __crash_kexec()).</summary>
    private static readonly string[] CrashSavers = ["__crash_kexec", "crash_kexec", "crash_setup_regs", "machine_crash_shutdown"];

    public static CrashSummary Read(KernelContext kernel, IReadOnlyList<CpuState> cpus, KernelLog? log)
    {
        var info = kernel.VmcoreInfo;
        var problems = new List<string>();
        var records = log?.Records ?? [];

        string?[] uts = new string?[5];
        if (info.Symbol("init_uts_ns") is { } utsNs)
        {
            var name = utsNs + (ulong)(info.Offset("uts_namespace.name") ?? 0);
            try
            {
                var bytes = kernel.Memory.ReadBytes(name, UtsFieldLength * 5, "init_uts_ns.name");
                for (var i = 0; i < 5; i++)
                {
                    var field = bytes.AsSpan(i * UtsFieldLength, UtsFieldLength);
                    var end = field.IndexOf((byte)0);
                    uts[i] = Encoding.UTF8.GetString(end >= 0 ? field[..end] : field);
                }
            }
            catch (KernelReadException e)
            {
                problems.Add(e.Message);
            }
        }
        else
        {
            problems.Add("VMCOREINFO has no SYMBOL(init_uts_ns): release and machine come from OSRELEASE only");
        }

        var reason = PanicReason.Find(records);
        var panicCpuLine = FindCpuLine(records);

        ulong? taint = null;
        if (kernel.Symbols is { } symbols && symbols.TryGetAddress("tainted_mask", out var taintAddress))
        {
            try
            {
                taint = kernel.Memory.ReadUInt64(taintAddress, "tainted_mask");
            }
            catch (KernelReadException e)
            {
                problems.Add(e.Message);
            }
        }
        else
        {
            problems.Add(kernel.SymbolsProblem is { } p ? $"no symbols ({p}): taint and RIP symbol unknown" : "tainted_mask not found in the symbols");
        }

        return new CrashSummary
        {
            SysName = uts[0],
            NodeName = uts[1],
            Release = uts[2] ?? info.OsRelease,
            Version = uts[3],
            Machine = uts[4],
            CrashTime = info.CrashTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null,
            UptimeNs = reason?.TimestampNs ?? (records.Count > 0 ? records[^1].TimestampNs : null),
            PanicReason = reason is null ? null : PanicReason.FirstLine(reason),
            TaintMask = taint,
            TaintFromLog = panicCpuLine?.Taint,
            Cpu = FindCrashingCpu(kernel, cpus, panicCpuLine, problems),
            MemoryBytes = kernel.Physical.MaxPfn * (ulong)kernel.Physical.PageSize,
            DumpedBytes = kernel.Physical.Ranges.Aggregate(0UL, (sum, r) => sum + (r.Count * (ulong)kernel.Physical.PageSize)),
            KaslrOffset = kernel.Layout.KernelOffset,
            BuildId = info.BuildId,
            Problems = problems,
        };
    }

    /// <summary>
    /// The crashing CPU: the one the panic's "CPU: N PID: P Comm: C" line names, else the one whose
    /// saved instruction pointer is in the function that saves crash registers (other CPUs were
    /// stopped by an NMI wherever they were), else the only CPU running a task (pid != 0).
    /// </summary>
    private static CrashingCpu? FindCrashingCpu(KernelContext kernel, IReadOnlyList<CpuState> cpus, CpuLine? line, List<string> problems)
    {
        if (cpus.Count == 0)
        {
            problems.Add("the dump has no NT_PRSTATUS notes: no CPU registers");
            return null;
        }

        CrashingCpu Make(CpuState cpu, string how) =>
            new(cpu.Cpu, cpu.Pid, line is { } l && l.Pid == cpu.Pid ? l.Comm : null, cpu.Registers, kernel.Symbolize(cpu.Registers.Rip), how);

        bool InSaver(CpuState cpu) => kernel.Symbols is { } s && s.TryResolve(cpu.Registers.Rip, out var where) && CrashSavers.Contains(where.Symbol.Name);

        if (line is { } cpuLine && cpus.FirstOrDefault(c => c.Cpu == cpuLine.Cpu && c.Pid == cpuLine.Pid) is { } named)
        {
            return Make(named, $"the panic's log line names CPU {cpuLine.Cpu}, PID {cpuLine.Pid}");
        }

        if (cpus.Where(InSaver).ToList() is [var saver])
        {
            return Make(saver, "its saved RIP is where the kernel saves crash registers");
        }

        if (cpus.Where(c => c.Pid != 0).ToList() is [var busy])
        {
            return Make(busy, "the only CPU that was running a task");
        }

        problems.Add("cannot tell which CPU crashed: showing the first NT_PRSTATUS note");
        return Make(cpus[0], "first NT_PRSTATUS note (nothing else decided)");
    }

    private sealed record CpuLine(int Cpu, int Pid, string Comm, string Taint);

    /// <summary>The dump_stack() header after the crash started: "CPU: 0 [UID: 0 ]PID: 1 Comm: init ... Not tainted|Tainted: ...".</summary>
    private static CpuLine? FindCpuLine(IReadOnlyList<PrintkRecord> records)
    {
        for (var i = records.Count - 1; i >= 0; i--)
        {
            var match = CpuLinePattern().Match(PanicReason.FirstLine(records[i]));
            if (match.Success)
            {
                var taint = match.Groups["taint"].Value.Trim();
                return new CpuLine(int.Parse(match.Groups["cpu"].Value), int.Parse(match.Groups["pid"].Value), match.Groups["comm"].Value, taint);
            }
        }

        return null;
    }

    // Newer kernels print "UID: n" before PID (the 6.12 fixture does, 6.1 does not); "Kdump: loaded" appears when a crash kernel is loaded.
    [GeneratedRegex(@"^CPU: (?<cpu>\d+) (?:UID: \d+ )?PID: (?<pid>\d+) Comm: (?<comm>\S+)(?: Kdump: \w+)? (?<taint>Not tainted|Tainted: [A-Z ]+?) \S")]
    private static partial Regex CpuLinePattern();
}
