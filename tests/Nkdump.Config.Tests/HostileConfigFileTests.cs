using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Config.Tests;

/// <summary>
/// Issue 17, finding 3: kdump.conf is read through the open file, at most its limit plus one byte,
/// and only when it is a regular file: a device, a FIFO or a directory is refused at once, by name.
/// </summary>
public sealed class HostileConfigFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("/dev/zero", "a character device")]
    [InlineData("/dev/urandom", "a character device")]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/tmp", "a directory")]
    public void NotARegularFileIsRefusedPromptly(string path, string kind)
    {
        var e = Promptly(() => Assert.Throws<ConfigException>(() => KdumpConfigParser.Load(path)));
        Assert.Contains(path, e.Message);
        Assert.Contains($"is {kind}, not a regular file", e.Message);
    }

    [Fact]
    public void FifoIsRefusedWithoutWaitingForAWriter()
    {
        var fifo = _dir.File("kdump.conf");
        var made = ExternalTool.Run("mkfifo", [fifo]);
        Assert.True(made.ExitCode == 0, made.ToString());

        var e = Promptly(() => Assert.Throws<ConfigException>(() => KdumpConfigParser.Load(fifo)));
        Assert.Contains($"{fifo}: ", e.Message);
        Assert.Contains("is a FIFO, not a regular file", e.Message);
    }

    [Fact]
    public void FileOverTheLimitIsRefusedWithoutReadingItAll()
    {
        var path = _dir.File("kdump.conf");
        using (var file = File.Create(path))
        {
            file.SetLength(1L << 40); // sparse: 1 TiB of zeros that must not be read
        }

        var e = Promptly(() => Assert.Throws<ConfigException>(() => KdumpConfigParser.Load(path)));
        Assert.Contains($"too large: more than the {1 << 20} bytes", e.Message);
    }

    [Fact]
    public void SymlinkToARegularFileIsRead()
    {
        var real = _dir.Write("real.conf", "path /var/crash\n"u8.ToArray());
        var link = _dir.File("kdump.conf");
        File.CreateSymbolicLink(link, real);
        Assert.Equal("/var/crash", KdumpConfigParser.Load(link).Path);
    }

    /// <summary>Runs <paramref name="body"/>; fails the test (rather than hanging it) when it takes more than 20 seconds.</summary>
    private static T Promptly<T>(Func<T> body)
    {
        var task = Task.Run(body);
        Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "did not return within 20 seconds");
        return task.Result;
    }

    public void Dispose() => _dir.Dispose();
}
