using System.Globalization;
using System.Text;
using Nkdump.Analysis.Modules;
using Nkdump.Analysis.Stacks;
using Nkdump.Kernel.Orc;

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
            var frames = stack.Trace?.Frames.Select(f => FrameToJson(f, Session.Modules)).ToList() ?? [];
            json.Add(new BacktraceJson(stack.Task?.Pid, stack.Task?.Comm, stack.Task is { } t ? Hex(t.Address) : null, stack.Cpu,
                stack.StartedFrom, stack.Trace?.Complete ?? false, stack.Trace?.EndReason, frames, stack.Problem));
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
                    var name = frame.Function is null ? "(unknown)" : frame.Offset is null ? frame.Function : $"{frame.Function}+{frame.Offset}";
                    var module = frame.Module is null ? "" : $" [{frame.Module}]";
                    var note = frame.Source switch
                    {
                        "user_space" => "  (user space)",
                        "frame_pointer" => "  (frame pointer)",
                        "stack_scan" => "  (stack scan)",
                        _ => "",
                    };
                    text.Append(CultureInfo.InvariantCulture, $" #{frame.Index,-2} [{frame.Sp[2..],16}] {name}{module} at {frame.Ip[2..]}{note}\n");
                    if (frame.PtRegs is { } regs)
                    {
                        AppendPtRegs(text, ParseHex(regs), frame.Source == "user_space");
                    }
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

    // struct pt_regs (x86_64), named as the kernel's __show_regs() prints them (R08, EFLAGS).
    private static readonly (string Name, int Offset)[] PtRegsLayout =
    [
        ("RIP", 128), ("RSP", 152), ("EFLAGS", 144), ("RAX", 80), ("RBX", 40), ("RCX", 88), ("RDX", 96), ("RSI", 104),
        ("RDI", 112), ("RBP", 32), ("R08", 72), ("R09", 64), ("R10", 56), ("R11", 48), ("R12", 24), ("R13", 16),
        ("R14", 8), ("R15", 0), ("ORIG_RAX", 120), ("CS", 136), ("SS", 160),
    ];

    /// <summary>The registers saved at an exception or system-call entry, three per line like crash.</summary>
    private void AppendPtRegs(StringBuilder text, ulong address, bool fromUser)
    {
        var bytes = new byte[168];
        if (!Session.Kernel.Memory.TryRead(address, bytes, out var failure))
        {
            text.Append(CultureInfo.InvariantCulture, $"     --- pt_regs at {address:x} not readable: {failure} ---\n");
            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"     --- {(fromUser ? "entered from user space" : "exception frame")}: pt_regs at {address:x} ---\n");
        for (var i = 0; i < PtRegsLayout.Length; i += 3)
        {
            text.Append("    ");
            foreach (var (name, offset) in PtRegsLayout.Skip(i).Take(3))
            {
                var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset));
                text.Append(CultureInfo.InvariantCulture, $" {name + ":",-9} {value:x16}");
            }

            text.Append('\n');
        }
    }

    internal static FrameJson FrameToJson(StackFrame frame, ModuleList? modules)
    {
        var module = frame.Source == FrameSource.UserSpace ? null : modules?.Containing(frame.Ip)?.Name;
        var source = frame.Source switch
        {
            FrameSource.Registers => "registers",
            FrameSource.Orc => "orc",
            FrameSource.FramePointer => "frame_pointer",
            FrameSource.StackScan => "stack_scan",
            _ => "user_space",
        };
        return new FrameJson(frame.Index, Hex(frame.Sp), Hex(frame.Ip), frame.Function, frame.Function is null ? null : Hex(frame.Offset), module, source,
            frame.PtRegs is { } regs ? Hex(regs) : null);
    }
}
