using Nkdump.Capture.Machine;
using Nkdump.Config;

namespace Nkdump.Capture.Store;

/// <summary>kdump.conf's keep_dumps and keep_free_space.</summary>
public sealed record RetentionPolicy(int? KeepDumps, ulong? KeepFreeSpace)
{
    public static RetentionPolicy From(KdumpConfig config) => new(config.KeepDumps, config.KeepFreeSpace);

    public bool IsEmpty => KeepDumps is null && KeepFreeSpace is null;

    public override string ToString() =>
        string.Join(", ", new[]
        {
            KeepDumps is { } n ? $"keep_dumps {n}" : null,
            KeepFreeSpace is { } f ? $"keep_free_space {Config.Crashkernel.MemorySize.Format(f)}" : null,
        }.OfType<string>());
}

/// <summary>
/// Removes old dumps as kdump.conf's retention settings ask, oldest first: while more than
/// keep_dumps would remain (counting the dump about to be written, in the capture kernel), and
/// while less than keep_free_space plus what the new dump needs is free. It stops as soon as both
/// hold, so it never removes more than that. A dump being written, or a directory that could not
/// be read, is never removed (it still counts toward keep_dumps). The capture kernel runs this
/// before it creates the new dump's directory; `nkdump prune` runs it on the host, where no dump
/// is added. Free space is measured again after each removal (statvfs), except in a dry run,
/// which adds up the sizes instead.
/// </summary>
public sealed class Retention(RetentionPolicy policy, Func<string, long>? availableBytes = null)
{
    private readonly Func<string, long> _available = availableBytes ?? NativeCalls.AvailableBytes;

    /// <summary>
    /// Applies the policy to <paramref name="store"/>; returns the dumps removed (or, with
    /// <paramref name="dryRun"/>, those that would be). <paramref name="addingOne"/>: a dump is
    /// about to be written, needing at least <paramref name="newDumpMinimum"/> bytes (its headers
    /// and log) and, as the best guess there is, as much as the newest complete dump's file.
    /// <paramref name="report"/> hears one line per removal. With <paramref name="idPrefix"/>, only
    /// dumps whose ID starts with it are counted and removed (one machine's dumps on a shared NFS export).
    /// </summary>
    public IReadOnlyList<SavedDump> Apply(DumpStore store, bool addingOne, long newDumpMinimum, bool dryRun, Action<string> report, string? idPrefix = null)
    {
        var removed = new List<SavedDump>();
        if (policy.IsEmpty)
        {
            return removed;
        }

        var dumps = store.List().Where(d => idPrefix is null || d.Id.StartsWith(idPrefix, StringComparison.Ordinal)).ToList();
        var newDumpBytes = addingOne ? Math.Max(newDumpMinimum, NewestDumpFileSize(dumps)) : 0;
        var remaining = dumps.Count;
        long freed = 0;
        foreach (var dump in Enumerable.Reverse(dumps).Where(d => d.Removable))
        {
            var tooMany = policy.KeepDumps is { } keep && remaining + (addingOne ? 1 : 0) > keep;
            var available = _available(store.Directory) + (dryRun ? freed : 0);
            var wanted = policy.KeepFreeSpace is { } free ? (long)Math.Min(free, long.MaxValue / 2) + newDumpBytes : 0;
            var tooFull = policy.KeepFreeSpace is not null && available < wanted;
            if (!tooMany && !tooFull)
            {
                break;
            }

            var why = tooMany
                ? $"more than keep_dumps {policy.KeepDumps} dumps{(addingOne ? " with the new one" : "")}"
                : $"{available} bytes free, {wanted} wanted (keep_free_space{(newDumpBytes > 0 ? " and the new dump" : "")})";
            if (!dryRun)
            {
                DumpStore.Remove(dump);
            }

            report($"{(dryRun ? "would remove" : "removed")} {dump.Path} ({dump.Size} bytes, {dump.State}): {why}");
            removed.Add(dump);
            freed += dump.Size;
            remaining--;
        }

        return removed;
    }

    private static long NewestDumpFileSize(IReadOnlyList<SavedDump> dumps) =>
        dumps.FirstOrDefault(d => d.Complete && d.DumpFile is not null) is { } newest
            ? newest.Files.FirstOrDefault(f => f.Name == Path.GetFileName(newest.DumpFile))?.Size ?? 0
            : 0;
}
