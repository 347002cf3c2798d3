using System.Text.Json;
using Nkdump.Capture;
using Nkdump.Capture.Store;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// list, show, rm, prune and report over a dump directory holding the crashes of both fixture
/// kernels (their kdump-compressed files and logs, laid out as the capture saves them), a capture
/// cut short and a foreign file; the signatures must be `triage`'s.
/// </summary>
public sealed class DumpStoreCommandTests : IDisposable
{
    private const string Old = "debian-6.1.0-56-amd64", New = "debian-6.12.117-amd64";
    private const string OldId = "127.0.0.1-2026-11-26-09:05:07", NewId = "127.0.0.1-2026-11-27-10:00:00", CutId = "127.0.0.1-2026-11-28-11:00:00";
    private readonly TempDirectory _root = new();

    public DumpStoreCommandTests()
    {
        Dump(OldId, Old);
        Dump(NewId, New);
        var cut = Directory.CreateDirectory(Path.Combine(Crash, CutId)).FullName;
        using (var input = File.OpenRead(Collected(Old)))
        using (var output = File.Create(Path.Combine(cut, "vmcore-incomplete")))
        {
            var head = new byte[64 << 10];
            output.Write(head, 0, input.ReadAtLeast(head, head.Length));
        }

        var foreign = Directory.CreateDirectory(Path.Combine(Crash, "127.0.0.1-2026-11-20-08:00:00")).FullName;
        File.WriteAllText(Path.Combine(foreign, "vmcore"), "not a dump\n");
    }

    private string Crash => Path.Combine(_root.Path, "var/crash");

    private string Dump(string id, string fixture)
    {
        var directory = Directory.CreateDirectory(Path.Combine(Crash, id)).FullName;
        File.Copy(Collected(fixture), Path.Combine(directory, "vmcore"));
        File.Copy(Fixtures.Expected(fixture, "dmesg.makedumpfile.txt"), Path.Combine(directory, "vmcore-dmesg.txt"));
        return directory;
    }

    /// <summary>The fixture's crash as `nkdump collect -l -d 31` writes it (as the capture does), made once into the test cache.</summary>
    private static string Collected(string fixture)
    {
        var target = Path.Combine(RepoPaths.Cache, $"{fixture}.nkdump-collect-l-d31");
        if (!File.Exists(target))
        {
            var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            var (code, _, error) = CliRunner.Run("collect", "-l", "-d", "31", "--message-level", "1", Fixtures.ElfVmcore(fixture), temporary);
            Assert.True(code == 0, error);
            File.Move(temporary, target, overwrite: true);
        }

        return target;
    }

    private static string TriageSignature(string fixture)
    {
        var (_, output, _) = CliRunner.Run("triage", "--json", Collected(fixture));
        return JsonDocument.Parse(output).RootElement.GetProperty("signature").GetString()!;
    }

