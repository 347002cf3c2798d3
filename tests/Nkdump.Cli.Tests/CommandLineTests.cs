namespace Nkdump.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public void HelpListsEveryVerbOfTheTableWithOneLine()
    {
        var (code, output, _) = CliRunner.Run("--help");
        Assert.Equal(ExitCodes.Success, code);
        foreach (var command in CommandTable.All)
        {
            var line = Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith(command.Name + " ", StringComparison.Ordinal));
            Assert.Contains(command.Summary, line);
        }

        Assert.Contains("0 success, 1 failure, 2 usage error", output);
    }

    [Fact]
    public void VersionPrintsTheAssemblyVersion()
    {
        var (code, output, _) = CliRunner.Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^nkdump \d+\.\d+\.\d+\n$", output);
    }

    [Fact]
    public void NoArgumentsIsAUsageError()
    {
        var (code, _, error) = CliRunner.Run();
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Usage: nkdump COMMAND", error);
    }

    [Theory]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    public void UnknownVerbOrOptionIsAUsageErrorOnStderr(string arg, string message)
    {
        var (code, output, error) = CliRunner.Run(arg);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains(message, error);
    }

    [Fact]
    public void EveryVerbHasHelpWithItsUsage()
    {
        foreach (var command in CommandTable.All)
        {
            var (code, output, _) = CliRunner.Run(command.Name, "--help");
            Assert.Equal(ExitCodes.Success, code);
            Assert.StartsWith($"Usage: nkdump {command.Name}", output);
        }
    }

    [Fact]
    public void UnknownOptionOfAVerbIsAUsageErrorNamingIt()
    {
        foreach (var command in CommandTable.All)
        {
            var (code, _, error) = CliRunner.Run(command.Name, "--no-such-option-xyz");
            Assert.True(code == ExitCodes.Usage, $"{command.Name}: exit {code}, stderr {error}");
            Assert.Contains("--no-such-option-xyz", error);
        }
    }

    [Fact]
    public void VerbNamesAreUnique()
    {
        var names = CommandTable.All.Select(c => c.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
