using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nkdump.Formats.Notes;

namespace Nkdump.Kernel.Crash;

/// <summary>The crash summary as JSON (snake_case; addresses as "0x..." strings so no precision is lost in JavaScript).</summary>
public sealed record CrashSummaryJson(
    [property: JsonPropertyName("sysname")] string? SysName,
    [property: JsonPropertyName("nodename")] string? NodeName,
    [property: JsonPropertyName("release")] string? Release,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("machine")] string? Machine,
    [property: JsonPropertyName("crash_time")] DateTimeOffset? CrashTime,
    [property: JsonPropertyName("uptime_ns")] ulong? UptimeNs,
    [property: JsonPropertyName("panic_reason")] string? PanicReason,
    [property: JsonPropertyName("panic_line")] string? PanicLine,
    [property: JsonPropertyName("cause")] string? Cause,
    [property: JsonPropertyName("taint_mask")] ulong? TaintMask,
    [property: JsonPropertyName("taint_letters")] string? TaintLetters,
    [property: JsonPropertyName("taint_from_log")] string? TaintFromLog,
    [property: JsonPropertyName("crashing_cpu")] CrashingCpuJson? CrashingCpu,
    [property: JsonPropertyName("memory_bytes")] ulong MemoryBytes,
    [property: JsonPropertyName("dumped_bytes")] ulong DumpedBytes,
    [property: JsonPropertyName("kaslr_offset")] string KaslrOffset,
    [property: JsonPropertyName("build_id")] string? BuildId,
    [property: JsonPropertyName("problems")] IReadOnlyList<string> Problems)
{
    public static CrashSummaryJson From(CrashSummary s) => new(
        s.SysName, s.NodeName, s.Release, s.Version, s.Machine, s.CrashTime, s.UptimeNs, s.PanicReason, s.PanicLine, s.Cause,
        s.TaintMask, s.TaintLetters, s.TaintFromLog,
        s.Cpu is { } c ? CrashingCpuJson.From(c) : null,
        s.MemoryBytes, s.DumpedBytes, $"0x{s.KaslrOffset:x}", s.BuildId, s.Problems);
}

public sealed record CrashingCpuJson(
    [property: JsonPropertyName("cpu")] int Cpu,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("comm")] string? Comm,
    [property: JsonPropertyName("rip")] string Rip,
    [property: JsonPropertyName("rip_symbol")] string? RipSymbol,
    [property: JsonPropertyName("how_found")] string HowFound,
    [property: JsonPropertyName("registers")] Dictionary<string, string> Registers)
{
    public static CrashingCpuJson From(CrashingCpu c)
    {
        var registers = new Dictionary<string, string>();
        for (var i = 0; i < X86_64Registers.Names.Count; i++)
        {
            registers[X86_64Registers.Names[i]] = $"0x{c.Registers.Values[i]:x}";
        }

        return new CrashingCpuJson(c.Cpu, c.Pid, c.Comm, $"0x{c.Registers.Rip:x}", c.InstructionPointerSymbol, c.HowFound, registers);
    }
}

[JsonSourceGenerationOptions]
[JsonSerializable(typeof(CrashSummaryJson))]
public sealed partial class CrashSummaryJsonContext : JsonSerializerContext
{
    /// <summary>A context that writes '+', '&lt;' and non-ASCII text as is (log lines are for people and jq).</summary>
    public static CrashSummaryJsonContext CreateReadable() => new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
