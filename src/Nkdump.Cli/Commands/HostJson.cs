using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nkdump.Cli.Commands;

/// <summary>`status --json`.</summary>
internal sealed record StatusJson(bool Operational, string Reason, ulong? CrashSize, bool Loaded, IReadOnlyList<string> Warnings, string? LastTest = null);

/// <summary>`config show --json`: the effective settings by directive, and the warnings.</summary>
internal sealed record ConfigJson(string File, string Target, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> Warnings, string? CaptureNetwork = null);

/// <summary>`crashkernel show --json`.</summary>
internal sealed record CrashkernelJson(ulong Bytes, ulong Ram, ulong Size, ulong LowSize, ulong? Offset, bool High, string? Note);

/// <summary>`list --json`: one dump.</summary>
internal sealed record DumpJson(string Id, string Path, string? CrashTime, string? Release, string? PanicReason, string? Signature, long Size, string State,
    bool Complete, string? Format, string Saved, IReadOnlyList<DumpFileJson> Files, IReadOnlyList<string> Problems);

internal sealed record DumpFileJson(string Name, long Size);

/// <summary>`list --json`.</summary>
internal sealed record DumpListJson(string Directory, IReadOnlyList<DumpJson> Dumps);

/// <summary>`show --json`: the dump and its triage report (null when the dump cannot be read).</summary>
internal sealed record DumpShowJson(DumpJson Dump, Nkdump.Analysis.Commands.TriageJson? Triage);

/// <summary>Source-generated JSON for the host verbs (no reflection: NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(ConfigJson))]
[JsonSerializable(typeof(CrashkernelJson))]
[JsonSerializable(typeof(DumpListJson))]
[JsonSerializable(typeof(DumpShowJson))]
internal sealed partial class HostJsonContext : JsonSerializerContext
{
    public static void Write<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        output.WriteLine(JsonSerializer.Serialize(value, info));
}
