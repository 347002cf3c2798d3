using Nkdump.Capture.Targets;
using Nkdump.Config;
using Nkdump.Config.Collect;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

public sealed class CollectorAndNfsTests : IDisposable
{
    private readonly CaptureTestRoot _t = new();

    [Theory]
    [InlineData("makedumpfile -l --message-level 7 -d 31", false, "-l --message-level 7 -d 31 in out")]
    [InlineData("makedumpfile -F -l -d 31", false, "-l -d 31 in out")]
    [InlineData("makedumpfile -lF -d 31", true, "-l -d 31 -F in")]
    [InlineData("nkdump collect -c -d 1", true, "-c -d 1 -F in")]
    public void FlattenIsSetOnlyForStreams(string collector, bool flattened, string expected)
    {
        var arguments = CoreCollectorRun.Request(CoreCollector.Parse(collector, 1), "in", flattened ? null : "out");
        var reference = CollectArguments.Parse(expected.Split(' '));
        Assert.Equal(reference.Flatten, arguments.Flatten);
        Assert.Equal(reference.DumpLevel, arguments.DumpLevel);
        Assert.Equal(reference.Compression, arguments.Compression);
        Assert.Equal(reference.Files, arguments.Files);

        // The capture alone writes the most important pages first (issue 18: a full disk keeps what matters).
        Assert.True(arguments.ImportantFirst);
        Assert.Equal(reference with { ImportantFirst = true }, arguments);
    }

    [Theory]
    [InlineData("ext4 UUID=0b5d0a1c-0cc8-4a43-a3ed-1d4a2c6c8f70\ncore_collector makedumpfile -l --message-level 1 -d 31\n", "-l --message-level 1 -d 31 /proc/vmcore /var/crash/vmcore-incomplete")]
    [InlineData("ssh kdump@10.0.2.2\ncore_collector makedumpfile -F -z -d 17\n", "-F -z -d 17 /proc/vmcore")]
    [InlineData("raw /dev/vdc\ncore_collector nkdump collect -lF -d 1 --num-threads 2\n", "-l -F -d 1 --num-threads 2 /proc/vmcore")]
    [InlineData("raw /dev/vdc\n", "-F -l --message-level 7 -d 31 /proc/vmcore")]
    [InlineData("nfs 10.0.2.2:/export\nfilter 17\ncore_collector makedumpfile -F -c\n", "-c -d 17 /proc/vmcore /var/crash/vmcore-incomplete")]
    public void KdumpConfTheCaptureAndTheCommandLineGetTheSameRequest(string config, string commandLine)
    {
        var parsed = KdumpConfigParser.Parse(config, "kdump.conf");
        var stream = parsed.Target.NeedsFlattened;
        var capture = CoreCollectorRun.Request(parsed.CoreCollector, "/proc/vmcore", stream ? null : "/var/crash/vmcore-incomplete");
        Assert.Equal(CollectArguments.Parse(commandLine.Split(' ')) with { ImportantFirst = true }, capture);
    }

    [Fact]
    public void OtherCollectorsAreRefusedByName()
    {
        var e = Assert.Throws<CaptureFailedException>(() => CoreCollectorRun.Request(CoreCollector.Parse("cp --sparse=always", 1), "a", "b"));
        Assert.Contains("cp --sparse=always", e.Message);
    }

    [Fact]
    public void ADumpOpenedOnceIsCollectedAsThePathWouldBe()
    {
        // The capture kernel can open /proc/vmcore once (its own facts, then the collector).
        using var dir = new TempDirectory();
        var vmcore = Fixtures.ElfVmcore(CaptureTestRoot.Fixture);
        var collector = CoreCollector.Parse("makedumpfile -l --message-level 1 -d 31", 1);
        CoreCollectorRun.ToFile(collector, vmcore, dir.File("from-path"), TextWriter.Null);
        using (var dump = Collector.CollectRunner.OpenInput(vmcore, nonMmap: false, _ => { }))
        {
            CoreCollectorRun.ToFile(collector, dump, vmcoreInfo: null, dir.File("from-dump"), TextWriter.Null);
            using (var flat = File.Create(dir.File("flat-from-dump")))
            {
                CoreCollectorRun.ToStream(collector, dump, dump.VmcoreInfo, () => flat, TextWriter.Null);
            }

            Assert.True(dump.Memory.TryRead(dump.Memory.Ranges[^1].StartPfn * 4096, new byte[4096], out _), "the caller's dump is still open");
        }

        using (var flat = File.Create(dir.File("flat-from-path")))
        {
            CoreCollectorRun.ToStream(collector, vmcore, () => flat, TextWriter.Null);
        }

        Assert.Equal(File.ReadAllBytes(dir.File("from-path")), File.ReadAllBytes(dir.File("from-dump")));
        Assert.Equal(File.ReadAllBytes(dir.File("flat-from-path")), File.ReadAllBytes(dir.File("flat-from-dump")));
    }

    [Fact]
    public void NfsFallsBackToVersion3AndNamesTheDirectoryAfterTheOwnAddress()
    {
        _t.Config("nfs 127.0.0.1:/srv/dumps\npath /crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n");
        _t.Machine.OnMount = (_, _, type, _) =>
        {
            if (type == "nfs4")
            {
                throw new IOException("mount: Protocol not supported (errno 93)");
            }
        };

        Assert.True(_t.Save() == 0, _t.ToString());

        var target = _t["/kdumproot"];
        Assert.Equal(
            [
                $"mount nfs4 127.0.0.1:/srv/dumps {target} vers=4.2,addr=127.0.0.1",
                $"mount nfs4 127.0.0.1:/srv/dumps {target} vers=4.1,addr=127.0.0.1",
                $"mount nfs 127.0.0.1:/srv/dumps {target} vers=3,proto=tcp,mountproto=tcp,nolock,addr=127.0.0.1,mountaddr=127.0.0.1",
                "reboot",
            ],
            _t.Machine.Calls);
        Assert.True(File.Exists(_t["/kdumproot/crash/127.0.0.1-2026-11-26-09:05:07/vmcore"]), _t.ToString());
    }

    [Fact]
    public void KernelParameterTakesTheLastOne() =>
        Assert.Equal("/dev/vda2", TargetMounter.KernelParameter("root=/dev/vda1 rootfstype=ext4 root=/dev/vda2 rootdelay=1", "root"));

    [Fact]
    public void UnreadableConfigTakesTheDefaultFailureAction()
    {
        _t.Config("ssh nobody\n");
        Assert.Equal(1, _t.Save());
        Assert.Equal(["reboot"], _t.Machine.Calls);
        Assert.Contains("expected 'user@host'", _t.ToString());
    }

    public void Dispose() => _t.Dispose();
}
