using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Nkdump.Formats;
using Nkdump.Kernel;

namespace Nkdump.Analysis.Commands;

/// <summary>One analyze command: name, synopsis, one-line summary, and its implementation.</summary>
public sealed record AnalysisCommand(string Name, string Usage, string Summary, Func<CommandRunner, string[], CommandOutput> Run);

/// <summary>
/// Runs analyze commands ("bt -a", "rd -64 init_task 4") against one session. Every command
/// answers with text and JSON; a failure becomes an error answer, never an exception out of
/// <see cref="Run"/>, so a prompt or a list of -c commands goes on.
/// </summary>
public sealed partial class CommandRunner(KernelSession session)
{
    private ILookup<string, Nkdump.Kernel.Symbols.KernelSymbol>? _symbolsByName;
    private Nkdump.Kernel.Symbols.ISymbolTable? _symbolsByNameSource;

    public KernelSession Session { get; } = session;

    internal AnalysisJsonContext Json { get; } = AnalysisJsonContext.CreateReadable();

    /// <summary>The command table, in help order.</summary>
    public static IReadOnlyList<AnalysisCommand> Commands { get; } =
    [
        new("sys", "sys", "kernel release, machine, panic reason and task, dump facts", (r, a) => r.Sys(a)),
        new("log", "log", "the kernel log (printk ring buffer)", (r, a) => r.Log(a)),
        new("bt", "bt [PID | -a | -c CPU]", "backtrace of the panicking task, a pid, every CPU, or one CPU", (r, a) => r.Bt(a)),
        new("foreach", "foreach bt", "backtrace of every task", (r, a) => r.Foreach(a)),
        new("ps", "ps", "tasks: pid, ppid, cpu, state, comm (> marks tasks running at the crash)", (r, a) => r.Ps(a)),
        new("sym", "sym NAME|ADDRESS...", "symbol to address, or address to symbol+offset", (r, a) => r.Sym(a)),
        new("rd", "rd [-p] [-8|-16|-32|-64] ADDRESS|SYMBOL [COUNT]", "read memory (virtual, or -p physical)", (r, a) => r.Rd(a)),
        new("struct", "struct TYPE ADDRESS|SYMBOL", "print memory as a BTF type", (r, a) => r.Struct(a)),
        new("p", "p VARIABLE", "print a kernel variable whose type is known (see docs/ANALYSIS.md)", (r, a) => r.Print(a)),
        new("mod", "mod [NAME]", "loaded modules: name, text base, size (core + init), taints; NAME: its memory regions too", (r, a) => r.Mod(a)),
        new("kmem", "kmem -i", "memory summary", (r, a) => r.Kmem(a)),
        new("help", "help", "this list", (r, a) => r.Help(a)),
    ];

    /// <summary>Runs one command line.</summary>
    public CommandOutput Run(string line)
    {
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return Error(line, "empty command");
        }

        var command = Commands.FirstOrDefault(c => c.Name == words[0]);
        if (command is null)
        {
            return Error(line, $"unknown command '{words[0]}' (try 'help')");
        }

        try
        {
            return command.Run(this, words[1..]) with { Command = line.Trim() };
        }
        catch (NkdumpException e)
        {
            return Error(line, e.Message);
        }
    }

    internal CommandOutput Output<T>(bool ok, string text, T value, JsonTypeInfo<T> type) =>
        new("", ok, text, JsonSerializer.Serialize(value, type));

    internal CommandOutput Error(string line, string message) =>
        new(line.Trim(), false, $"error: {message}\n", JsonSerializer.Serialize(new ErrorJson(message), Json.ErrorJson));

    /// <summary>
    /// An address argument: hex with or without 0x (crash's convention), a symbol, or symbol+offset.
    /// </summary>
    internal ulong ParseAddress(string text)
    {
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        var head = plus > 0 ? text[..plus] : text;
        var offset = plus > 0 ? ParseHex(text[(plus + 1)..]) : 0;
        if (Session.Symbols is { } symbols && symbols.TryGetAddress(head, out var address))
        {
            return address + offset;
        }

        if (Session.Kernel.VmcoreInfo.Symbol(head) is { } exported)
        {
            return exported + offset;
        }

        return TryParseHex(head, out var value)
            ? value + offset
            : throw new AnalysisUsageException($"'{text}' is neither an address nor a known symbol");
    }

    internal static ulong ParseHex(string text) =>
        TryParseHex(text, out var value) ? value : throw new AnalysisUsageException($"'{text}' is not a hex number");

    internal static bool TryParseHex(string text, out ulong value)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    internal static int ParseInt(string text, string what) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new AnalysisUsageException($"'{text}' is not a valid {what}");

    internal static string Hex(ulong value) => $"0x{value:x}";

    /// <summary>Refuses arguments to a command that takes none.</summary>
    internal static void NoArguments(string[] args, string command)
    {
        if (args.Length != 0)
        {
            throw new AnalysisUsageException($"{command} takes no arguments");
        }
    }

    private CommandOutput Help(string[] args)
    {
        var text = new System.Text.StringBuilder();
        foreach (var c in Commands)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {c.Usage,-50} {c.Summary}\n");
        }

        return Output(true, text.ToString(), new HelpJson(Commands.Select(c => c.Usage).ToList()), Json.HelpJson);
    }
}
