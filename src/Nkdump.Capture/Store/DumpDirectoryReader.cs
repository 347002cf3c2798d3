using System.Globalization;
using System.Text.RegularExpressions;
using Nkdump.Capture.Targets;
using Nkdump.Formats;
using Nkdump.Formats.IO;

namespace Nkdump.Capture.Store;

/// <summary>
/// Tells a dump directory by what it holds, not by its name, so that every layout is found:
/// nkdump's and kdump-utils' ADDRESS-YYYY-MM-DD-HH:MM:SS/vmcore (vmcore-incomplete while it is
/// written, vmcore.flat from an ssh target) and Debian kdump-tools' YYYYMMDDHHMM/dump.YYYYMMDDHHMM
/// with dmesg.YYYYMMDDHHMM. A directory holding none of these files is not a dump (lost+found,
/// anything else an administrator keeps there) and is skipped. The dump file's format is checked
/// from its first bytes only: listing never reads pages.
/// </summary>
public static partial class DumpDirectoryReader
{
    /// <summary>Names of a dump file, best first: the final ones, then those a capture left unfinished.</summary>
    private static readonly string[] FinalNames = [DirectoryDump.Vmcore, SshDump.FlatVmcore, DirectoryDump.Vmcore + DumpEncryption.Suffix];

    private const string DebianDumpPrefix = "dump.";
    private const string DebianIncomplete = "dump-incomplete";
    private const string DebianDmesgPrefix = "dmesg.";

