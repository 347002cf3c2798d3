using Nkdump.Analysis.Types;
using Nkdump.Kernel.Btf;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    /// <summary>Largest object "struct" reads (task_struct is about 10 KiB).</summary>
    private const int MaxStructBytes = 1 << 20;

    private CommandOutput Struct(string[] args)
    {
        if (args.Length < 2)
        {
            throw new AnalysisUsageException("usage: struct TYPE ADDRESS|SYMBOL   (TYPE: task_struct, 'struct page', 'union x')");
        }

        // "struct task_struct ADDR", "struct struct task_struct ADDR" and "struct union thread_union ADDR" all work.
        var typeName = string.Join(' ', args[..^1]);
        var btf = Session.Btf ?? throw new AnalysisUsageException($"struct needs the kernel's types: {Session.BtfProblem}");
        var type = btf.FindByCName(typeName.Contains(' ', StringComparison.Ordinal) ? typeName : "struct " + typeName)
            ?? btf.FindByCName(typeName)
            ?? throw new AnalysisUsageException($"no type '{typeName}' in {btf.Source}");
        return PrintObject(btf, type.Id, ParseAddress(args[^1]));
    }

    private CommandOutput Print(string[] args)
    {
        if (args.Length != 1)
        {
            throw new AnalysisUsageException("usage: p VARIABLE");
        }

        var variable = KnownVariables.Find(args[0])
            ?? throw new AnalysisUsageException($"the type of '{args[0]}' is not known (kernel BTF has no variables; known: {string.Join(", ", KnownVariables.All.Select(v => v.Name))})");
        var btf = Session.Btf ?? throw new AnalysisUsageException($"p needs the kernel's types: {Session.BtfProblem}");
        var typeText = variable.Type;
        var bracket = typeText.IndexOf(" [", StringComparison.Ordinal);
        if (bracket > 0)
        {
            typeText = typeText[..bracket]; // arrays print their first element's type; use rd for more
        }

        var type = btf.FindByCName(typeText) ?? throw new AnalysisUsageException($"no type '{typeText}' in {btf.Source}");
        var address = ParseAddress(variable.Name);
        if (variable.PerCpu)
        {
            var tasks = Session.Tasks ?? throw new AnalysisUsageException($"per-CPU variables need the CPU offsets: {Session.TasksProblem}");
            address = tasks.PerCpuAddress(variable.Name, 0) ?? throw new AnalysisUsageException("__per_cpu_offset[0] is not readable");
        }

        return PrintObject(btf, type.Id, address);
    }

    private CommandOutput PrintObject(BtfTypes btf, int typeId, ulong address)
    {
        var size = btf.SizeOf(typeId);
        if (size <= 0 || size > MaxStructBytes)
        {
            throw new AnalysisUsageException($"{btf.TypeName(typeId)} has size {size}: not printable");
        }

        var bytes = new byte[size];
        var readable = Session.Kernel.Memory.TryReadPrefix(address, bytes, out var failure);
        var problem = readable < size ? $"only {readable} of {size} bytes are readable: {failure}" : null;
        var value = new StructPrinter(btf, Session.Symbols).Decode("", typeId, bytes, readable);
        var text = StructPrinter.Format(value);
        if (problem is not null)
        {
            text += $"(incomplete: {problem})\n";
        }

        return Output(problem is null, text, new StructJson(btf.TypeName(typeId), Hex(address), size, ToJson(value), problem), Json.StructJson);
    }

    private static FieldJson ToJson(FieldValue value) =>
        new(value.Name, value.Type, value.Offset, value.Value, value.Fields?.Select(ToJson).ToList());
}
