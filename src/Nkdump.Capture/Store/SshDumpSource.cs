using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Nkdump.Capture.Targets;
using Nkdump.Formats;

namespace Nkdump.Capture.Store;

/// <summary>
/// The dumps of an ssh target, seen from the host over the capture's own connection (the dump key,
/// BatchMode, StrictHostKeyChecking=yes against the capture's known_hosts: <see cref="SshDump.Options"/>).
/// One ssh command lists the dump directories and their files' sizes with POSIX sh on the server;
/// another fetches the small files of the dumps asked for (<see cref="DumpSmallFiles"/>, each size
/// checked) into <paramref name="cacheDirectory"/>/ID, 0600. The dumps themselves never cross.
/// What the server sends is checked like any input: a line that does not parse is skipped, a name
/// that was not asked for or a size beyond the limit stops the fetch.
/// </summary>
public sealed class SshDumpSource(string sshProgram, IReadOnlyList<string> options, string destination, string path, string cacheDirectory, ISet<string> ownNames) : IDumpSource
{
    /// <summary>The remote shell's exit status when the dump path does not exist.</summary>
    private const int NoDirectory = 3;

    /// <summary>The most a listing may be: tens of thousands of dump directories.</summary>
    private const int MaxListingBytes = 16 << 20;

    /// <summary>Files fetched by one ssh command (its command line stays far below ARG_MAX).</summary>
    private const int FilesPerFetch = 200;

    private readonly string _path = path.TrimEnd('/').Length == 0 ? "/" : path.TrimEnd('/');

    public string Where => $"{destination}:{_path}";

    public bool Exists { get; private set; } = true;

