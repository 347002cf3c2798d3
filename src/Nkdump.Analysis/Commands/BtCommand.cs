using System.Globalization;
using System.Text;
using Nkdump.Formats.Notes;
using Nkdump.Kernel.Modules;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Stacks;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Bt(string[] args)
    {
        var reader = new StackReader(Session);
        List<TaskStack> stacks;
        if (args.Length == 0)
        {
            stacks = [reader.Panic()];
        }
        else if (args is ["-a"])
        {
            stacks = Enumerable.Range(0, Session.Dump.Cpus.Count).Select(reader.ForCpu).ToList();
        }
        else if (args is ["-c", var cpu])
        {
            stacks = [reader.ForCpu(ParseInt(cpu, "CPU number"))];
        }
        else if (args.Length == 1 && !args[0].StartsWith('-'))
        {
            var pid = ParseInt(args[0], "pid");
            var tasks = Session.Tasks ?? throw new AnalysisUsageException($"bt PID needs the task list: {Session.TasksProblem}");
            var task = tasks.FindByPid(pid) ?? throw new AnalysisUsageException($"no task with pid {pid}");
            stacks = [reader.ForTask(task)];
        }
        else
        {
            throw new AnalysisUsageException("usage: bt [PID | -a | -c CPU]");
        }

        return RenderStacks(stacks);
    }

    private CommandOutput Foreach(string[] args)
    {
        if (args is not ["bt"])
        {
            throw new AnalysisUsageException("usage: foreach bt");
        }

        var tasks = Session.Tasks ?? throw new AnalysisUsageException($"foreach needs the task list: {Session.TasksProblem}");
        var reader = new StackReader(Session);
        return RenderStacks(tasks.All().Select(reader.ForTask).ToList());
    }

    private CommandOutput RenderStacks(List<TaskStack> stacks)
    {
        var text = new StringBuilder();
        var json = new List<BacktraceJson>();
        var ok = true;
        foreach (var stack in stacks)
        {
            var frames = stack.Trace?.Frames ?? [];
            json.Add(new BacktraceJson(stack.Task?.Pid, stack.Task?.Comm, stack.Task is { } t ? Hex(t.Address) : null, stack.Cpu,
                stack.StartedFrom, stack.Trace?.Complete ?? false, stack.Trace?.EndReason, frames.Select(f => FrameToJson(f, Session.Modules)).ToList(), stack.Problem));
            ok &= stack.Trace?.Complete ?? false;

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            var cpu = stack.Cpu?.ToString(CultureInfo.InvariantCulture) ?? (stack.Task?.Cpu.ToString(CultureInfo.InvariantCulture) ?? "?");
            text.Append(CultureInfo.InvariantCulture,
                $"PID: {stack.Task?.Pid.ToString(CultureInfo.InvariantCulture) ?? "?",-7} TASK: {(stack.Task is { } task ? task.Address.ToString("x16", CultureInfo.InvariantCulture) : "?"),-16}  CPU: {cpu,-3} COMMAND: \"{stack.Task?.Comm ?? "?"}\"\n");
            if (stack.Trace is { } trace)
            {
                foreach (var frame in frames)
                {
                    AppendFrame(text, frame, ModuleOf(frame, Session.Modules));
                }

                if (!trace.Complete)
                {
                    text.Append(CultureInfo.InvariantCulture, $"     (incomplete: {trace.EndReason})\n");
                }
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"     (no backtrace: {stack.Problem})\n");
            }
        }

        return Output(ok, text.ToString(), new BtJson(json), Json.BtJson);
    }

    /// <summary>One frame as crash prints it, with the registers an exception or system call saved below it.</summary>
    private static void AppendFrame(StringBuilder text, StackFrame frame, string? module)
    {
        var name = frame.Function is null ? "(unknown)" : $"{frame.Function}+{Hex(frame.Offset)}";
        var inModule = module is null ? "" : $" [{module}]";
        var note = frame.Source switch
        {
            FrameSource.UserSpace => "  (user space)",
            FrameSource.FramePointer => "  (frame pointer)",
            FrameSource.StackScan => "  (stack scan)",
            _ => "",
        };
        text.Append(CultureInfo.InvariantCulture, $" #{frame.Index,-2} [{frame.Sp,16:x}] {name}{inModule} at {frame.Ip:x}{note}\n");
        if (frame.PtRegs is { } address)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"     --- {(frame.Source == FrameSource.UserSpace ? "entered from user space" : "exception frame")}: pt_regs at {address:x} ---\n");
            AppendRegisters(text, frame.Registers);
        }
    }

    // struct pt_regs (x86_64) in the order and with the names the kernel's __show_regs() prints (R08, EFLAGS).
    private static readonly (string Name, X86_64Register Register)[] PtRegsDisplay =
    [
        ("RIP", X86_64Register.Rip), ("RSP", X86_64Register.Rsp), ("EFLAGS", X86_64Register.Eflags), ("RAX", X86_64Register.Rax),
        ("RBX", X86_64Register.Rbx), ("RCX", X86_64Register.Rcx), ("RDX", X86_64Register.Rdx), ("RSI", X86_64Register.Rsi),
        ("RDI", X86_64Register.Rdi), ("RBP", X86_64Register.Rbp), ("R08", X86_64Register.R8), ("R09", X86_64Register.R9),
        ("R10", X86_64Register.R10), ("R11", X86_64Register.R11), ("R12", X86_64Register.R12), ("R13", X86_64Register.R13),
        ("R14", X86_64Register.R14), ("R15", X86_64Register.R15), ("ORIG_RAX", X86_64Register.OrigRax), ("CS", X86_64Register.Cs),
        ("SS", X86_64Register.Ss),
    ];

    /// <summary>The saved registers, three per line like crash; a register the frame did not save (an iret frame's) is left out.</summary>
    private static void AppendRegisters(StringBuilder text, X86_64Registers registers)
    {
        var known = PtRegsDisplay.Where(r => registers.IsKnown(r.Register)).ToArray();
        for (var i = 0; i < known.Length; i += 3)
        {
            text.Append("    ");
            foreach (var (name, register) in known.Skip(i).Take(3))
            {
                text.Append(CultureInfo.InvariantCulture, $" {name + ":",-9} {registers.Get(register)!.Value:x16}");
            }

            text.Append('\n');
        }
    }

    private static string? ModuleOf(StackFrame frame, ModuleList? modules) =>
        frame.Source == FrameSource.UserSpace ? null : modules?.Containing(frame.Ip)?.Name;

    internal static FrameJson FrameToJson(StackFrame frame, ModuleList? modules)
    {
        var source = frame.Source switch
        {
            FrameSource.Registers => "registers",
            FrameSource.Orc => "orc",
            FrameSource.FramePointer => "frame_pointer",
            FrameSource.StackScan => "stack_scan",
            _ => "user_space",
        };
        return new FrameJson(frame.Index, Hex(frame.Sp), Hex(frame.Ip), frame.Function, frame.Function is null ? null : Hex(frame.Offset), ModuleOf(frame, modules), source,
            frame.PtRegs is { } regs ? Hex(regs) : null);
    }
}
