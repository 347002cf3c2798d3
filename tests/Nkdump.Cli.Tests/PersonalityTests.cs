namespace Nkdump.Cli.Tests;

/// <summary>argv[0] kdumpctl and kdump-config: verbs, the lines scripts grep, exit codes (on a --root, kexec simulated).</summary>
public sealed class PersonalityTests : IDisposable
{
    private const string Release = "6.1.0-cli-amd64";
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-personality-").FullName;

    public PersonalityTests()
    {
        FakeHost.Populate(_root, Release);
        Write("/proc/iomem", "00100000-bffdffff : System RAM\n  2b000000-3affffff : Crash kernel\n");
        Write("/usr/sbin/nkdump", "#!/bin/sh\n");
        Write("/etc/kdump.conf", "path /var/crash\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string path, string text) => FakeHost.Write(_root, path, text);

    private static (int Exit, string Out, string Error) Run(Func<string[], CommandContext, int> personality, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = personality(args, new CommandContext(output, error, () => new MemoryStream(), () => Stream.Null));
        return (code, output.ToString(), error.ToString());
    }

    private (int Exit, string Out, string Error) Kdumpctl(string verb, params string[] more) =>
        Run(KdumpctlPersonality.Run, [verb, .. more, "--root", _root]);

    private (int Exit, string Out, string Error) KdumpConfig(string verb) =>
        Run(KdumpConfigPersonality.Run, [verb, "--root", _root]);

    [Fact]
    public void KdumpctlStartStatusStopPrintKdumpctlsLinesAndExitCodes()
    {
        var (notYet, _, notYetErr) = Kdumpctl("status");
        Assert.Equal(3, notYet);
        Assert.EndsWith("kdump: Kdump is not operational\n", notYetErr);

        var (started, _, startErr) = Kdumpctl("start");
        Assert.True(started == 0, startErr);
        Assert.Contains("kdump: kexec: loaded kdump kernel\nkdump: Starting kdump: [OK]\n", startErr);
        Assert.All(startErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("kdump: ", l));

        var (again, _, againErr) = Kdumpctl("start");
        Assert.Equal((0, "kdump: Kdump already running: [WARNING]\n"), (again, againErr));

        var (status, _, statusErr) = Kdumpctl("status");
        Assert.Equal(0, status);
        Assert.EndsWith("kdump: Kdump is operational\n", statusErr);

        var (reload, _, reloadErr) = Kdumpctl("reload");
        Assert.Equal(0, reload);
        Assert.EndsWith("kdump: Stopping kdump: [OK]\nkdump: Starting kdump: [OK]\n", reloadErr);

        var (stopped, _, stopErr) = Kdumpctl("stop");
        Assert.Equal(0, stopped);
        Assert.EndsWith("kdump: kexec: unloaded kdump kernel\nkdump: Stopping kdump: [OK]\n", stopErr);
        Assert.Equal(3, Kdumpctl("status").Exit);

        var (restarted, _, restartErr) = Kdumpctl("restart");
        Assert.Equal(0, restarted);
        Assert.Contains("kdump: Stopping kdump: [OK]\n", restartErr);
        Assert.EndsWith("kdump: Starting kdump: [OK]\n", restartErr);
    }

    [Fact]
    public void KdumpctlStartFailureSaysFailedAndExits1()
    {
        Write("/sys/kernel/kexec_crash_size", "0\n");
        var (code, _, error) = Kdumpctl("start");
        Assert.Equal(1, code);
        Assert.Contains("no memory is reserved", error);
        Assert.EndsWith("kdump: Starting kdump: [FAILED]\n", error);
    }

    [Fact]
    public void KdumpctlQueriesAndRefusals()
    {
        var (showmem, _, showmemErr) = Kdumpctl("showmem");
        Assert.Equal((0, "kdump: Reserved 256MB memory for crash kernel\n"), (showmem, showmemErr));

        var (defaultCode, defaultOut, _) = Run(KdumpctlPersonality.Run, "get-default-crashkernel", "kdump");
        Assert.Equal((0, "2G-64G:256M,64G-:512M\n"), (defaultCode, defaultOut));

        var (propagate, _, propagateErr) = Kdumpctl("propagate");
        Assert.Equal(1, propagate);
        Assert.Contains("propagate sets up ssh targets", propagateErr); // nkdump's propagate, on this root's local target

        var (test, _, testErr) = Kdumpctl("test", "--force");
        Assert.Equal((1, "kdump: Kdump needs be operational before test.\n"), (test, testErr));

        Assert.Equal(2, Kdumpctl("reset-crashkernel", "--fadump=on").Exit);

        var (unknown, _, usage) = Run(KdumpctlPersonality.Run, "frobnicate");
        Assert.Equal(1, unknown);
        Assert.Contains("Usage: kdumpctl {start|stop|restart|reload|status|rebuild|propagate|showmem|estimate|get-default-crashkernel|reset-crashkernel|test}", usage);
    }

    [Fact]
    public void KdumpConfigStatusShowLoadUnload()
    {
        var (before, beforeOut, _) = KdumpConfig("status");
        Assert.Equal((0, "current state   : Not ready to kdump\n"), (before, beforeOut));

        var (load, loadOut, loadErr) = KdumpConfig("load");
        Assert.True(load == 0, loadErr);
        Assert.EndsWith("loaded kdump kernel\n", loadOut);
        var (after, afterOut, _) = KdumpConfig("status");
        Assert.Equal((0, "current state   : ready to kdump\n"), (after, afterOut));

        var (show, showOut, _) = KdumpConfig("show");
        Assert.Equal(0, show);
        Assert.Contains("USE_KDUMP:        1\n", showOut);
        Assert.Contains("KDUMP_COREDIR:    /var/crash\n", showOut);
        Assert.Contains("crashkernel addr: 0x2b000000\n", showOut);
        Assert.EndsWith("current state:    ready to kdump\n", showOut);

        var (unload, unloadOut, _) = KdumpConfig("unload");
        Assert.Equal(0, unload);
        Assert.EndsWith("unloaded kdump kernel\n", unloadOut);
        Assert.Equal("current state   : Not ready to kdump\n", KdumpConfig("status").Out);

        var (propagate, _, propagateErr) = KdumpConfig("propagate");
        Assert.Equal(1, propagate);
        Assert.Contains("propagate sets up ssh targets", propagateErr);
        Assert.Equal(1, KdumpConfig("symlinks").Exit);
    }

    [Fact]
    public void KdumpConfigStatusStaysZeroAndLoadFailsWithABrokenConfig()
    {
        Write("/etc/kdump.conf", "path /var/crash\nssh nouser\n");
        Assert.Equal(0, KdumpConfig("status").Exit);
        var (load, loadOut, loadErr) = KdumpConfig("load");
        Assert.Equal(1, load);
        Assert.Contains("kdump.conf:2: 'ssh'", loadErr);
        Assert.Equal("failed to load kdump kernel\n", loadOut);
    }

    [Fact]
    public void TheManPageListsEveryCommandAndThePersonalities()
    {
        var (code, man, _) = CliRunner.Run("help", "--man");
        Assert.Equal(0, code);
        Assert.StartsWith(".TH NKDUMP 8 ", man);
        foreach (var command in CommandTable.All)
        {
            Assert.Contains($@"\fBnkdump {ManPage.Escape(command.Usage)}\fR", man);
        }

        Assert.Contains(@"get\-default\-crashkernel", man);
        Assert.DoesNotContain("\n.\n", man);
    }

    [Fact]
    public void ConfigImportDryRunPrintsAndWritesNothing()
    {
        Write("/etc/default/kdump-tools", "KDUMP_COREDIR=/srv/crash\nKDUMP_NUM_DUMPS=2\nKDUMP_KEXEC_ARGS=-d\n");
        var (code, output, error) = CliRunner.Run("config", "import", "--dry-run", "--root", _root);
        Assert.Equal(0, code);
        Assert.Contains("dump_layout debian\n", output);
        Assert.Contains("path /srv/crash\n", output);
        Assert.Contains("keep_dumps 2\n", output);
        Assert.Contains("nkdump config import: not carried over: /etc/default/kdump-tools:3 KDUMP_KEXEC_ARGS: ", error);
        Assert.Equal("path /var/crash\n", File.ReadAllText(_root + "/etc/kdump.conf"));

        var (written, writtenOut, _) = CliRunner.Run("config", "import", "--from", "kdump-tools", "--root", _root);
        Assert.Equal(0, written);
        Assert.Contains("kdump.conf.nkdump-import-bak", writtenOut);
        Assert.Contains("path /srv/crash\n", File.ReadAllText(_root + "/etc/kdump.conf"));
        Assert.Equal(2, CliRunner.Run("config", "import", "--from", "yast", "--root", _root).ExitCode);
    }
}
