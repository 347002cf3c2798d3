using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// `nkdump collect -E` onto a file system that fills up (a 4 MiB tmpfs; needs root to mount, as the
/// collector's own disk-full tests): exit status 1 with a message that says the dump is incomplete,
/// and `nkdump info` on what is left reports the pages that were cut off.
/// </summary>
public sealed class CollectorDiskFullCommandTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly SmallTmpfs _mount = new("4m");


    [Fact]
    public void ElfCollectOnAFullDiskExitsOneAndInfoSaysIncomplete()
    {
        var output = _mount.File("vmcore");
        var (code, _, error) = CliRunner.Run("collect", "-E", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture), output);
        Assert.Equal(1, code);
        Assert.Contains("No space left", error);
        Assert.Contains("marked incomplete", error);

        var (infoCode, info, infoError) = CliRunner.Run("info", output);
        Assert.True(infoCode == 0, infoError);
        Assert.Contains("elf", info);
        Assert.Matches(@"incomplete\s+[1-9][0-9,]*", info);
        Assert.Matches(@"(?m)^\s+incomplete\s+yes$", info);
    }

    public void Dispose() => _mount.Dispose();
}
