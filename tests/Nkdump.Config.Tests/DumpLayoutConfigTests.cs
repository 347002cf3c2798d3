namespace Nkdump.Config.Tests;

public class DumpLayoutConfigTests
{
    [Theory]
    [InlineData("", DumpLayout.RedHat)]
    [InlineData("dump_layout redhat\n", DumpLayout.RedHat)]
    [InlineData("dump_layout debian\n", DumpLayout.Debian)]
    public void DumpLayoutDefaultsToKdumpUtilsNames(string line, DumpLayout expected) =>
        Assert.Equal(expected, KdumpConfigParser.Parse("path /var/crash\n" + line).DumpLayout);

    [Fact]
    public void AnUnknownLayoutNamesTheLine()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("path /var/crash\ndump_layout suse\n", "/etc/kdump.conf"));
        Assert.Contains("/etc/kdump.conf:2: 'dump_layout'", e.Message);
        Assert.Contains("'suse' is not 'debian' or 'redhat'", e.Message);
    }
}