    /// <summary>The dump directory <paramref name="directory"/>, or null when nothing in it belongs to a dump.</summary>
    public static SavedDump? Read(string directory)
    {
        var id = Path.GetFileName(directory.TrimEnd('/'));
        var info = new DirectoryInfo(directory);
        List<DumpFileEntry> files;
        try
        {
            files = info.EnumerateFiles().Select(f => new DumpFileEntry(f.Name, f.Length)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Listed all the same: an administrator must learn that a directory could not be read.
            return new SavedDump
            {
                Id = id,
                Path = directory,
                Modified = SafeTime(info),
                Saved = TimeFromName(id) ?? SafeTime(info),
                Problems = [$"cannot read the directory: {e.Message}"],
            };
        }

        return FromFiles(id, directory, files, SafeTime(info), name => ProbeLocal(Path.Combine(directory, name)), () => IsLocked(directory));
    }

    /// <summary>
    /// What the dump directory <paramref name="directory"/> holding <paramref name="files"/> is, or
    /// null when nothing in it belongs to a dump. <paramref name="probe"/> tells a dump file's format
    /// (or that it is encrypted) or adds why it is not a dump; <paramref name="locked"/> whether its
    /// writer still holds it (null when that cannot be told). Also used for directories on a server,
    /// where the probe goes by the file's name.
    /// </summary>
    public static SavedDump? FromFiles(string id, string directory, List<DumpFileEntry> files, DateTimeOffset modified,
        Func<string, (DumpFormat? Format, bool Encrypted, string? Problem)> probe, Func<(bool Held, string? Problem)> locked)
    {
        var names = files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var final = FinalNames.FirstOrDefault(names.Contains) ?? names.Where(IsDebianDump).Order(StringComparer.Ordinal).FirstOrDefault();
        var incomplete = names.Contains(DirectoryDump.VmcoreIncomplete) ? DirectoryDump.VmcoreIncomplete
            : names.Contains(DebianIncomplete) ? DebianIncomplete : null;
        var dmesg = names.Contains(DirectoryDump.DmesgFile) ? DirectoryDump.DmesgFile
            : names.Contains(DirectoryDump.DmesgFile + DumpEncryption.Suffix) ? DirectoryDump.DmesgFile + DumpEncryption.Suffix
            : names.Where(n => n.StartsWith(DebianDmesgPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (final is null && incomplete is null && dmesg is null)
        {
            return null;
        }

        var problems = new List<string>();
        var dumpName = final ?? incomplete;
        DumpFormat? format = null;
        var encrypted = false;
        var readable = false;
        if (dumpName is null)
        {
            problems.Add("no dump file: only the log was saved (the capture failed before the vmcore; see nkdump-errors.txt)");
        }
        else
        {
            (format, encrypted, var problem) = probe(dumpName);
            readable = problem is null; // a format, encrypted, or (on a server) not checked
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        var beingWritten = false;
        if (incomplete is not null)
        {
            (beingWritten, var lockProblem) = locked();
            if (lockProblem is not null)
            {
                problems.Add(lockProblem);
            }
            if (!beingWritten)
            {
                problems.Add(final is null
                    ? $"{incomplete}: the capture did not finish (the dump is marked incomplete; what it holds is readable)"
                    : $"{incomplete} beside {final}: a second, unfinished copy");
            }
        }

        if (dmesg is null && dumpName is not null)
        {
            problems.Add("no vmcore-dmesg.txt: the crashed kernel's log was not saved (see nkdump-errors.txt)");
        }

        if (names.Contains(CaptureLog.IncidentsFile))
        {
            problems.Add($"the capture recorded problems in {CaptureLog.IncidentsFile}");
        }

        return new SavedDump
        {
            Id = id,
            Path = directory,
            DumpFile = dumpName is null ? null : Path.Combine(directory, dumpName),
            Format = format,
            DmesgFile = dmesg is null ? null : Path.Combine(directory, dmesg),
            Complete = final is not null && incomplete is null && readable,
            Encrypted = encrypted,
            BeingWritten = beingWritten,
            TriageFile = names.Contains(DumpSmallFiles.Triage) ? Path.Combine(directory, DumpSmallFiles.Triage) : null,
            Modified = modified,
            Saved = TimeFromName(id) ?? modified,
            Files = files,
            Problems = problems,
        };
    }

    /// <summary>Debian's dump.YYYYMMDDHHMM (not the dmesg beside it).</summary>
    private static bool IsDebianDump(string name) => name.StartsWith(DebianDumpPrefix, StringComparison.Ordinal) && name.Length > DebianDumpPrefix.Length;

    /// <summary>A local dump file's format from its first bytes (its format is inside the encryption when it is encrypted: only the identity's holder can tell).</summary>
    private static (DumpFormat? Format, bool Encrypted, string? Problem) ProbeLocal(string file)
    {
        try
        {
            var status = UnixFileStatus.Lstat(file);
            if (status is null || status.Kind != UnixFileKind.Regular)
            {
                return (null, false, $"{Path.GetFileName(file)} is {status?.KindName ?? "gone"}, not a regular file");
            }

            return DumpOpener.IsEncrypted(file) ? (null, true, null) : (DumpOpener.Probe(file), false, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException)
        {
            var message = e.Message.StartsWith(file, StringComparison.Ordinal) ? e.Message[file.Length..].TrimStart(':', ' ') : e.Message;
            return (null, false, $"{Path.GetFileName(file)} is not a crash dump: {message}");
        }
    }

    private static (bool Held, string? Problem) IsLocked(string directory)
    {
        try
        {
            return (DumpLock.IsHeld(directory), null);
        }
        catch (IOException e)
        {
            return (true, $"cannot tell whether it is being written: {e.Message}"); // unknown: treated as being written, so nothing removes it
        }
    }

    /// <summary>
    /// When the capture named the directory (local time): ADDRESS-YYYY-MM-DD-HH:MM:SS[-N] (nkdump,
    /// kdump-utils) or YYYYMMDDHHMM (Debian); null for another name.
    /// </summary>
    public static DateTimeOffset? TimeFromName(string name)
    {
        var match = NameTime().Match(name);
        string[] formats = ["yyyy-MM-dd-HH:mm:ss", "yyyyMMddHHmm"];
        var text = match.Success ? match.Groups["t"].Value : name;
        return DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time)
            ? new DateTimeOffset(time) : null;
    }

    [GeneratedRegex(@"-(?<t>\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2})(-\d+)?$")]
    private static partial Regex NameTime();

    private static DateTimeOffset SafeTime(DirectoryInfo info)
    {
        try
        {
            return info.LastWriteTimeUtc;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTimeOffset.UnixEpoch;
        }
    }
}
