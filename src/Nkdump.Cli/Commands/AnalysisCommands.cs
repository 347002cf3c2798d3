using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Analysis.Shell;
using Nkdump.Analysis.Triage;
using Nkdump.Kernel;

namespace Nkdump.Cli.Commands;

/// <summary>Post-mortem verbs: analyze, triage. The logic lives in Nkdump.Analysis; this file only wires.</summary>
internal static class AnalysisCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "analyze",
            "answer questions about a dump without a debuginfo package (bt, ps, sym, rd, struct, mod, log…)",
            "analyze DUMP [-c CMD]... [--json] [--system-map FILE] [--vmlinux FILE] [--ko FILE]... [--module-dir DIR]... [--identity FILE]...",
            """
              -c CMD              run CMD and exit (several -c run in order); without -c, a prompt reads commands from stdin
              --json              answer in JSON: an array of {command, ok, result}
              --system-map FILE   symbols from this System.map (relocated by the dump's KERNELOFFSET) instead of the dump's kallsyms
              --vmlinux FILE      symbols and BTF types from this vmlinux instead of the dump's own
              --ko FILE           a loaded module's .ko: its full symbol table instead of what the kernel kept in memory
              --module-dir DIR    look for the loaded modules' NAME.ko files in DIR and below (e.g. /lib/modules/RELEASE)
              --identity FILE     open an age-encrypted dump (vmcore.age) with this age identity or OpenSSH private key

            Commands:
            """ + string.Concat(CommandRunner.Commands.Select(c => $"\n  {c.Usage,-50} {c.Summary}")) + """


            Symbols come from the dump's kallsyms (each module's from its own table in memory), types
            from the dump's BTF (__start_BTF..__stop_BTF), stacks from the kernel's and the modules' ORC
            tables. Frames read as the kernel's traces print them: func+0xoff/0xsize [module]. What cannot be read (an excluded page, no BTF) is said
            in the answer; the exit status is then 1. At the prompt: 'history', '!N', '!!', 'quit'.
            """,
            Analyze),
        new Command(
            "triage",
            "one-shot crash report: panic reason, call trace, taint, modules, build id, and a signature that groups the same bug",
            "triage DUMP [--json] [--system-map FILE] [--vmlinux FILE] [--ko FILE]... [--module-dir DIR]... [--identity FILE]...",
            """
              --json              one JSON object: signature, panic_reason, release, build_id, taint, call_trace, frames, modules, missing
              --system-map FILE   symbols from this System.map instead of the dump's kallsyms
              --vmlinux FILE      symbols and BTF from this vmlinux
              --ko FILE           a loaded module's .ko (its full symbol table); --module-dir DIR: find them in DIR
              --identity FILE     open an age-encrypted dump (vmcore.age) with this age identity or OpenSSH private key

            The signature is a hash of the normalized panic reason and the top frames below the
            crash machinery (panic, __crash_kexec, oops handling): the same bug on many machines
            gets the same signature. Exit status 1 when something was missing (listed in "missing").
            """,
            Triage),
    ];

    private static KernelSession OpenSession(ParsedArguments parsed) =>
        KernelSession.Open(parsed.Positionals[0], new KernelSessionOptions
        {
            SystemMap = parsed.Get("--system-map"),
            Vmlinux = parsed.Get("--vmlinux"),
            ModuleFiles = [.. parsed.GetAll("--ko"), .. parsed.GetAll("--module-dir")],
            Identities = IdentityOption.Load(parsed),
        });

    private static int Analyze(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--json").Repeatable("-c", "--ko", "--module-dir", IdentityOption.Name).Value("--system-map", "--vmlinux").Parse(args);
        parsed.ExpectPositionals(1, 1, "one dump file");
        using var session = OpenSession(parsed);
        var runner = new CommandRunner(session);
        var json = parsed.Has("--json");
        var commands = parsed.GetAll("-c");
        if (commands.Count == 0)
        {
            using var input = new StreamReader(ctx.OpenStandardInput());
            return new AnalysisShell(runner, input, ctx.Out, json).Run() == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }

        var answers = commands.Select(runner.Run).ToList();
        ctx.Out.Write(json ? AnswerWriter.Json(answers) + "\n" : AnswerWriter.Text(answers));
        ctx.Out.Flush();
        return answers.All(a => a.Ok) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static int Triage(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--json").Repeatable("--ko", "--module-dir", IdentityOption.Name).Value("--system-map", "--vmlinux").Parse(args);
        parsed.ExpectPositionals(1, 1, "one dump file");
        using var session = OpenSession(parsed);
        var report = TriageReport.Build(session);
        ctx.Out.Write(parsed.Has("--json")
            ? JsonSerializer.Serialize(report, AnalysisJsonContext.CreateReadable(indented: true).TriageJson) + "\n"
            : TriageText.Format(report));
        ctx.Out.Flush();
        return report.Missing.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
