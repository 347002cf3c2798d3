using System.Text.Json;
using Nkdump.Capture.Store;
using Nkdump.Config;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// Issue 21, item 3 for NFS targets and the parts of the ssh source that need no server: the capture
/// writes nkdump-triage.json beside a local dump; the boot report mounts an NFS export read-only
/// (a fake mount(8): this host has no NFS client) and reports only this machine's dumps on it, named
/// server:/export/PATH/ID; a failed mount fails a pending test with mount's words; a hostile listing
/// from an ssh server is read line by line, what does not parse skipped.
/// </summary>
public sealed class RemoteDumpSourceTests : IDisposable
{
    private const string OwnId = "10.0.0.5-2026-11-26-09:05:07", OtherId = "10.0.0.6-2026-11-27-10:00:00";
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _export = new();
    private readonly List<string> _calls = [];

    public RemoteDumpSourceTests()
    {
        _t.Config("nfs server.example:/export\npath /var/crash\n");
        ExportDump(OwnId, "aaaaaaaaaaaaaaaa");
        ExportDump(OtherId, "bbbbbbbbbbbbbbbb");
        _t.Write("/proc/sys/kernel/random/boot_id", "boot-of-the-test\n");
        TestRecords.Start(_t.Root, new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        _t.Write("/proc/sys/kernel/random/boot_id", "the-next-boot\n");
    }

    public void Dispose()
    {
        _t.Dispose();
        _export.Dispose();
    }

    /// <summary>A dump as the capture leaves it on the export: an encrypted vmcore (nothing here can read it), the log, the triage JSON.</summary>
    private void ExportDump(string id, string signature)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_export.Path, "var/crash", id)).FullName;
        File.WriteAllText(Path.Combine(directory, "vmcore.age"), "age-encryption.org/v1\n-> X25519 stub\n--- stub\n");
        File.WriteAllText(Path.Combine(directory, "vmcore-dmesg.txt"), "log\n");
        File.WriteAllText(Path.Combine(directory, DumpSmallFiles.Triage), $"{{\"signature\":\"{signature}\",\"panic_reason\":\"sysrq triggered crash\",\"release\":\"6.1.0-56-amd64\",\"crash_time\":\"2026-11-26 09:05:00Z\"}}\n");
    }

    /// <summary>mount(8) as the report calls it: "mounting" copies the export into the mount point, unmounting empties it.</summary>
    private int FakeMount(IReadOnlyList<string> argv, TextWriter output)
    {
        _calls.Add(string.Join(' ', argv));
        if (argv[0] == "mount")
        {
            CopyTree(_export.Path, argv[^1]);
        }
        else
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(argv[^1]))
            {
                Directory.Delete(entry, recursive: true);
            }
        }

        return 0;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    /// <summary>What the CLI's summary gives for a dump it cannot read: the triage JSON beside it.</summary>
    private static DumpSummary FromTriageFile(SavedDump dump)
    {
        Assert.NotNull(dump.TriageFile);
        var json = File.ReadAllText(dump.TriageFile);
        var root = JsonDocument.Parse(json).RootElement;
        string? Text(string name) => root.GetProperty(name).GetString();
        return new DumpSummary(Text("crash_time"), DateTimeOffset.Parse(Text("crash_time")!, System.Globalization.CultureInfo.InvariantCulture), Text("release"), Text("panic_reason"), Text("signature"), json, null);
    }

    private (int Status, string Output) Report(Func<IReadOnlyList<string>, TextWriter, int> runner)
    {
        var output = new StringWriter();
        var config = KdumpConfigParser.Load(_t["/etc/kdump.conf"]);
        var status = new BootReport(_t.Root, config, output, FromTriageFile, TimeProvider.System)
        {
            Access = new TargetAccess { Runner = runner, OwnNames = new HashSet<string> { "10.0.0.5" } },
        }.Run();
        return (status, output.ToString());
    }

    [Fact]
    public void TheReportMountsTheExportReadOnlyAndReportsOnlyThisMachinesDumps()
    {
        var (status, output) = Report(FakeMount);

        Assert.True(status == 0, output);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("<4>", StringComparison.Ordinal));
        Assert.Equal($"<4>nkdump: kernel crash at 2026-11-26 09:05:00Z: \"sysrq triggered crash\", signature aaaaaaaaaaaaaaaa, release 6.1.0-56-amd64, saved in server.example:/export/var/crash/{OwnId}", line);
        Assert.DoesNotContain(OtherId, output, StringComparison.Ordinal);
        Assert.Contains($"<6>nkdump: last test: 2026-11-25 00:00:00Z: success, dump server.example:/export/var/crash/{OwnId}", output, StringComparison.Ordinal);
        Assert.Equal(2, _calls.Count);
        Assert.Matches(@"^mount -t nfs -o ro,soft,timeo=50,retrans=1 server\.example:/export /.*/run/nkdump/nfs-dumps-\S+$", _calls[0]);
        Assert.Equal("umount " + _calls[0].Split(' ')[^1], _calls[1]);
        Assert.Empty(Directory.GetFileSystemEntries(_t["/run/nkdump"]));
        Assert.Equal(TestRecord.Success, TestRecords.Read(_t.Root)!.Outcome);

        _calls.Clear();
        var (again, said) = Report(FakeMount);
        Assert.True(again == 0, said);
        Assert.Contains("<6>nkdump: no new crash dump in server.example:/export/var/crash (2 saved before)", said, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExportThatCannotBeMountedFailsThePendingTestWithMountsWords()
    {
        var (status, output) = Report((argv, said) =>
        {
            _calls.Add(string.Join(' ', argv));
            said.WriteLine("mount.nfs: Connection refused");
            return 32;
        });

        Assert.True(status == 0, output);
        Assert.Contains("<6>nkdump: cannot mount the NFS target server.example:/export read-only to read its dumps (mount exit status 32: mount.nfs: Connection refused)", output, StringComparison.Ordinal);
        var record = TestRecords.Read(_t.Root)!;
        Assert.Equal(TestRecord.Failed, record.Outcome);
        Assert.Contains("Connection refused", record.Reason, StringComparison.Ordinal);
        Assert.Single(_calls);
        Assert.Empty(Directory.GetFileSystemEntries(_t["/run/nkdump"]));
    }

    [Fact]
    public void AHostileListingIsReadLineByLine()
    {
        var source = new SshDumpSource("ssh", [], "root@server", "/var/crash", _t["/cache"], new HashSet<string> { "10.0.0.5" });
        var listing = "D 10.0.0.5-2026-11-26-09:05:07\nF 100 vmcore.flat\nF 12 vmcore-dmesg.txt\nF x nkdump-triage.json\nF 5 ../../etc/passwd\ngarbage\n"
            + "D ..\nF 1 vmcore.flat\nD lost+found\nD 10.0.0.6-2026-11-27-10:00:00\nF 7 vmcore-incomplete\n";

        var dumps = source.Parse(listing).ToList();

        Assert.Equal([OwnId, OtherId], dumps.Select(d => d.Id));
        Assert.Equal(["vmcore-dmesg.txt", "vmcore.flat"], dumps[0].Files.Select(f => f.Name));
        Assert.Equal(("complete", "root@server:/var/crash/" + OwnId, true), (dumps[0].State, dumps[0].Location, dumps[0].Remote));
        Assert.Equal("incomplete", dumps[1].State);
        Assert.True(source.IsOurs(dumps[0]));
        Assert.False(source.IsOurs(dumps[1]));
        Assert.Equal("10.0.0.5", DumpOwners.Owner(OwnId));
        Assert.Equal("host-a", DumpOwners.Owner("host-a-202611260905"));
        Assert.Null(DumpOwners.Owner("lost+found"));
    }

    /// <summary>An age recipient made by Debian's age-keygen (the host can read an encrypted local dump only with the identity).</summary>
    private static string AgeRecipient()
    {
        using var keys = new TempDirectory();
        var keyFile = keys.File("key.txt");
        Assert.Equal(0, ExternalTool.Run("age-keygen", ["-o", keyFile]).ExitCode);
        return ExternalTool.Run("age-keygen", ["-y", keyFile]).StandardOutput.Trim();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheCaptureWritesTheTriageJsonBesideAnEncryptedLocalDumpOnly(bool encrypted)
    {
        _t.Device("vda1", "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b", "root");
        _t.Device("vda");
        _t.Write("/proc/cmdline", "root=UUID=3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b ro\n");
        _t.Config("path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n" + (encrypted ? $"encrypt {AgeRecipient()}\nencrypt_dmesg 0\n" : ""));
        string? asked = null;
        var settings = _t.Settings() with { Triage = vmcore => { asked = vmcore; return "{\"signature\":\"cccccccccccccccc\"}\n"; } };

        Assert.True(new SaveRunner(settings, _t.Machine, new CaptureLog(_t.Log)).Run() == 0, _t.ToString());

        var file = Path.Combine(_t["/sysroot/var/crash/127.0.0.1-2026-11-26-09:05:07"], DumpSmallFiles.Triage);
        if (!encrypted)
        {
            // The host triages a plain local dump itself: no child, no file, no memory spent on it.
            Assert.Null(asked);
            Assert.False(File.Exists(file));
            return;
        }

        Assert.Equal(settings.VmcorePath, asked);
        Assert.Equal("{\"signature\":\"cccccccccccccccc\"}\n", File.ReadAllText(file));
        DumpAssert.OwnerOnlyMode(file);
        Assert.Contains("nkdump: saved the crash's triage report as nkdump-triage.json", _t.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TriageIsSkippedWhenTheCaptureKernelLacksTheMemory()
    {
        _t.Device("vda1", "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b", "root");
        _t.Device("vda");
        _t.Write("/proc/cmdline", "root=UUID=3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b ro\n");
        _t.Write("/proc/meminfo", "MemTotal: 100000 kB\nMemAvailable: 60000 kB\n");
        _t.Config($"path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nencrypt {AgeRecipient()}\n");
        var asked = false;
        var settings = _t.Settings() with { Triage = _ => { asked = true; return "{}\n"; } };

        Assert.True(new SaveRunner(settings, _t.Machine, new CaptureLog(_t.Log)).Run() == 0, _t.ToString());

        Assert.False(asked);
        Assert.Contains("nkdump: warning: not computing nkdump-triage.json: 58 MiB available, triage needs about 96 MiB", _t.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(_t["/sysroot/var/crash/127.0.0.1-2026-11-26-09:05:07/vmcore.age"]), "the dump is saved all the same");
    }
}