    public IReadOnlyList<SavedDump> List()
    {
        var script = $"cd -- {SshDump.Quote(_path)} 2>/dev/null || exit {NoDirectory}\n"
            + "for d in *; do { [ -d \"$d\" ] && [ ! -L \"$d\" ]; } || continue; printf 'D %s\\n' \"$d\"\n"
            + "  for f in \"$d\"/*; do { [ -f \"$f\" ] && [ ! -L \"$f\" ]; } || continue; s=$(wc -c < \"$f\") || continue\n"
            + "    printf 'F %s %s\\n' $s \"${f#*/}\"; done; done\n";
        var (status, output, said) = Run(script, MaxListingBytes);
        Exists = status != NoDirectory;
        if (!Exists)
        {
            return [];
        }

        if (status != 0)
        {
            throw new NkdumpException($"cannot list the dumps on {Where}: ssh exit status {status}{(said.Length > 0 ? ": " + said : "")}");
        }

        return [.. Parse(Encoding.UTF8.GetString(output))
            .OrderByDescending(d => d.Saved).ThenByDescending(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>The dumps of a listing ("D NAME" then its files as "F SIZE NAME").</summary>
    internal IEnumerable<SavedDump> Parse(string listing)
    {
        string? id = null;
        var files = new List<DumpFileEntry>();
        foreach (var line in listing.Split('\n'))
        {
            if (line.StartsWith("D ", StringComparison.Ordinal))
            {
                if (id is not null && Dump(id, files) is { } dump)
                {
                    yield return dump;
                }

                id = IsPlainName(line[2..]) ? line[2..] : null;
                files = [];
            }
            else if (id is not null && line.StartsWith("F ", StringComparison.Ordinal) && line.IndexOf(' ', 2) is var space and > 2
                && long.TryParse(line.AsSpan(2, space - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var size) && IsPlainName(line[(space + 1)..]))
            {
                files.Add(new DumpFileEntry(line[(space + 1)..], size));
            }
        }

        if (id is not null && Dump(id, files) is { } last)
        {
            yield return last;
        }
    }

    private SavedDump? Dump(string id, List<DumpFileEntry> files)
    {
        var directory = _path == "/" ? "/" + id : $"{_path}/{id}";
        var time = DumpDirectoryReader.TimeFromName(id) ?? DateTimeOffset.UnixEpoch;
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        // A server's file is judged by its name (reading its first bytes would cost a round trip);
        // nothing on the server can be locked from here: a directory with vmcore-incomplete is unfinished.
        var dump = DumpDirectoryReader.FromFiles(id, directory, files, time, name =>
            name.EndsWith(DumpEncryption.Suffix, StringComparison.Ordinal) ? (null, true, null)
            : name == SshDump.FlatVmcore ? (DumpFormat.Flattened, false, null) : (null, false, null), () => (false, null));
        return dump is null ? null : dump with { Location = $"{destination}:{directory}", Remote = true, TriageFile = null, DmesgFile = null };
    }

    public IReadOnlyList<SavedDump> WithSmallFiles(IReadOnlyList<SavedDump> dumps, bool logsToo)
    {
        var wanted = dumps.SelectMany(d => d.Files.Where(f => f.Size <= DumpSmallFiles.MaxBytes
                && (logsToo ? DumpSmallFiles.IsSmall(f.Name) : f.Name == DumpSmallFiles.Triage))
            .Select(f => $"{d.Id}/{f.Name}")).ToList();
        foreach (var chunk in wanted.Chunk(FilesPerFetch))
        {
            Fetch(chunk);
        }

        return [.. dumps.Select(d =>
        {
            var local = Path.Combine(cacheDirectory, d.Id);
            var triage = Path.Combine(local, DumpSmallFiles.Triage);
            var dmesg = d.Files.Select(f => f.Name).FirstOrDefault(n => n == DirectoryDump.DmesgFile || n.StartsWith("dmesg.", StringComparison.Ordinal));
            return d with
            {
                TriageFile = File.Exists(triage) ? triage : null,
                DmesgFile = dmesg is not null && File.Exists(Path.Combine(local, dmesg)) ? Path.Combine(local, dmesg) : null,
            };
        })];
    }

    public bool IsOurs(SavedDump dump) => DumpOwners.IsOneOf(dump.Id, ownNames);

    public void Dispose()
    {
    }

    /// <summary>Fetches "ID/NAME" files into the cache: the server sends "SIZE ID/NAME\n" and then exactly SIZE bytes for each.</summary>
    private void Fetch(string[] names)
    {
        var script = $"cd -- {SshDump.Quote(_path)} || exit {NoDirectory}\nfor f in {string.Join(' ', names.Select(SshDump.Quote))}; do "
            + "{ [ -f \"$f\" ] && [ ! -L \"$f\" ]; } || continue; s=$(wc -c < \"$f\") || continue; "
            + $"[ $s -le {DumpSmallFiles.MaxBytes} ] || continue; printf '%s %s\\n' $s \"$f\"; head -c $s \"$f\"; done\n";
        var (status, output, said) = Run(script, (int)Math.Min(int.MaxValue, names.Length * (DumpSmallFiles.MaxBytes + 4096)));
        if (status != 0)
        {
            throw new NkdumpException($"cannot fetch the dumps' small files from {Where}: ssh exit status {status}{(said.Length > 0 ? ": " + said : "")}");
        }

        var asked = names.ToHashSet(StringComparer.Ordinal);
        var at = 0;
        while (at < output.Length)
        {
            var end = Array.IndexOf(output, (byte)'\n', at, Math.Min(output.Length - at, 4096));
            var header = end < 0 ? "" : Encoding.UTF8.GetString(output, at, end - at);
            var space = header.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !long.TryParse(header.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                || size > DumpSmallFiles.MaxBytes || size > output.Length - end - 1 || !asked.Contains(header[(space + 1)..]))
            {
                throw new NkdumpException($"{Where}: the server's answer is not the files asked for (at byte {at}: '{header}')");
            }

            var name = header[(space + 1)..];
            var directory = Path.Combine(cacheDirectory, name[..name.IndexOf('/', StringComparison.Ordinal)]);
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var file = Path.Combine(cacheDirectory, name);
            File.Delete(file);
            DirectoryDump.WriteNew(file, output.AsSpan(end + 1, (int)size));
            at = end + 1 + (int)size;
        }
    }

    /// <summary>A file or directory name from the server that is safe to use as one here.</summary>
    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".." && !name.Contains('/') && !name.Contains('\0') && !name.Contains('\r');

    /// <summary>Runs <paramref name="script"/> on the server: its exit status, standard output (at most <paramref name="maxBytes"/>) and what it said on standard error.</summary>
    private (int Status, byte[] Output, string Said) Run(string script, int maxBytes)
    {
        var start = new ProcessStartInfo(sshProgram) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add(destination);
        start.ArgumentList.Add(script);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new NkdumpException($"cannot start {sshProgram}");
        }
        catch (Win32Exception e)
        {
            throw new NkdumpException($"cannot run {sshProgram}: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var said = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            var buffer = new byte[65536];
            int read;
            while ((read = process.StandardOutput.BaseStream.Read(buffer)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    process.Kill(entireProcessTree: true);
                    throw new NkdumpException($"{Where}: the server sent more than {maxBytes} bytes");
                }

                output.Write(buffer, 0, read);
            }

            process.WaitForExit();
            return (process.ExitCode, output.ToArray(), said.Result.Trim());
        }
    }
}
