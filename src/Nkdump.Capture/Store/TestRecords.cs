namespace Nkdump.Capture.Store;

/// <summary>
/// `nkdump test`'s record (test-status.json): started before the crash, completed on a later boot
/// by the boot report or savecore, read by `status`. A later boot is told by the kernel's boot id
/// (/proc/sys/kernel/random/boot_id), so a report run again in the test's own boot leaves it pending.
/// </summary>
public static class TestRecords
{
    public const string BootIdFile = "/proc/sys/kernel/random/boot_id";

    /// <summary>How far before the test's start a dump's crash time may be and still be the test's (clocks of the two kernels differ a little).</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(2);

    public static string? BootId(CaptureRoot root)
    {
        var path = root.Resolve(BootIdFile);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Writes the pending record: called right before the test crashes the machine (and synced: it must survive the crash).</summary>
    public static void Start(CaptureRoot root, DateTimeOffset now) =>
        StoreState.Write(root, StoreState.TestFile, new TestRecord(now, BootId(root), TestRecord.Pending), StoreJsonContext.Default.TestRecord);

    public static TestRecord? Read(CaptureRoot root) => StoreState.Read(root, StoreState.TestFile, StoreJsonContext.Default.TestRecord);

    /// <summary>
    /// Completes a pending record of an earlier boot: success with the first dump crashed after the
    /// test started (<paramref name="crashTime"/>: the dump's own CRASHTIME, else when it was saved),
    /// failed when that dump is incomplete, or when none is there (<paramref name="noDumpReason"/>
    /// says why none could be seen, e.g. an ssh server that could not be reached). Returns the new record, or null when there
    /// was nothing to complete.
    /// </summary>
    public static TestRecord? Complete(CaptureRoot root, IReadOnlyList<SavedDump> dumps, Func<SavedDump, DateTimeOffset> crashTime, DateTimeOffset now, string? noDumpReason = null)
    {
        var record = Read(root);
        if (record is null || record.Outcome != TestRecord.Pending || (record.BootId is not null && record.BootId == BootId(root)))
        {
            return null;
        }

        var dump = dumps.Where(d => crashTime(d) >= record.Started - ClockSlack).OrderBy(crashTime).FirstOrDefault();
        var completed = dump switch
        {
            null => record with
            {
                Outcome = TestRecord.Failed,
                Reason = noDumpReason ?? $"no dump was saved after the test's crash at {record.Started:u} (the capture kernel did not run or could not save: see its console, or kexec-dmesg.log of a partial dump)",
            },
            { Complete: true } => record with { Outcome = TestRecord.Success, Dump = dump.Location, Reason = dump.Problems.Count > 0 ? string.Join("; ", dump.Problems) : null },
            _ => record with { Outcome = TestRecord.Failed, Dump = dump.Location, Reason = $"the dump is {dump.State}: {string.Join("; ", dump.Problems)}" },
        };
        completed = completed with { Completed = now };
        StoreState.Write(root, StoreState.TestFile, completed, StoreJsonContext.Default.TestRecord);
        return completed;
    }

    /// <summary>The line `status` prints: when the last test ran and how it ended.</summary>
    public static string Describe(TestRecord? record, string? currentBootId) => record switch
    {
        null => "last test: never ('nkdump test' records its outcome here)",
        { Outcome: TestRecord.Success } => $"last test: {record.Started:u}: success, dump {record.Dump}{(record.Reason is null ? "" : $" (with problems: {record.Reason})")}",
        { Outcome: TestRecord.Failed } => $"last test: {record.Started:u}: failed: {record.Reason}",
        _ when record.BootId is not null && record.BootId == currentBootId => $"last test: {record.Started:u}: started in this boot, not crashed yet",
        _ => $"last test: {record.Started:u}: never completed (no boot report or savecore has run since the crash: is nkdump-report.service enabled?)",
    };
}
