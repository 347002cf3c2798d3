using Nkdump.Capture.Targets;
using Nkdump.Config;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>A raw target (a plain file as the device): save writes the flattened stream, savecore rebuilds it on the next boot.</summary>
public sealed class RawAndSaveCoreTests : IDisposable
{
    private const string Collector = "makedumpfile -F -l --message-level 1 -d 31";
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _reference = new();

    [Fact]
    public void RawDumpRoundTripsThroughSavecore()
    {
        var device = _t.Device("vdc");
        File.WriteAllBytes(device, new byte[1 << 20]); // stale bytes after the stream must not matter
        _t.Config($"raw /dev/vdc\npath /var/crash\ncore_collector {Collector}\n");

        Assert.True(_t.Save() == 0, _t.ToString());
        Assert.Equal(["reboot"], _t.Machine.Calls);
        Assert.True(SaveCoreRunner.HasFlattenedHeader(device));

        var log = new StringWriter();
        var saveCore = new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], new FixedClock(CaptureTestRoot.Time), new CaptureLog(log));
        Assert.True(saveCore.Run() == 0, log.ToString());

        var directory = _t["/var/crash/127.0.0.1-2026-11-26-09:05:07"];
        var vmcore = Path.Combine(directory, "vmcore");
        DumpAssert.OwnerOnlyMode(vmcore);
        Assert.False(File.Exists(Path.Combine(directory, DirectoryDump.VmcoreIncomplete)));
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));

        var direct = _reference.File("direct");
        CoreCollectorRun.ToFile(CoreCollector.Parse(Collector, 1), Fixtures.ElfVmcore(CaptureTestRoot.Fixture), direct, TextWriter.Null);
        DumpAssert.SamePages(direct, vmcore);

        // Consumed: the next boot finds nothing.
        Assert.False(SaveCoreRunner.HasFlattenedHeader(device));
        var again = new StringWriter();
        Assert.Equal(0, new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], TimeProvider.System, new CaptureLog(again)).Run());
        Assert.Contains("nkdump: no dump on /dev/vdc", again.ToString());
    }

    [Fact]
    public void EncryptedRawDumpIsSavedAsAnAgeFileThatDecryptsToTheKdumpFile()
    {
        var keyFile = _reference.File("key.txt");
        Assert.Equal(0, ExternalTool.Run("age-keygen", ["-o", keyFile]).ExitCode);
        var recipient = ExternalTool.Run("age-keygen", ["-y", keyFile]).StandardOutput.Trim();
        var device = _t.Device("vdc");
        File.WriteAllBytes(device, new byte[1 << 20]);
        _t.Config($"raw /dev/vdc\npath /var/crash\ncore_collector {Collector}\nencrypt {recipient}\n");

        Assert.True(_t.Save() == 0, _t.ToString());
        Assert.True(SaveCoreRunner.HasFlattenedHeader(device)); // the framing is in the clear

        var log = new StringWriter();
        Assert.True(new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], new FixedClock(CaptureTestRoot.Time), new CaptureLog(log)).Run() == 0, log.ToString());
        var directory = _t["/var/crash/127.0.0.1-2026-11-26-09:05:07"];
        var vmcore = Path.Combine(directory, "vmcore.age");
        DumpAssert.OwnerOnlyMode(vmcore);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(["vmcore.age"], Directory.GetFiles(directory).Select(Path.GetFileName).Where(n => n!.StartsWith("vmcore", StringComparison.Ordinal)));
        Assert.Contains("age-encrypted", log.ToString());
        Assert.False(SaveCoreRunner.HasFlattenedHeader(device));

        // Debian's age gives the very file an unencrypted collect to a file writes, and nkdump reads it with the key.
        var decrypted = _reference.File("decrypted");
        var age = ExternalTool.Run("age", ["-d", "-i", keyFile, "-o", decrypted, vmcore]);
        Assert.True(age.ExitCode == 0, age.ToString());
        var direct = _reference.File("direct");
        CoreCollectorRun.ToFile(CoreCollector.Parse(Collector, 1), Fixtures.ElfVmcore(CaptureTestRoot.Fixture), direct, TextWriter.Null);
        Assert.True(File.ReadAllBytes(direct).AsSpan().SequenceEqual(File.ReadAllBytes(decrypted)), "age -d of the saved vmcore.age differs from the plain collect");
        using var dump = Formats.DumpOpener.Open(vmcore, Formats.Age.AgeIdentity.Load(keyFile));
        Assert.Equal(Formats.DumpFormat.KdumpCompressed, dump.Format);
    }

    [Fact]
    public void SavecoreOnAnEmptyDeviceSaysSoAndSucceeds()
    {
        File.WriteAllBytes(_t.Device("vdc"), new byte[8192]);
        _t.Config("raw /dev/vdc\n");
        var log = new StringWriter();
        Assert.Equal(0, new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], TimeProvider.System, new CaptureLog(log)).Run());
        Assert.Equal("nkdump: no dump on /dev/vdc\n", log.ToString());
        Assert.False(Directory.Exists(_t["/var/crash"]));
    }

    [Fact]
    public void SavecoreKeepsATruncatedStreamAsIncompleteAndClearsTheDevice()
    {
        var device = _t.Device("vdc");
        var flat = _reference.File("flat");
        using (var output = File.Create(flat))
        {
            CoreCollectorRun.ToStream(CoreCollector.Parse(Collector, 1), Fixtures.ElfVmcore(CaptureTestRoot.Fixture), () => output, TextWriter.Null);
        }

        var bytes = File.ReadAllBytes(flat);
        File.WriteAllBytes(device, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        _t.Config("raw /dev/vdc\n");
        var log = new StringWriter();

        Assert.Equal(1, new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], new FixedClock(CaptureTestRoot.Time), new CaptureLog(log)).Run());

        Assert.Contains("cut short", log.ToString());
        Assert.True(File.Exists(_t["/var/crash/127.0.0.1-2026-11-26-09:05:07/vmcore-incomplete"]));
        Assert.False(SaveCoreRunner.HasFlattenedHeader(device));
    }

    [Fact]
    public void SavecoreWithoutARawTargetHasNothingToDo()
    {
        _t.Config("ext4 /dev/vdb\n");
        var log = new StringWriter();
        Assert.Equal(0, new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], TimeProvider.System, new CaptureLog(log)).Run());
        Assert.Contains("no raw target", log.ToString());
    }

    public void Dispose()
    {
        _t.Dispose();
        _reference.Dispose();
    }
}
