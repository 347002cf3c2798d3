using Nkdump.Analysis.Commands;
using Nkdump.Kernel;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Stacks;

namespace Nkdump.Analysis.Triage;

/// <summary>
/// The one-shot summary a fleet needs from a dump: why it panicked, where (the symbolic call
/// trace), how tainted, which modules, which build, and a signature that groups the same bug.
/// </summary>
public static class TriageReport
{
    /// <summary>Frames that are the crash machinery itself, not the bug: skipped before taking the signature frames.</summary>
    private static readonly HashSet<string> CrashMachinery = new(StringComparer.Ordinal)
    {
        "crash_setup_regs", "__crash_kexec", "crash_kexec", "panic", "vpanic", "dump_stack", "dump_stack_lvl",
        "oops_end", "die", "die_addr", "do_trap", "do_error_trap", "handle_bug", "exc_invalid_op", "asm_exc_invalid_op",
        "page_fault_oops", "kernelmode_fixup_or_oops", "__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault",
        "exc_page_fault", "asm_exc_page_fault", "no_context", "exc_general_protection", "asm_exc_general_protection",
    };

    public static TriageJson Build(KernelSession session)
    {
        var kernel = session.Kernel;
        var missing = new List<string>();
        var reason = CrashFacts.PanicReasonText(session.Log);
        if (session.Log is null)
        {
            missing.Add($"log: {session.LogProblem}");
        }
        else if (reason is null)
        {
            missing.Add("log: no panic or oops line found");
        }

        var stack = new StackReader(session).Panic();
        if (stack.Trace is null)
        {
            missing.Add($"call trace: {stack.Problem}");
        }
        else if (!stack.Trace.Complete)
        {
            missing.Add($"call trace incomplete: {stack.Trace.EndReason}");
        }

        var frames = stack.Trace?.Frames ?? [];
        var callTrace = frames.Where(f => f.Source != FrameSource.UserSpace).Select(f => f.Describe()).ToList();
        var modules = session.Modules is { } loaded ? loaded.Modules.Select(m => CommandRunner.ModuleToJson(session, m)).ToList() : [];
        if (session.Modules is null)
        {
            missing.Add($"modules: {session.ModulesProblem}");
        }

        var taint = session.TaintMask;
        if (taint is null)
        {
            missing.Add("taint: tainted_mask is not readable");
        }

        var crashing = session.CrashingCpu;
        var signature = CrashSignature.Compute(reason ?? "", SignatureFrames(frames));
        return new TriageJson(
            signature,
            reason,
            session.Release,
            kernel.VmcoreInfo.BuildId,
            taint is { } mask ? (mask == 0 ? "" : session.TaintFlags.Letters(mask)) : null,
            taint is { } m ? session.TaintFlags.Meanings(m).ToList() : [],
            crashing?.Cpu,
            crashing?.Pid,
            crashing?.Comm,
            callTrace,
            frames.Select(f => CommandRunner.FrameToJson(f, stack)).ToList(),
            modules,
            CrashFacts.CrashTimeText(session.CrashTime),
            missing);
    }

    /// <summary>
    /// The frames that identify the bug: below an in-kernel exception frame (the faulting function
    /// first) when there is one, else below the crash machinery (__crash_kexec, panic, oops handling).
    /// </summary>
    public static IEnumerable<string> SignatureFrames(IReadOnlyList<StackFrame> frames)
    {
        var kernelFrames = frames.Where(f => f.Source != FrameSource.UserSpace && f.Function is not null).ToList();
        var exception = kernelFrames.FindIndex(f => f.PtRegs is not null);
        var start = exception >= 0 ? exception : kernelFrames.FindIndex(f => !CrashMachinery.Contains(CrashSignature.NormalizeFrame(f.Function!)));
        return kernelFrames.Skip(Math.Max(start, 0)).Select(f => f.Function!);
    }
}
