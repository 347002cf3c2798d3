namespace Nkdump.Cli.Tests;

public class OptionParserTests
{
    private static OptionParser Parser() => new OptionParser().Flag("--json", "-q").Value("--format").Repeatable("-c");

    [Fact]
    public void ParsesFlagsValuesAndPositionals()
    {
        var parsed = Parser().Parse(["in", "--json", "--format=flat", "-c", "bt", "-c", "ps", "out"]);
        Assert.True(parsed.Has("--json"));
        Assert.False(parsed.Has("-q"));
        Assert.Equal("flat", parsed.Get("--format"));
        Assert.Equal(["bt", "ps"], parsed.GetAll("-c"));
        Assert.Equal(["in", "out"], parsed.Positionals);
    }

    [Fact]
    public void SingleValuedOptionGivenTwiceIsAnError()
    {
        var e = Assert.Throws<UsageException>(() => Parser().Parse(["--format", "a", "--format", "b"]));
        Assert.Contains("--format", e.Message);
    }

    [Fact]
    public void DashAloneAndAfterDoubleDashArePositional()
    {
        var parsed = Parser().Parse(["-", "--", "--json"]);
        Assert.Equal(["-", "--json"], parsed.Positionals);
        Assert.False(parsed.Has("--json"));
    }

    [Theory]
    [InlineData("--format")]
    [InlineData("--bogus")]
    [InlineData("--json=yes")]
    public void MalformedOptionsAreUsageErrors(string arg)
    {
        Assert.Throws<UsageException>(() => Parser().Parse([arg]));
    }
}
