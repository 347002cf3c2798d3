namespace Nkdump.Config.Tests;

/// <summary>nkdump's keep_dumps, keep_free_space and report_hook: read, shown by `config show`, refused when malformed.</summary>
public class RetentionDirectiveTests
{
    [Fact]
    public void TheyAreReadAndShown()
    {
        var config = KdumpConfigParser.Parse("keep_dumps 3\nkeep_free_space 2G\nreport_hook /usr/local/sbin/crash-mail\n");

        Assert.Equal(3, config.KeepDumps);
        Assert.Equal(2UL << 30, config.KeepFreeSpace);
        Assert.Equal("/usr/local/sbin/crash-mail", config.ReportHook);
        Assert.Contains("keep_dumps 3", config.EffectiveLines());
        Assert.Contains("keep_free_space 2G", config.EffectiveLines());
        Assert.Contains("report_hook /usr/local/sbin/crash-mail", config.EffectiveLines());
    }

    [Fact]
    public void WithoutThemNothingIsRemovedOrRun()
    {
        var config = KdumpConfigParser.Parse("");
        Assert.Null(config.KeepDumps);
        Assert.Null(config.KeepFreeSpace);
        Assert.Null(config.ReportHook);
        Assert.DoesNotContain(config.EffectiveLines(), l => l.StartsWith("keep_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("keep_dumps 0", "keep_dumps", "1 or more")]
    [InlineData("keep_dumps -1", "keep_dumps", "1 or more")]
    [InlineData("keep_dumps many", "keep_dumps", "1 or more")]
    [InlineData("keep_free_space lots", "keep_free_space", "not a size")]
    [InlineData("keep_free_space 2Q", "keep_free_space", "not a size")]
    [InlineData("report_hook mail.sh", "report_hook", "absolute path")]
    public void MalformedValuesNameTheirLine(string line, string directive, string message)
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse($"path /var/crash\n{line}\n", "/etc/kdump.conf"));
        Assert.Contains("/etc/kdump.conf:2", e.Message, StringComparison.Ordinal);
        Assert.Contains(directive, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
