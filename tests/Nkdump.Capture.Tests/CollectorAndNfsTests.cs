using Nkdump.Capture.Targets;
using Nkdump.Config;

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
        var files = flattened ? new[] { "in" } : ["in", "out"];
        var arguments = CoreCollectorRun.Arguments(CoreCollector.Parse(collector, 1), flattened, files);
        var reference = Collector.Cli.CollectArguments.Parse(expected.Split(' '));
        Assert.Equal(reference.Flatten, arguments.Flatten);
        Assert.Equal(reference.DumpLevel, arguments.DumpLevel);
        Assert.Equal(reference.Compression, arguments.Compression);
        Assert.Equal(reference.Files, arguments.Files);
    }

    [Fact]
    public void OtherCollectorsAreRefusedByName()
    {
        var e = Assert.Throws<CaptureFailedException>(() => CoreCollectorRun.Arguments(CoreCollector.Parse("cp --sparse=always", 1), false, ["a", "b"]));
        Assert.Contains("cp --sparse=always", e.Message);
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
