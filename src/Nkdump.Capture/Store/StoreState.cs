using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Capture.Store;

/// <summary>
/// The boot report's memory under /var/lib/nkdump (0700, as the rest of nkdump's state): which
/// dumps it has reported, and the last `nkdump test`. Each file is small JSON, replaced whole
/// (written to a temporary, synced, renamed), so that a crash while writing it never leaves half a
/// record; a file that cannot be read is treated as absent and said so by the caller.
/// </summary>
public static class StoreState
{
    public const string Directory = "/var/lib/nkdump";
    public const string ReportedFile = Directory + "/reported.json";
    public const string TestFile = Directory + "/test-status.json";

    /// <summary>What a state file may hold: a few thousand dumps' lines.</summary>
    private const long MaxBytes = 4 << 20;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The file's JSON, or null when it does not exist.</summary>
    public static T? Read<T>(CaptureRoot root, string file, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        where T : class
    {
        var path = root.Resolve(file);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(InputFile.ReadAllText(path, MaxBytes, file), info);
        }
        catch (JsonException e)
        {
            throw new IOException($"{path}: not nkdump's state: {e.Message}", e);
        }
    }

    /// <summary>Replaces the file with <paramref name="value"/>'s JSON (0600), creating /var/lib/nkdump 0700 when needed.</summary>
    public static void Write<T>(CaptureRoot root, string file, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var directory = root.Resolve(Directory);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        System.IO.Directory.CreateDirectory(directory, OwnerOnly);
        if (File.GetUnixFileMode(directory) != OwnerOnly)
        {
            File.SetUnixFileMode(directory, OwnerOnly);
        }

        var path = root.Resolve(file);
        var temporary = $"{path}.tmp-{Environment.ProcessId}";
        File.Delete(temporary);
        using (var stream = DumpFile.Create(temporary, overwrite: false))
        {
            stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, info) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        Machine.NativeCalls.SyncDirectory(directory);
    }
}

/// <summary>One dump the boot report has told about.</summary>
public sealed record ReportedDump(string Path, string Id, string? Signature, DateTimeOffset Reported);

/// <summary>reported.json: every dump reported so far, by directory path.</summary>
public sealed record ReportedDumps(IReadOnlyList<ReportedDump> Dumps);

/// <summary>
/// test-status.json: the last `nkdump test`. Written "pending" before the crash with the boot's
/// id; the first boot report (or savecore) of a later boot completes it: "success" with the dump
/// saved after it, or "failed" with the reason.
/// </summary>
public sealed record TestRecord(DateTimeOffset Started, string? BootId, string Outcome, string? Reason = null, string? Dump = null, DateTimeOffset? Completed = null)
{
    public const string Pending = "pending";
    public const string Success = "success";
    public const string Failed = "failed";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ReportedDumps))]
[JsonSerializable(typeof(TestRecord))]
public sealed partial class StoreJsonContext : JsonSerializerContext;
