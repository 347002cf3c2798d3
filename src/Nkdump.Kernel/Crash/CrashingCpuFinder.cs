using System.Text.RegularExpressions;
using Nkdump.Formats;
using Nkdump.Formats.Notes;
using Nkdump.Kernel.Printk;

namespace Nkdump.Kernel.Crash;

/// <summary>
/// The one place that decides which CPU crashed and which task it ran, for <c>info</c>,
/// <c>triage</c>, <c>analyze</c> (sys, bt) alike. In order of trust:
/// <list type="number">
/// <item>panic_cpu (kernel/panic.c, an atomic_t; -1 when no panic): panic() and crash_kexec() both
/// claim it before saving registers (since 4.5, "kexec: fix race between panic() and crash_kexec()").</item>
/// <item>The panic's "CPU: N PID: P Comm: C" log line (dump_stack()'s header).</item>
/// <item>The one CPU whose saved instruction pointer is in the function that saves crash registers
/// (the others were stopped by an NMI wherever they were).</item>
/// <item>The only CPU that was running a task (pid != 0).</item>
/// <item>Else the first NT_PRSTATUS note, said to be a guess.</item>
/// </list>
/// NT_PRSTATUS notes are written one per online CPU in CPU order (crash_save_cpu()), so a note's
/// index is taken as its CPU number. The task's pid is the note's pr_pid; its name comes from the
/// log line when that names the same pid, else from the task running on that CPU (rq->curr).
/// </summary>
internal static partial class CrashingCpuFinder
{
    /// <summary>Functions that save the crashing CPU's registers (crash_setup_regs() is inlined into __crash_kexec()).</summary>
    private static readonly string[] CrashSavers = ["__crash_kexec", "crash_kexec", "crash_setup_regs", "machine_crash_shutdown"];

    /// <summary>The crashing CPU, and why it is missing or only a guess.</summary>
    public sealed record Result(CrashingCpu? Cpu, string? Problem);

    public static Result Find(KernelSession session)
    {
        var cpus = session.Cpus;
        if (cpus.Count == 0)
        {
            return new Result(null, "the dump has no NT_PRSTATUS notes: no CPU registers");
        }

        var line = session.Log is { } log ? PanicCpuLine.Find(log.Records) : null;

        CrashingCpu Make(CpuState cpu, string how) =>
            new(cpu.Cpu, cpu.Pid, CommOf(session, cpu, line), cpu.Registers, session.Symbolize(cpu.Registers.Rip), how);

        if (ReadPanicCpu(session) is { } panicCpu && panicCpu >= 0 && panicCpu < cpus.Count)
        {
            return new Result(Make(cpus[panicCpu], $"panic_cpu is {panicCpu}"), null);
        }

        if (line is { } cpuLine && cpus.FirstOrDefault(c => c.Cpu == cpuLine.Cpu && c.Pid == cpuLine.Pid) is { } named)
        {
            return new Result(Make(named, $"the panic's log line names CPU {cpuLine.Cpu}, PID {cpuLine.Pid}"), null);
        }

        bool InSaver(CpuState cpu) =>
            session.Symbols is { } s && s.TryResolve(cpu.Registers.Rip, out var where) && CrashSavers.Contains(where.Symbol.Name);

        if (cpus.Where(InSaver).ToList() is [var saver])
        {
            return new Result(Make(saver, "its saved RIP is where the kernel saves crash registers"), null);
        }

        if (cpus.Where(c => c.Pid != 0).ToList() is [var busy])
        {
            return new Result(Make(busy, "the only CPU that was running a task"), null);
        }

        return new Result(Make(cpus[0], "first NT_PRSTATUS note (nothing else decided)"), "cannot tell which CPU crashed: showing the first NT_PRSTATUS note");
    }

    /// <summary>panic_cpu's value, or null when there are no symbols or it is not in the dump.</summary>
    private static int? ReadPanicCpu(KernelSession session)
    {
        if (session.Symbols is not { } symbols || !symbols.TryGetAddress("panic_cpu", out var address))
        {
            return null;
        }

        Span<byte> value = stackalloc byte[4];
        return session.Kernel.Memory.TryRead(address, value, out _) ? System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(value) : null;
    }

    /// <summary>The task's name: from the panic's log line when it names this pid, else rq->curr's comm.</summary>
    private static string? CommOf(KernelSession session, CpuState cpu, PanicCpuLine? line)
    {
        if (line is { } l && l.Pid == cpu.Pid)
        {
            return l.Comm;
        }

        if (session.Tasks is not { } tasks)
        {
            return null;
        }

        try
        {
            return tasks.CurrentTask(cpu.Cpu) is { } current && tasks.Read(current) is { } task && task.Pid == cpu.Pid ? task.Comm : null;
        }
        catch (NkdumpException)
        {
            return null;
        }
    }
}

/// <summary>The dump_stack() header after the crash started: "CPU: 0 [UID: 0 ]PID: 1 Comm: init ... Not tainted|Tainted: ...".</summary>
internal sealed partial record PanicCpuLine(int Cpu, int Pid, string Comm, string Taint)
{
    /// <summary>The last such line in the log, or null.</summary>
    public static PanicCpuLine? Find(IReadOnlyList<PrintkRecord> records)
    {
        for (var i = records.Count - 1; i >= 0; i--)
        {
            var match = Pattern().Match(PanicReason.FirstLine(records[i]));
            if (match.Success)
            {
                var taint = match.Groups["taint"].Value.Trim();
                return new PanicCpuLine(int.Parse(match.Groups["cpu"].Value), int.Parse(match.Groups["pid"].Value), match.Groups["comm"].Value, taint);
            }
        }

        return null;
    }

    // Newer kernels print "UID: n" before PID (the 6.12 fixture does, 6.1 does not); "Kdump: loaded" appears when a crash kernel is loaded.
    [GeneratedRegex(@"^CPU: (?<cpu>\d+) (?:UID: \d+ )?PID: (?<pid>\d+) Comm: (?<comm>\S+)(?: Kdump: \w+)? (?<taint>Not tainted|Tainted: [A-Z ]+?) \S")]
    private static partial Regex Pattern();
}
