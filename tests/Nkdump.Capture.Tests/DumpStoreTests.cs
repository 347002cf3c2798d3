using Nkdump.Capture.Store;
using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// The saved dumps as `list`, `rm` and retention see them: dumps of both fixture kernels saved by
/// the real capture path (the collector runs), next to a Debian-layout dump, one cut short, one
/// without its log, a foreign file named vmcore and a directory that is not a dump.
/// </summary>
public sealed class DumpStoreTests : IDisposable
{
    public const string NewFixture = "debian-6.12.117-amd64";
    private readonly CaptureTestRoot _t = new();

    private string Dumps => _t["/var/crash"];

    /// <summary>Saves <paramref name="fixture"/>'s crash with the capture path (root file system target), the clock at <paramref name="time"/>.</summary>
    private string SaveAt(DateTime time, string fixture = CaptureTestRoot.Fixture, string config = "path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n")
    {
        _t.Config("ext4 /dev/vdz\n" + config);
        var settings = _t.Settings(Fixtures.ElfVmcore(fixture)) with { Clock = new FixedClock(time) };
        var machine = new RecordingMachine();
        Assert.True(new SaveRunner(settings, machine, new CaptureLog(_t.Log)).Run() == 0, _t.ToString());
        return Directory.GetDirectories(_t["/kdumproot/var/crash"]).Single(d => Path.GetFileName(d).EndsWith(time.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    public DumpStoreTests()
    {
        _t.Device("vdz");
    }

    [Fact]
    public void EveryLayoutAndEveryDamageIsListedNewestFirst()
    {
        var old = SaveAt(new DateTime(2026, 11, 26, 9, 5, 7));
        var newer = SaveAt(new DateTime(2026, 11, 26, 10, 0, 0), NewFixture);
        var root = _t["/kdumproot/var/crash"];

        // Debian kdump-tools' layout, named by the minute.
        var debian = Directory.CreateDirectory(Path.Combine(root, "202611261100")).FullName;
        File.Copy(Path.Combine(newer, "vmcore"), Path.Combine(debian, "dump.202611261100"));
        File.Copy(Path.Combine(newer, "vmcore-dmesg.txt"), Path.Combine(debian, "dmesg.202611261100"));

        // A capture cut short (its writer gone), one without its log, a foreign file, not a dump at all.
        var cut = Directory.CreateDirectory(Path.Combine(root, "127.0.0.1-2026-11-25-08:00:00")).FullName;
        CopyPrefix(Path.Combine(old, "vmcore"), Path.Combine(cut, "vmcore-incomplete"), 1 << 20);
        File.Copy(Path.Combine(old, "vmcore-dmesg.txt"), Path.Combine(cut, "vmcore-dmesg.txt"));
        var nolog = Directory.CreateDirectory(Path.Combine(root, "127.0.0.1-2026-11-24-08:00:00")).FullName;
        File.Copy(Path.Combine(old, "vmcore"), Path.Combine(nolog, "vmcore"));
        var foreign = Directory.CreateDirectory(Path.Combine(root, "127.0.0.1-2026-11-23-08:00:00")).FullName;
        File.WriteAllText(Path.Combine(foreign, "vmcore"), "these are not the bytes of a crash dump\n");
        Directory.CreateDirectory(Path.Combine(root, "lost+found"));
        File.WriteAllText(Path.Combine(root, "kexec_cmd"), "kexec -p ...\n");

        var dumps = new DumpStore(root).List();

        Assert.Equal(["202611261100", Path.GetFileName(newer), Path.GetFileName(old), "127.0.0.1-2026-11-25-08:00:00", "127.0.0.1-2026-11-24-08:00:00", "127.0.0.1-2026-11-23-08:00:00"],
            dumps.Select(d => d.Id));
        Assert.All(dumps.Take(3), d => Assert.Equal("complete", d.State));
        Assert.All(dumps.Take(3), d => Assert.Empty(d.Problems));
        Assert.Equal(DumpFormat.KdumpCompressed, dumps[0].Format);
        Assert.Equal(Path.Combine(debian, "dmesg.202611261100"), dumps[0].DmesgFile);
        Assert.Equal("incomplete", dumps[3].State);
        Assert.Contains(dumps[3].Problems, p => p.Contains("vmcore-incomplete: the capture did not finish", StringComparison.Ordinal));
        Assert.Contains(dumps[4].Problems, p => p.StartsWith("no vmcore-dmesg.txt", StringComparison.Ordinal));
        Assert.Equal("damaged", dumps[5].State);
        Assert.Contains(dumps[5].Problems, p => p.StartsWith("vmcore is not a crash dump", StringComparison.Ordinal));
    }

    [Fact]
    public void IdsAreNamesOrUniquePrefixesOrPaths()
    {
        var root = Directory.CreateDirectory(Dumps).FullName;
        foreach (var name in new[] { "127.0.0.1-2026-11-26-09:05:07", "127.0.0.1-2026-11-26-09:05:07-2", "127.0.0.1-2026-11-27-10:00:00" })
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            File.WriteAllText(Path.Combine(directory, "vmcore-dmesg.txt"), "log\n");
        }

        var store = new DumpStore(root);
        Assert.Equal("127.0.0.1-2026-11-26-09:05:07", store.Find("127.0.0.1-2026-11-26-09:05:07").Id); // exact, though a prefix of -2 too
        Assert.Equal("127.0.0.1-2026-11-27-10:00:00", store.Find("127.0.0.1-2026-11-27").Id);
        Assert.Equal("127.0.0.1-2026-11-26-09:05:07-2", store.Find(Path.Combine(root, "127.0.0.1-2026-11-26-09:05:07-2") + "/").Id);
        var ambiguous = Assert.Throws<NkdumpException>(() => store.Find("127.0.0.1-2026-11-26"));
        Assert.Contains("ambiguous", ambiguous.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1-2026-11-26-09:05:07-2, 127.0.0.1-2026-11-26-09:05:07", ambiguous.Message, StringComparison.Ordinal);
        Assert.Contains("no dump 'nosuch'", Assert.Throws<NkdumpException>(() => store.Find("nosuch")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADumpWhoseWriterHoldsTheLockIsNeverRemoved()
    {
        var root = Directory.CreateDirectory(Dumps).FullName;
        var writing = Directory.CreateDirectory(Path.Combine(root, "127.0.0.1-2026-11-26-09:05:07")).FullName;
        var head = new byte[4096];
        "KDUMP   "u8.CopyTo(head); // a kdump-compressed file's signature: what a capture starts with
        File.WriteAllBytes(Path.Combine(writing, "vmcore-incomplete"), head);
        var store = new DumpStore(root);

        using (var writer = DumpLock.TryTake(writing))
        {
            Assert.NotNull(writer);
            var dump = store.Find("127.0.0.1");
            Assert.True(dump.BeingWritten);
            Assert.Equal("being written", dump.State);
            Assert.False(dump.Removable);
            Assert.Contains("being written", Assert.Throws<NkdumpException>(() => DumpStore.Remove(dump)).Message, StringComparison.Ordinal);
            Assert.Empty(new Retention(new RetentionPolicy(1, null)).Apply(store, addingOne: true, 0, dryRun: false, _ => { }));
            Assert.True(Directory.Exists(writing));
        }

        // The writer is gone: what it left is an incomplete dump like any other, and may go.
        var left = store.Find("127.0.0.1");
        Assert.Equal("incomplete", left.State);
        DumpStore.Remove(left);
        Assert.False(Directory.Exists(writing));
    }

    [Fact]
    public void KeepDumpsInTheCaptureKernelKeepsTheNewestIncludingTheNewOne()
    {
        const string config = "path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nkeep_dumps 2\n";
        var first = SaveAt(new DateTime(2026, 11, 26, 9, 0, 0), config: config);
        var second = SaveAt(new DateTime(2026, 11, 26, 10, 0, 0), NewFixture, config);
        var third = SaveAt(new DateTime(2026, 11, 26, 11, 0, 0), config: config);

        Assert.False(Directory.Exists(first));
        Assert.True(File.Exists(Path.Combine(second, "vmcore")));
        Assert.True(File.Exists(Path.Combine(third, "vmcore")));
        Assert.Contains($"nkdump: removed {first} (", _t.ToString(), StringComparison.Ordinal);
        Assert.Contains("more than keep_dumps 2 dumps with the new one", _t.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(third, CaptureLog.IncidentsFile)));
    }

    [Fact]
    public void PruneOnTheHostCountsWithoutANewDumpAndDryRunRemovesNothing()
    {
        var root = Directory.CreateDirectory(Dumps).FullName;
        foreach (var hour in new[] { 8, 9, 10 })
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, $"127.0.0.1-2026-11-26-{hour:00}:00:00")).FullName;
            File.WriteAllBytes(Path.Combine(directory, "vmcore"), new byte[1000 * hour]);
        }

        var store = new DumpStore(root);
        var lines = new List<string>();
        var would = new Retention(new RetentionPolicy(1, null)).Apply(store, addingOne: false, 0, dryRun: true, lines.Add);
        Assert.Equal(["127.0.0.1-2026-11-26-08:00:00", "127.0.0.1-2026-11-26-09:00:00"], would.Select(d => d.Id));
        Assert.All(lines, l => Assert.StartsWith("would remove ", l));
        Assert.Equal(3, store.List().Count);

        // keep_free_space with a simulated statvfs: 500 bytes short, the oldest (8000 bytes) is enough.
        var free = new Retention(new RetentionPolicy(null, 10_000), _ => 9_500).Apply(store, addingOne: false, 0, dryRun: true, _ => { });
        Assert.Equal(["127.0.0.1-2026-11-26-08:00:00"], free.Select(d => d.Id));

        var removed = new Retention(new RetentionPolicy(1, null)).Apply(store, addingOne: false, 0, dryRun: false, _ => { });
        Assert.Equal(2, removed.Count);
        Assert.Equal(["127.0.0.1-2026-11-26-10:00:00"], store.List().Select(d => d.Id));
    }

    private static void CopyPrefix(string from, string to, int bytes)
    {
        using var input = File.OpenRead(from);
        using var output = File.Create(to);
        var buffer = new byte[bytes];
        output.Write(buffer, 0, input.ReadAtLeast(buffer, bytes, throwOnEndOfStream: false));
    }

    [Fact]
    public void AnEncryptedDumpIsListedCompleteAndEncrypted()
    {
        var key = _t["/age-key.txt"];
        var keygen = ExternalTool.Run("age-keygen", ["-o", key]);
        Assert.True(keygen.ExitCode == 0, keygen.ToString());
        var recipient = ExternalTool.Run("age-keygen", ["-y", key]).StandardOutput.Trim();

        var directory = SaveAt(new DateTime(2026, 12, 1, 10, 0, 0), config: $"path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nencrypt {recipient}\n");

        var saved = DumpDirectoryReader.Read(directory)!;
        Assert.True(saved.Encrypted);
        Assert.True(saved.Complete);
        Assert.Equal("complete", saved.State);
        Assert.Equal(Path.Combine(directory, "vmcore.age"), saved.DumpFile);
        Assert.Equal(Path.Combine(directory, "vmcore-dmesg.txt.age"), saved.DmesgFile);
        Assert.Empty(saved.Problems);
    }

    public void Dispose() => _t.Dispose();
}
