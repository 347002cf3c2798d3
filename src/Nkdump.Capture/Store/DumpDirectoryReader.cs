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
        if (dumpName is null)
        {
            problems.Add("no dump file: only the log was saved (the capture failed before the vmcore; see nkdump-errors.txt)");
        }
        else if (DumpOpener.IsEncrypted(Path.Combine(directory, dumpName)))
        {
            encrypted = true; // its format is inside the encryption: only the identity's holder can tell
        }
        else
        {
            format = ProbeFormat(Path.Combine(directory, dumpName), problems);
        }

        var beingWritten = false;
        if (incomplete is not null)
        {
            beingWritten = IsLocked(directory, problems);
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
            Complete = final is not null && incomplete is null && (format is not null || encrypted),
            Encrypted = encrypted,
            BeingWritten = beingWritten,
            Modified = SafeTime(info),
            Saved = TimeFromName(id) ?? SafeTime(info),
            Files = files,
            Problems = problems,
        };
    }

    /// <summary>Debian's dump.YYYYMMDDHHMM (not the dmesg beside it).</summary>
    private static bool IsDebianDump(string name) => name.StartsWith(DebianDumpPrefix, StringComparison.Ordinal) && name.Length > DebianDumpPrefix.Length;

    private static DumpFormat? ProbeFormat(string file, List<string> problems)
    {
        try
        {
            var status = UnixFileStatus.Lstat(file);
            if (status is null || status.Kind != UnixFileKind.Regular)
            {
                problems.Add($"{Path.GetFileName(file)} is {status?.KindName ?? "gone"}, not a regular file");
                return null;
            }

            return DumpOpener.Probe(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException)
        {
            var message = e.Message.StartsWith(file, StringComparison.Ordinal) ? e.Message[file.Length..].TrimStart(':', ' ') : e.Message;
            problems.Add($"{Path.GetFileName(file)} is not a crash dump: {message}");
            return null;
        }
    }

    private static bool IsLocked(string directory, List<string> problems)
    {
        try
        {
            return DumpLock.IsHeld(directory);
        }
        catch (IOException e)
        {
            problems.Add($"cannot tell whether it is being written: {e.Message}");
            return true; // unknown: treated as being written, so nothing removes it
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
