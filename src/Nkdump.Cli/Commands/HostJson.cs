using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nkdump.Cli.Commands;

/// <summary>`status --json`.</summary>
internal sealed record StatusJson(bool Operational, string Reason, ulong? CrashSize, bool Loaded, IReadOnlyList<string> Warnings);

/// <summary>`config show --json`: the effective settings by directive, and the warnings.</summary>
internal sealed record ConfigJson(string File, string Target, IReadOnlyDictionary<string, string> Settings, IReadOnlyList<string> Warnings);

/// <summary>`crashkernel show --json`.</summary>
internal sealed record CrashkernelJson(ulong Bytes, ulong Ram, ulong Size, ulong LowSize, ulong? Offset, bool High, string? Note);

/// <summary>Source-generated JSON for the host verbs (no reflection: NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(ConfigJson))]
[JsonSerializable(typeof(CrashkernelJson))]
internal sealed partial class HostJsonContext : JsonSerializerContext
{
    public static void Write<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        output.WriteLine(JsonSerializer.Serialize(value, info));
}
