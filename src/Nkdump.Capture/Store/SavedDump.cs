using Nkdump.Formats;

namespace Nkdump.Capture.Store;

/// <summary>One file of a dump directory, with its size.</summary>
public sealed record DumpFileEntry(string Name, long Size);

/// <summary>
/// A dump directory as found on disk, before anything of the kernel in it is read: its ID (the
/// directory's name), the dump file and its format, the log, whether it is complete, what is
/// wrong with it. Made by <see cref="DumpDirectoryReader"/>; the crash's facts (time, panic,
/// signature) come from the analysis on top of it.
/// </summary>
public sealed record SavedDump
{
    public required string Id { get; init; }

    /// <summary>The directory's full path (on an ssh target: the path on the server).</summary>
    public required string Path { get; init; }

    /// <summary>Where the dump is, as told to people and remembered by the boot report: the path, or user@host:PATH on an ssh target, server:/export/PATH on NFS.</summary>
    public string Location { get => field ?? Path; init; }

    /// <summary>The directory is on a server (ssh target): its files cannot be opened here, only its small files fetched (<see cref="TriageFile"/>).</summary>
    public bool Remote { get; init; }

    /// <summary>The triage JSON the capture wrote beside the dump (<see cref="DumpSmallFiles.Triage"/>), readable here (fetched for a remote dump), or null.</summary>
    public string? TriageFile { get; init; }

    /// <summary>The dump file (vmcore, vmcore-incomplete, vmcore.flat, dump.*), or null when there is none.</summary>
    public string? DumpFile { get; init; }

    /// <summary>Its format from its first bytes; null when there is no dump file or it is not a dump.</summary>
    public DumpFormat? Format { get; init; }

    /// <summary>The dump file is age-encrypted (collect --encrypt, kdump.conf's encrypt): its format and contents need the identity.</summary>
    public bool Encrypted { get; init; }

    /// <summary>The crashed kernel's log beside it (vmcore-dmesg.txt, dmesg.*), or null.</summary>
    public string? DmesgFile { get; init; }

    /// <summary>True when the capture finished: a final dump file that is a dump, and no vmcore-incomplete.</summary>
    public bool Complete { get; init; }

    /// <summary>A process holds the directory's <see cref="DumpLock"/>: the dump is being written now.</summary>
    public bool BeingWritten { get; init; }

    /// <summary>When the directory was last changed (the capture's end, as the file system saw it).</summary>
    public DateTimeOffset Modified { get; init; }

    /// <summary>When the dump was saved: the time in the directory's name, else its modification time. Dumps are listed newest first by it.</summary>
    public DateTimeOffset Saved { get; init; }

    /// <summary>Every regular file in the directory.</summary>
    public IReadOnlyList<DumpFileEntry> Files { get; init; } = [];

    /// <summary>The bytes the directory's files take.</summary>
    public long Size => Files.Sum(f => f.Size);

    /// <summary>What is wrong with the directory, one sentence each (empty for a healthy dump).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>"complete", "incomplete", "being written" or "damaged" (no readable dump file).</summary>
    public string State => BeingWritten ? "being written" : DumpFile is null || (Format is null && !Encrypted && !Remote) ? "damaged" : Complete ? "complete" : "incomplete";

    /// <summary>A dump retention and prune may remove: not being written, and recognized as a dump.</summary>
    public bool Removable => !BeingWritten && Files.Count > 0;
}
