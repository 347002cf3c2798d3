using System.Globalization;
using System.Text;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Ps(string[] args)
    {
        NoArguments(args, "ps");

        var tasks = Session.Tasks ?? throw new AnalysisUsageException($"ps needs the task list: {Session.TasksProblem}");
        var all = tasks.All();
        var active = new HashSet<ulong>();
        for (var cpu = 0; cpu < Session.Dump.Cpus.Count; cpu++)
        {
            if (tasks.CurrentTask(cpu) is { } current)
            {
                active.Add(current);
            }
        }

        var text = new StringBuilder("     PID    PPID  CPU  TASK              ST  COMM\n");
        var json = new List<TaskJson>(all.Count);
        foreach (var t in all)
        {
            var isActive = active.Contains(t.Address);
            json.Add(new TaskJson(t.Pid, t.ParentPid, t.Cpu, t.State.ToString(), t.Comm, Hex(t.Address), t.Tgid, isActive, t.IsIdle, t.IsKernelThread));
            text.Append(CultureInfo.InvariantCulture,
                $"{(isActive ? '>' : ' ')}{t.Pid,7} {t.ParentPid,7} {t.Cpu,4}  {t.Address:x16}  {t.State}   {t.Comm}\n");
        }

        foreach (var problem in tasks.Problems)
        {
            text.Append(CultureInfo.InvariantCulture, $"(incomplete: {problem})\n");
        }

        return Output(tasks.Problems.Count == 0, text.ToString(), new PsJson(json, tasks.Problems.ToList()), Json.PsJson);
    }
}
