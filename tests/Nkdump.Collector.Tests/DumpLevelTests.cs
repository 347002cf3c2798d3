namespace Nkdump.Collector.Tests;

public class DumpLevelTests
{
    [Theory]
    [InlineData("0", DumpLevel.None)]
    [InlineData("1", DumpLevel.Zero)]
    [InlineData("31", DumpLevel.All)]
    [InlineData("17", DumpLevel.Zero | DumpLevel.Free)]
    public void ParsesMakedumpfileLevels(string text, DumpLevel expected)
    {
        Assert.True(DumpLevels.TryParse(text, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("32")]
    [InlineData("-1")]
    [InlineData("0x1f")]
    [InlineData("")]
    public void RejectsOutOfRange(string text) => Assert.False(DumpLevels.TryParse(text, out _));

    [Fact]
    public void DescribesInFilterNames()
    {
        Assert.Equal("zero,cache,cache_private,user,free", DumpLevels.Describe(DumpLevel.All));
        Assert.Equal("zero,free", DumpLevels.Describe((DumpLevel)17));
    }
}
