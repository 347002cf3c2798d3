using System.Text.Json;
using Nkdump.Capture.S3;

namespace Nkdump.Cli.Fleet;

/// <summary>One crash in the bucket: its key prefix, crash.json (null when missing or unreadable) and marker (null: no complete dump).</summary>
internal sealed record FleetCrash(string Directory, CrashRecord? Record, CompleteRecord? Complete, string? Problem)
{
    public string Signature => Record?.Signature ?? "unknown";

    /// <summary>When it crashed (crash.json's crash time, else when it was saved), for ordering and first/last seen.</summary>
    public string Seen => Record?.CrashTime ?? Record?.Saved ?? "";
}

/// <summary>A signature's crashes, as `fleet list` shows them.</summary>
internal sealed record FleetGroup(string Signature, string? Panic, int Count, int CompleteDumps, IReadOnlyList<string> Hosts, IReadOnlyList<string> Kernels, string FirstSeen, string LastSeen);

/// <summary>Reads the crashes under a prefix of a bucket (<see cref="FleetObjects"/> says what one is).</summary>
internal sealed class FleetStore(S3Client client, string prefix)
{
    public IReadOnlyList<FleetCrash> Crashes()
    {
        var directories = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var item in client.ListObjects(prefix))
        {
            var slash = item.Key.LastIndexOf('/');
            if (slash < prefix.Length)
            {
                continue; // an object beside the crashes, not in a crash's directory
            }

            var directory = item.Key[..(slash + 1)];
            if (!directories.TryGetValue(directory, out var names))
            {
                directories[directory] = names = new HashSet<string>(StringComparer.Ordinal);
            }

            names.Add(item.Key[(slash + 1)..]);
        }

        return [.. directories.Where(d => d.Value.Contains(FleetObjects.Crash) || d.Value.Contains(FleetObjects.Vmcore) || d.Value.Contains(FleetObjects.Dmesg))
            .Select(d => Read(d.Key, d.Value))];
    }

    public static IReadOnlyList<FleetGroup> Group(IEnumerable<FleetCrash> crashes) =>
        [.. crashes.GroupBy(c => c.Signature, StringComparer.Ordinal)
            .Select(g =>
            {
                var seen = g.Select(c => c.Seen).Where(s => s.Length > 0).Order(StringComparer.Ordinal).ToList();
                return new FleetGroup(g.Key, g.Select(c => c.Record?.Panic).FirstOrDefault(p => p is not null), g.Count(), g.Count(c => c.Complete is not null),
                    [.. g.Select(c => c.Record?.Host ?? "?").Distinct().Order(StringComparer.Ordinal)],
                    [.. g.Select(c => c.Record?.Kernel ?? "?").Distinct().Order(StringComparer.Ordinal)],
                    seen.FirstOrDefault() ?? "", seen.LastOrDefault() ?? "");
            })
            .OrderByDescending(g => g.Count).ThenBy(g => g.Signature, StringComparer.Ordinal)];

    private FleetCrash Read(string directory, HashSet<string> names)
    {
        CrashRecord? record = null;
        CompleteRecord? complete = null;
        string? problem = null;
        try
        {
            if (names.Contains(FleetObjects.Crash) && client.GetObject(directory + FleetObjects.Crash) is { } crash)
            {
                record = JsonSerializer.Deserialize(crash, FleetJsonContext.Default.CrashRecord);
            }

            if (names.Contains(FleetObjects.Complete) && names.Contains(FleetObjects.Vmcore) && client.GetObject(directory + FleetObjects.Complete) is { } marker)
            {
                complete = JsonSerializer.Deserialize(marker, FleetJsonContext.Default.CompleteRecord);
            }
        }
        catch (JsonException e)
        {
            problem = $"unreadable record: {e.Message}";
        }

        if (record is null && problem is null)
        {
            problem = $"no {FleetObjects.Crash}";
        }

        if (complete is null)
        {
            problem = problem is null ? "no complete dump" : problem + "; no complete dump";
        }

        return new FleetCrash(directory, record, complete, problem);
    }
}
