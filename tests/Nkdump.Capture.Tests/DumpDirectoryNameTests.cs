namespace Nkdump.Capture.Tests;

public class DumpDirectoryNameTests
{
    [Fact]
    public void NamesLikeKdumpUtils() =>
        Assert.Equal("10.0.2.15-2026-11-26-09:05:07", DumpDirectoryName.For("10.0.2.15", new DateTime(2026, 11, 26, 9, 5, 7)));

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void RejectsNamesThatAreNotAHost(string host) =>
        Assert.ThrowsAny<ArgumentException>(() => DumpDirectoryName.For(host, DateTime.Now));
}
