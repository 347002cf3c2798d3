using System.Text;
using Nkdump.Capture.Machine;
using Nkdump.Capture.Store;
using Nkdump.Collector;
using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Formats.IO;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Writes a dump into a directory of a mounted file system, as kdump-utils' dump_fs does:
/// vmcore-dmesg.txt first (via vmcore-dmesg-incomplete.txt, synced: the log is the most valuable part
/// if anything later fails), then vmcore-incomplete, synced and renamed to vmcore, the directory synced.
/// The directory is new and 0700 (<see cref="DumpDirectories"/>); every file in it is created new,
/// 0600, with O_EXCL (so a symbolic link in its place is never followed). A failed vmcore stays as
/// vmcore-incomplete: the collector marks it incomplete and what it holds is readable. The log, the
/// capture kernel's log and the free-space check are optional parts (<see cref="OptionalPart"/>).
/// </summary>
internal sealed class DirectoryDump(CaptureLog log, ICaptureMachine machine, DumpEncryption? encryption = null)
{
    /// <summary>The capture kernel's own log, saved last next to the dump (kdump-utils' save_log).</summary>
    public const string CaptureKernelLog = "kexec-dmesg.log";

    // kdump-utils' names (dump_layout redhat): the ssh target and savecore's stream use them too.
    public const string Vmcore = "vmcore";
    public const string VmcoreIncomplete = "vmcore-incomplete";
    public const string DmesgFile = "vmcore-dmesg.txt";
    public const string DmesgIncomplete = "vmcore-dmesg-incomplete.txt";


    /// <summary>kdump.conf's keep_dumps and keep_free_space, applied to the other dumps once the new directory exists; null: none.</summary>
    public RetentionPolicy? Retention { get; init; }

    /// <summary>Retention counts and removes only dumps whose name starts with this (this machine's, on an NFS export others share); null: all.</summary>
    public string? RetentionPrefix { get; init; }

    /// <summary>The dump directory the last <see cref="Write"/> created; null when it could not create one.</summary>
    public string? Directory { get; private set; }

    /// <summary>
    /// Dumps <paramref name="vmcore"/> into a new directory named by <paramref name="names"/> (dump_layout)
    /// in kdump.conf's <paramref name="path"/> below <paramref name="mountPoint"/>; false after a logged failure.
    /// </summary>
    public bool Write(string mountPoint, string path, DumpNames names, IKernelDump vmcore, DumpFacts facts, CoreCollector collector)
    {
        try
        {
            Directory = DumpDirectories.Create(mountPoint, path, names.Directory, log);
        }
        catch (CaptureFailedException e)
        {
            log.Error(e.Message);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"cannot create the dump directory in {Path.Join(mountPoint, path)}: {e.Message}");
            return false;
        }

