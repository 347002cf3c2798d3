using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nkdump.Kernel.Printk;

/// <summary>One kernel log record as `nkdump dmesg --json` prints it (one object per line).</summary>
public sealed record PrintkRecordJson(
    [property: JsonPropertyName("seq")] ulong? Sequence,
    [property: JsonPropertyName("timestamp_ns")] ulong TimestampNs,
    [property: JsonPropertyName("level")] int Level,
    [property: JsonPropertyName("facility")] int Facility,
    [property: JsonPropertyName("caller")] string? Caller,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("device_info")] Dictionary<string, string>? DeviceInfo)
{
    public static PrintkRecordJson From(PrintkRecord record)
    {
        Dictionary<string, string>? device = null;
        if (record.Subsystem is not null || record.Device is not null)
        {
            device = [];
            if (record.Subsystem is { } s)
            {
                device["SUBSYSTEM"] = s;
            }

            if (record.Device is { } d)
            {
                device["DEVICE"] = d;
            }
        }

        return new PrintkRecordJson(record.Sequence, record.TimestampNs, record.Level, record.Facility, record.Caller,
            Encoding.UTF8.GetString(record.Text), device);
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PrintkRecordJson))]
public sealed partial class PrintkJsonContext : JsonSerializerContext
{
    /// <summary>A context that leaves printable non-ASCII and '+', '&lt;', '&gt;' unescaped: the log is text for people and jq, not HTML.</summary>
    public static PrintkJsonContext CreateReadable() => new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
