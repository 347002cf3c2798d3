using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nkdump.Kernel.Printk;

namespace Nkdump.Analysis.Commands;

// The JSON shapes of every analyze/triage answer. Addresses are hex strings ("0xffff…"): 64-bit
// kernel addresses do not survive a JSON number in most readers.

public sealed record SysJson(
    string? Release, string? Version, string? Machine, string? NodeName, string DumpFile, string DumpFormat, int Cpus,
    int? Tasks, string? TotalMemory, string? PanicReason, int? PanicCpu, int? PanicPid, string? PanicComm,
    string? CrashTime, string KaslrOffset, string? BuildId, string? Taint, string SymbolSource, string? BtfSource, IReadOnlyList<string> Missing,
    IReadOnlyList<string>? TaintFlags = null, string? Cause = null);

public sealed record FrameJson(int Index, string Sp, string Ip, string? Function, string? Offset, string? Module, string Source, string? PtRegs,
    string? Size = null, string? Stack = null, string? Note = null);

public sealed record BacktraceJson(int? Pid, string? Comm, string? Task, int? Cpu, string StartedFrom, bool Complete, string? End,
    IReadOnlyList<FrameJson> Frames, string? Problem);

public sealed record BtJson(IReadOnlyList<BacktraceJson> Stacks);

public sealed record TaskJson(int Pid, int Ppid, int Cpu, string State, string Comm, string Task, int Tgid, bool Active, bool Idle, bool KernelThread);

public sealed record PsJson(IReadOnlyList<TaskJson> Tasks, IReadOnlyList<string> Problems);

public sealed record SymbolJson(string Query, string? Name, string? Address, string? Type, string? Offset, string? Problem)
{
    /// <summary>The module the symbol belongs to; null for the kernel's own.</summary>
    public string? Module { get; init; }
}

public sealed record SymJson(string Source, IReadOnlyList<SymbolJson> Symbols);

public sealed record RdJson(string Address, bool Physical, int Size, IReadOnlyList<string> Values, IReadOnlyList<string?> Symbols, string? Problem);

public sealed record FieldJson(string Name, string Type, long Offset, string? Value, IReadOnlyList<FieldJson>? Fields);

public sealed record StructJson(string Type, string Address, long Size, FieldJson Value, string? Problem);

public sealed record ModuleRegionJson(string Kind, string Base, string Size);

public sealed record ModuleJson(string Name, string Module, string Base, string Size, string? State,
    string? CoreSize = null, string? InitSize = null, string? Taints = null, IReadOnlyList<ModuleRegionJson>? Regions = null, string? Symbols = null);

public sealed record ModJson(IReadOnlyList<ModuleJson> Modules, IReadOnlyList<string> Problems);

public sealed record MemoryLineJson(string Name, long? Pages, long? Bytes, string Source);

public sealed record KmemJson(int PageSize, IReadOnlyList<MemoryLineJson> Lines);

public sealed record LogJson(string Format, IReadOnlyList<PrintkRecordJson> Records, IReadOnlyList<string> Problems);

public sealed record HelpJson(IReadOnlyList<string> Commands);

public sealed record ErrorJson(string Error);

public sealed record TriageJson(
    string Signature, string? PanicReason, string? Release, string? BuildId, string? Taint, IReadOnlyList<string> TaintFlags,
    int? PanicCpu, int? Pid, string? Comm, IReadOnlyList<string> CallTrace, IReadOnlyList<FrameJson> Frames,
    IReadOnlyList<ModuleJson> Modules, string? CrashTime, IReadOnlyList<string> Missing);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(SysJson))]
[JsonSerializable(typeof(BtJson))]
[JsonSerializable(typeof(PsJson))]
[JsonSerializable(typeof(SymJson))]
[JsonSerializable(typeof(RdJson))]
[JsonSerializable(typeof(StructJson))]
[JsonSerializable(typeof(ModJson))]
[JsonSerializable(typeof(KmemJson))]
[JsonSerializable(typeof(LogJson))]
[JsonSerializable(typeof(HelpJson))]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(TriageJson))]
public sealed partial class AnalysisJsonContext : JsonSerializerContext
{
    /// <summary>A context that leaves non-ASCII, '+', '&lt;' and '&gt;' unescaped ("panic+0x13d" stays readable).</summary>
    public static AnalysisJsonContext CreateReadable(bool indented = false) => new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = indented,
    });
}
