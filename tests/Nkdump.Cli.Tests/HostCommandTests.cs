namespace Nkdump.Cli.Tests;

public class HostCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nkdump-host-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteConfig(string text)
    {
        var path = Path.Combine(_dir, "kdump.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ConfigCheckAcceptsAGoodFile()
    {
        var path = WriteConfig("path /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\n");
        var (code, output, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("OK", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void ConfigCheckNamesFileLineAndDirective()
    {
        var path = WriteConfig("path /var/crash\n\nfailure_action explode\n");
        var (code, output, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"{path}:3: 'failure_action':", error);
    }

    [Fact]
    public void ConfigCheckWarnsAboutUnsupportedDirectives()
    {
        var path = WriteConfig("dracut_args --add-drivers ext4\n");
        var (code, _, error) = CliRunner.Run("config", "check", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("warning", error);
        Assert.Contains("'dracut_args'", error);
    }

    [Fact]
    public void ConfigShowPrintsDefaults()
    {
        var path = WriteConfig("# nothing set\n");
        var (code, output, _) = CliRunner.Run("config", "show", "--config", path);
        Assert.Equal(0, code);
        Assert.Contains("path /var/crash\n", output);
        Assert.Contains("core_collector makedumpfile -l --message-level 7 -d 31\n", output);
        Assert.Contains("failure_action reboot\n", output);
    }

    [Fact]
    public void ConfigReadsRootEtcKdumpConfByDefault()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "etc"));
        File.WriteAllText(Path.Combine(_dir, "etc", "kdump.conf"), "filter zero,free\n");
        var (code, output, _) = CliRunner.Run("config", "show", "--root", _dir);
        Assert.Equal(0, code);
        Assert.Contains("-d 17", output);
    }

    [Fact]
    public void ConfigWithAMissingFileFails()
    {
        var (code, _, error) = CliRunner.Run("config", "check", "--config", Path.Combine(_dir, "absent.conf"));
        Assert.Equal(1, code);
        Assert.Contains("cannot read", error);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("config", "frob")]
    public void ConfigWithoutAKnownSubCommandIsAUsageError(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("check", error);
    }

    [Fact]
    public void ConfigHelpListsSubCommands()
    {
        var (code, output, _) = CliRunner.Run("config", "--help");
        Assert.Equal(0, code);
        Assert.Contains("  check ", output);
        Assert.Contains("  show ", output);
    }
}

public class HostCrashkernelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-ck-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("2G-64G:256M,64G-:512M", "8G", "268435456")]
    [InlineData("2G-64G:256M,64G-:512M", "1G", "0")]
    [InlineData("crashkernel=512M,high crashkernel=128M,low", "16G", "671088640")]
    [InlineData("auto", "8G", "0")]
    public void ShowPrintsBytesOnTheFirstLine(string expression, string ram, string bytes)
    {
        var (code, output, _) = CliRunner.Run("crashkernel", "show", expression, "--ram", ram);
        Assert.Equal(0, code);
        Assert.Equal(bytes, output.Split('\n')[0]);
    }

    [Fact]
    public void ShowRejectsAMalformedExpressionWithItsPosition()
    {
        var (code, output, error) = CliRunner.Run("crashkernel", "show", "2G-64G:256M,64G-:512X", "--ram", "8G");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("position 21", error);
    }

    [Fact]
    public void ShowWithoutRamReadsTheRootsMeminfo()
    {
        Directory.CreateDirectory(Path.Combine(_root, "proc"));
        File.WriteAllText(Path.Combine(_root, "proc", "meminfo"), "MemTotal:        8038400 kB\nMemFree:  1 kB\n");
        var (code, output, _) = CliRunner.Run("crashkernel", "show", "2G-64G:256M,64G-:512M", "--root", _root);
        Assert.Equal(0, code);
        Assert.Equal("268435456", output.Split('\n')[0]);
    }

    [Fact]
    public void GetDefaultIsKdumpUtilsX86Default()
    {
        var (code, output, _) = CliRunner.Run("crashkernel", "get-default");
        Assert.Equal(0, code);
        Assert.Equal("2G-64G:256M,64G-:512M\n", output);
    }

    [Fact]
    public void ResetDryRunPrintsADiffAndResetTwiceChangesNothing()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "default"));
        var grub = Path.Combine(_root, "etc", "default", "grub");
        File.WriteAllText(grub, "GRUB_CMDLINE_LINUX=\"quiet crashkernel=auto\"\n");

        var (code, output, _) = CliRunner.Run("crashkernel", "reset", "--root", _root, "--dry-run");
        Assert.Equal(0, code);
        Assert.Contains("+GRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"", output);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"quiet crashkernel=auto\"\n", File.ReadAllText(grub));

        Assert.Equal(0, CliRunner.Run("crashkernel", "reset", "--root", _root).ExitCode);
        var once = File.ReadAllText(grub);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"\n", once);
        var (again, againOut, _) = CliRunner.Run("crashkernel", "reset", "--root", _root);
        Assert.Equal(0, again);
        Assert.Contains("already set", againOut);
        Assert.Equal(once, File.ReadAllText(grub));
    }

    [Fact]
    public void ResetRefusesAMalformedSize()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc", "default"));
        File.WriteAllText(Path.Combine(_root, "etc", "default", "grub"), "GRUB_CMDLINE_LINUX=\"\"\n");
        var (code, _, error) = CliRunner.Run("crashkernel", "reset", "--root", _root, "--size", "2G-:x");
        Assert.Equal(1, code);
        Assert.Contains("position", error);
        Assert.Equal("GRUB_CMDLINE_LINUX=\"\"\n", File.ReadAllText(Path.Combine(_root, "etc", "default", "grub")));
    }

    [Fact]
    public void HelpListsTheSubCommands()
    {
        var (_, output, _) = CliRunner.Run("crashkernel", "--help");
        foreach (var sub in new[] { "show", "get-default", "estimate", "reset" })
        {
            Assert.Contains($"  {sub} ", output);
        }
    }
}