        // Held until the capture is done: rm, prune and retention leave a locked directory alone.
        using (DumpLock.ForWriter(Directory, log))
        {
            if (Retention is { IsEmpty: false } retention)
            {
                var parent = Path.GetDirectoryName(Directory)!;
                OptionalPart.Run(log, $"retention ({retention})", () =>
                    new Store.Retention(retention).Apply(new DumpStore(parent), addingOne: true, facts.MinimumBytes, dryRun: false, log.Info, RetentionPrefix));
            }

            var saved = WriteDump(Directory, names, vmcore, facts, collector);
            OptionalPart.Run(log, $"saving {CaptureKernelLog}", () => SaveCaptureKernelLog(Directory));
            return saved;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> as a new file <paramref name="name"/> beside the dump.</summary>
    public void WriteNote(string name, byte[] bytes) =>
        WriteNew(Path.Combine(Directory ?? throw new InvalidOperationException("no dump directory"), name), bytes);

    private void SaveCaptureKernelLog(string directory)
    {
        var text = machine.ReadKernelLog();
        if (text.Length == 0)
        {
            return;
        }

        WriteNew(Path.Combine(directory, CaptureKernelLog), Encoding.UTF8.GetBytes(text));
        log.Info($"saved the capture kernel's log as {CaptureKernelLog}");
    }

    /// <summary>The vmcore's name, with .age when the collector encrypts it.</summary>
    private string VmcoreName(DumpNames names) => encryption is null ? names.Vmcore : names.Vmcore + DumpEncryption.Suffix;

    private bool WriteDump(string directory, DumpNames names, IKernelDump vmcore, DumpFacts facts, CoreCollector collector)
    {
        // The log goes first even when the dump cannot fit: it alone often explains the crash.
        var room = true;
        OptionalPart.Run(log, "the free-space check", () => room = HasRoom(directory, facts));
        OptionalPart.Run(log, $"saving {names.Dmesg}", () => WriteDmesg(directory, names, facts));
        if (!room)
        {
            return false;
        }

        var incomplete = Path.Combine(directory, names.VmcoreIncomplete);
        log.Info($"saving vmcore to {incomplete} ({collector})");
        CollectOutcome outcome;
        try
        {
            outcome = CoreCollectorRun.ToFile(collector, vmcore, vmcoreInfo: null, incomplete, log.Console);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException or CaptureFailedException)
        {
            log.Error($"saving vmcore failed: {e.Message}");
            if (File.Exists(incomplete))
            {
                log.Info($"what was written is kept as {incomplete} (marked incomplete)");
            }

            return false;
        }

        try
        {
            // The collector fsyncs the file; the rename becomes durable with the directory's fsync.
            File.Move(incomplete, Path.Combine(directory, VmcoreName(names)));
            NativeCalls.SyncDirectory(directory);
        }
        catch (IOException e)
        {
            log.Error($"cannot rename {incomplete} to {VmcoreName(names)}: {e.Message}");
            return false;
        }

        if (outcome.StoppedBy is { } reason)
        {
            // A budget is the user's choice, not a failure: the dump is kept under its usual name, and its header says it is incomplete.
            log.Info($"the capture budget stopped the dump ({reason}): {VmcoreName(names)} holds {outcome.PagesWritten} of {outcome.PagesInDump} pages, the most important first, and is marked incomplete");
        }

        log.Info($"saving vmcore complete: {Path.Combine(directory, VmcoreName(names))}");
        return true;
    }

    /// <summary>
    /// Free space: refuse the vmcore only when not even the log, headers and bitmaps fit (then nothing
    /// useful beyond the log can be written); warn when the RAM size does not fit, since filtering and compression usually make
    /// the dump far smaller and a partial dump beats none. kdump-utils has no check in the capture kernel.
    /// </summary>
    private bool HasRoom(string directory, DumpFacts facts)
    {
        if (facts.RamBytes == 0)
        {
            log.Info($"{directory}: the dump's size is not known; no free-space check");
            return true;
        }

        long available;
        try
        {
            available = NativeCalls.AvailableBytes(directory);
        }
        catch (IOException e)
        {
            log.Warning($"cannot tell the free space: {e.Message}");
            return true;
        }

        if (available < facts.MinimumBytes)
        {
            log.Error($"{directory}: {available} bytes free, but even the headers and log of the dump need {facts.MinimumBytes}");
            return false;
        }

        if (available < facts.RamBytes)
        {
            log.Warning($"{directory}: {available} bytes free for a machine of {facts.RamBytes} bytes of RAM: the dump may not fit (filtering and compression usually shrink it a lot)");
        }
        else
        {
            log.Info($"{directory}: {available} bytes free, enough for all {facts.RamBytes} bytes of RAM");
        }

        return true;
    }

    private void WriteDmesg(string directory, DumpNames names, DumpFacts facts)
    {
        if (facts.Dmesg is null)
        {
            log.Error($"saving {names.Dmesg} failed: {facts.DmesgProblem}");
            return;
        }

        var incomplete = Path.Combine(directory, names.DmesgIncomplete);
        var name = DumpEncryption.DmesgName(encryption, names.Dmesg);
        log.Info($"saving {name} to {directory}");
        WriteNew(incomplete, DumpEncryption.DmesgBytes(encryption, Encoding.UTF8.GetBytes(facts.Dmesg)));
        File.Move(incomplete, Path.Combine(directory, name));
        NativeCalls.SyncDirectory(directory);
        if (facts.DmesgProblem is not null)
        {
            log.Warning($"the log may be partial: {facts.DmesgProblem}");
        }

        log.Info($"saving {names.Dmesg} complete");
    }

    /// <summary>
    /// Creates <paramref name="path"/> new with <paramref name="bytes"/> and fsyncs it: through
    /// <see cref="DumpFile"/>, the one function that creates dump files (mode 0600, O_EXCL, never
    /// through a symbolic link planted in its place).
    /// </summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = DumpFile.Create(path, overwrite: false);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }
}
