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
