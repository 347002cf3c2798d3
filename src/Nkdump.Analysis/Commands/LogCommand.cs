using Nkdump.Kernel.Printk;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Log(string[] args)
    {
        NoArguments(args, "log");

        var log = Session.Log ?? throw new AnalysisUsageException($"no log: {Session.LogProblem}");
        var text = DmesgTextFormatter.Format(log.Records, caller: false);
        foreach (var problem in log.Problems)
        {
            text += $"(incomplete: {problem})\n";
        }

        var json = new LogJson(log.Format.ToString(), log.Records.Select(PrintkRecordJson.From).ToList(), log.Problems.ToList());
        return Output(log.IsComplete, text, json, Json.LogJson);
    }
}
