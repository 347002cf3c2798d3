using System.Text.Json.Serialization;

namespace Nkdump.Formats.Info;

/// <summary>Source-generated JSON for `nkdump info --json` (no reflection: NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DumpInfo))]
public sealed partial class DumpInfoJsonContext : JsonSerializerContext
{
}
