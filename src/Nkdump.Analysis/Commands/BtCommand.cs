using System.Globalization;
using System.Text;
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
                stack.StartedFrom, stack.Trace?.Complete ?? false, stack.Trace?.EndReason, frames.Select(f => FrameToJson(f, stack)).ToList(), stack.Problem));
            ok &= stack.Trace?.Complete ?? false;

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            var cpu = stack.Cpu?.ToString(CultureInfo.InvariantCulture) ?? (stack.Task?.Cpu.ToString(CultureInfo.InvariantCulture) ?? "?");
            text.Append(CultureInfo.InvariantCulture,
                $"PID: {stack.Task?.Pid.ToString(CultureInfo.InvariantCulture) ?? "?",-7} TASK: {(stack.Task is { } task ? task.Address.ToString("x16", CultureInfo.InvariantCulture) : "?"),-16}  CPU: {cpu,-3} COMMAND: \"{stack.Task?.Comm ?? "?"}\"\n");
            if (stack.TaskProblem is { } taskProblem)
            {
                text.Append(CultureInfo.InvariantCulture, $"     (task: {taskProblem})\n");
            }

            if (stack.Trace is { } trace)
            {
                StackText.Append(text, stack, Session);
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

    internal static FrameJson FrameToJson(StackFrame frame, TaskStack? stack = null)
    {
        var source = frame.Source switch
        {
            FrameSource.Registers => "registers",
            FrameSource.Orc => "orc",
            FrameSource.FramePointer => "frame_pointer",
            FrameSource.StackScan => "stack_scan",
            _ => "user_space",
        };
        return new FrameJson(frame.Index, Hex(frame.Sp), Hex(frame.Ip), frame.Function, frame.Function is null ? null : Hex(frame.Offset),
            frame.Source == FrameSource.UserSpace ? null : frame.Module, source, frame.PtRegs is { } regs ? Hex(regs) : null,
            frame.Size == 0 ? null : Hex(frame.Size), frame.Source == FrameSource.UserSpace ? null : stack?.AreaOf(frame.Sp)?.Name, frame.Note);
    }
}
