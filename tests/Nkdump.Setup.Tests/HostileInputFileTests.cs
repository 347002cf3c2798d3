using Nkdump.Config;
using Nkdump.Setup.Initramfs;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

/// <summary>
/// Issue 17, finding 3: what goes into the capture initramfs (hooks, extra_bins, known_hosts…) is
/// opened without blocking and must be a regular file: a FIFO or a device is refused by name, at once.
/// </summary>
public class HostileInputFileTests
{
    private static Task<InitramfsBuildResult> Build(TempRoot t) => Task.Run(() =>
    {
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return CaptureInitramfs.Build(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force: true);
    });

    private static void Fifo(TempRoot t, string absolute)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(t.Real(absolute))!);
        var made = ExternalTool.Run("mkfifo", [t.Real(absolute)]);
        Assert.True(made.ExitCode == 0, made.ToString());
    }

    private static async Task<Exception> FailsPromptly(Task<InitramfsBuildResult> build)
    {
        Assert.True(await Task.WhenAny(build, Task.Delay(TimeSpan.FromSeconds(20))) == build, "the build did not return within 20 seconds");
        return await Assert.ThrowsAnyAsync<Exception>(() => build);
    }

    [Fact]
    public async Task ExtraBinThatIsAFifoIsRefusedByName()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\nextra_bins /usr/bin/fifo\n");
        Fifo(t, "/usr/bin/fifo");

        var e = await FailsPromptly(Build(t));
        Assert.Contains($"{t.Real("/usr/bin/fifo")} is a FIFO", e.Message);
    }

    [Fact]
    public async Task KnownHostsThatIsAFifoIsRefusedByName()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ssh kdump@192.0.2.1\n");
        Fifo(t, "/root/.ssh/known_hosts");

        var e = await FailsPromptly(Build(t));
        Assert.Contains($"{t.Real("/root/.ssh/known_hosts")}: an input of the capture initramfs is a FIFO, not a regular file", e.Message);
    }

    [Fact]
    public async Task ExtraBinThatIsADeviceIsRefusedByName()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\nextra_bins /dev/zero\n");
        Directory.CreateDirectory(t.Real("/dev"));
        var made = ExternalTool.Run("mknod", [t.Real("/dev/zero"), "c", "1", "5"]); // as /dev/zero: the tests run as root
        Assert.True(made.ExitCode == 0, made.ToString());

        var e = await FailsPromptly(Build(t));
        Assert.Contains("is a character device", e.Message);
    }
}