    [Fact]
    public void ListGivesEveryDumpWithTriagesSignatureAndWhatIsWrong()
    {
        var (code, output, error) = CliRunner.Run("list", Crash, "--json");
        Assert.True(code == 0, error);
        var dumps = JsonDocument.Parse(output).RootElement.GetProperty("dumps").EnumerateArray().ToList();
        Assert.Equal([CutId, NewId, OldId, "127.0.0.1-2026-11-20-08:00:00"], dumps.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(TriageSignature(New), dumps[1].GetProperty("signature").GetString());
        Assert.Equal(TriageSignature(Old), dumps[2].GetProperty("signature").GetString());
        Assert.Equal("sysrq triggered crash", dumps[2].GetProperty("panic_reason").GetString());
        Assert.Equal("6.1.0-56-amd64", dumps[2].GetProperty("release").GetString());
        Assert.Equal("complete", dumps[2].GetProperty("state").GetString());
        Assert.Equal("incomplete", dumps[0].GetProperty("state").GetString());
        Assert.Contains(dumps[0].GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("no vmcore-dmesg.txt", StringComparison.Ordinal));
        Assert.Equal("damaged", dumps[3].GetProperty("state").GetString());

        var text = CliRunner.Run("list", "--dir", Crash);
        Assert.Equal(0, text.ExitCode);
        Assert.Matches($@"(?m)^{Regex(OldId)}\s+\S+ \S+\s+6\.1\.0-56-amd64\s+{TriageSignature(Old)}\s+\S+\s+complete\s+sysrq triggered crash$", text.Out);
        Assert.Matches($@"(?m)^\s+! vmcore-incomplete: the capture did not finish", text.Out);
        Assert.Matches($@"(?m)^\s+! vmcore is not a crash dump", text.Out);
    }

    [Fact]
    public void ShowTakesAUniquePrefixAndRefusesAnAmbiguousOrUnknownOne()
    {
        var (code, output, error) = CliRunner.Run("show", "127.0.0.1-2026-11-27", "--dir", Crash);
        Assert.True(code == 0, error);
        Assert.Contains($"dump:      {NewId} (complete)", output, StringComparison.Ordinal);
        Assert.Contains($"signature: {TriageSignature(New)}", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\s+\d+  vmcore-dmesg\.txt$", output);

        var ambiguous = CliRunner.Run("show", "127.0.0.1-2026-11-2", "--dir", Crash);
        Assert.Equal(1, ambiguous.ExitCode);
        Assert.Contains($"ambiguous in {Crash}: it starts {CutId}, {NewId}, {OldId}, 127.0.0.1-2026-11-20-08:00:00", ambiguous.Error, StringComparison.Ordinal);
        var unknown = CliRunner.Run("show", "10.0.0.9", "--dir", Crash);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no dump '10.0.0.9'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RmOfAnUnknownIdExits1NamingItAndRemovesNothing()
    {
        var (code, _, error) = CliRunner.Run("rm", OldId, "no-such-dump", "--dir", Crash);
        Assert.Equal(1, code);
        Assert.Contains("no dump 'no-such-dump'", error, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(Crash, OldId)));

        var removed = CliRunner.Run("rm", "127.0.0.1-2026-11-26", Path.Combine(Crash, NewId), "--dir", Crash);
        Assert.True(removed.ExitCode == 0, removed.Error);
        Assert.False(Directory.Exists(Path.Combine(Crash, OldId)));
        Assert.False(Directory.Exists(Path.Combine(Crash, NewId)));
    }

    [Fact]
    public void PruneDryRunSaysWhatItWouldRemoveThenPruneRemovesIt()
    {
        File.WriteAllText(Path.Combine(_root.Path, "kdump.conf"), "path /var/crash\nkeep_dumps 2\n");
        var dry = CliRunner.Run("prune", "--dry-run", "--config", Path.Combine(_root.Path, "kdump.conf"), "--root", _root.Path);
        Assert.True(dry.ExitCode == 0, dry.Error);
        Assert.Equal(2, dry.Out.Split('\n').Count(l => l.StartsWith("would remove ", StringComparison.Ordinal)));
        Assert.Contains($"would remove {Path.Combine(Crash, OldId)} (", dry.Out, StringComparison.Ordinal);
        Assert.Equal(4, Directory.GetDirectories(Crash).Length);

        var real = CliRunner.Run("prune", "--keep-dumps", "3", "--config", Path.Combine(_root.Path, "kdump.conf"), "--root", _root.Path);
        Assert.True(real.ExitCode == 0, real.Error);
        Assert.Equal([CutId, NewId, OldId], Directory.GetDirectories(Crash).Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public void ReportTellsEachNewDumpOnceRunsTheHookAndCompletesTheTest()
    {
        var root = new CaptureRoot(_root.Path);
        Directory.CreateDirectory(Path.Combine(_root.Path, "proc/sys/kernel/random"));
        var bootId = Path.Combine(_root.Path, "proc/sys/kernel/random/boot_id");
        File.WriteAllText(bootId, "boot-of-the-test\n");
        TestRecords.Start(root, new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        Assert.Contains("started in this boot", CliRunner.Run("status", "--root", _root.Path).Out, StringComparison.Ordinal);
        File.WriteAllText(bootId, "the-next-boot\n");
        Directory.CreateDirectory(Path.Combine(_root.Path, "etc"));
        File.WriteAllText(Path.Combine(_root.Path, "etc/kdump.conf"), "path /var/crash\nreport_hook /hook\n");
        File.WriteAllText(Path.Combine(_root.Path, "hook"), "#!/bin/sh\ncat >> \"$(dirname \"$0\")/hook-input\"; echo >> \"$(dirname \"$0\")/hook-input\"; echo \"$NKDUMP_SIGNATURE $NKDUMP_DUMP\" >> \"$(dirname \"$0\")/hook-env\"\n");
        File.SetUnixFileMode(Path.Combine(_root.Path, "hook"), (UnixFileMode)0x1ED);

        var (code, output, error) = CliRunner.Run("report", "--root", _root.Path);

        Assert.True(code == 0, output + error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"<4>nkdump: kernel crash at 2", output, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("<4>", StringComparison.Ordinal) && l.Contains($"signature {TriageSignature(Old)}, release 6.1.0-56-amd64, saved in {Path.Combine(Crash, OldId)}", StringComparison.Ordinal) && l.Contains("\"sysrq triggered crash\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<4>", StringComparison.Ordinal) && l.Contains($"signature {TriageSignature(New)}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<3>", StringComparison.Ordinal) && l.Contains($"{CutId} [incomplete]", StringComparison.Ordinal));
        var hookInputs = File.ReadAllLines(Path.Combine(_root.Path, "hook-input")).Where(l => l.Length > 0).ToList();
        Assert.Equal(4, hookInputs.Count);
        Assert.Contains(hookInputs, l => JsonDocument.Parse(l).RootElement.TryGetProperty("signature", out var s) && s.GetString() == TriageSignature(Old));
        Assert.Contains($"{TriageSignature(Old)} {Path.Combine(Crash, OldId)}", File.ReadAllText(Path.Combine(_root.Path, "hook-env")), StringComparison.Ordinal);
        Assert.Contains("<6>nkdump: last test: 2026-11-25 00:00:00Z: success", output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root.Resolve(StoreState.Directory)));

        var again = CliRunner.Run("report", "--root", _root.Path);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains($"<6>nkdump: no new crash dump in {Crash} (4 saved before)", again.Out, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_root.Path, "hook-input")).Count(l => l.Length > 0));

        var status = CliRunner.Run("status", "--root", _root.Path);
        Assert.True(status.Out.Contains($"last test: 2026-11-25 00:00:00Z: success, dump {Path.Combine(Crash, OldId)}", StringComparison.Ordinal), status.Out);
    }

    [Fact]
    public void AnUnreadableDirectoryIsListedWithTheReasonAndTheListGoesOn()
    {
        var binary = RepoPaths.NativeBinary;
        Assert.True(File.Exists(binary), $"{binary} is missing: run ./build.sh first (./test.sh does)");
        var locked = Directory.CreateDirectory(Path.Combine(Crash, "127.0.0.1-2026-11-29-12:00:00")).FullName;
        File.WriteAllText(Path.Combine(locked, "vmcore-dmesg.txt"), "log\n");
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var open in new[] { _root.Path, Path.Combine(_root.Path, "var"), Crash })
        {
            File.SetUnixFileMode(open, (UnixFileMode)0x1ED);
        }

        foreach (var file in Directory.GetFiles(Crash, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(locked, StringComparison.Ordinal)))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0x1A4);
        }

        foreach (var directory in Directory.GetDirectories(Crash).Where(d => d != locked))
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0x1ED);
        }

        // Root reads everything: the command runs as nobody, to whom the dump directory is closed.
        var result = ExternalTool.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary, "list", Crash]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"(?m)^127\.0\.0\.1-2026-11-29-12:00:00\s+.*damaged", result.StandardOutput);
        Assert.Contains("! cannot read the directory", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{Regex(OldId)}\s+.*complete\s+sysrq triggered crash", result.StandardOutput);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    public void Dispose() => _root.Dispose();
}
