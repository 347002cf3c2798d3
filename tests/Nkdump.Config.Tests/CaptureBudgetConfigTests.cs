using Nkdump.Config.Collect;

namespace Nkdump.Config.Tests;

/// <summary>kdump.conf's capture budget (dump_size_limit, dump_time_limit) and collect's --size-limit and --time-limit.</summary>
public sealed class CaptureBudgetConfigTests
{
    [Fact]
    public void The_directives_become_the_collectors_options()
    {
        var config = KdumpConfigParser.Parse("path /var/crash\ndump_size_limit 2G\ndump_time_limit 300\n", "k.conf");
        var options = config.CoreCollector.Options!;
        Assert.Equal(2UL << 30, options.SizeLimitBytes);
        Assert.Equal(300, options.TimeLimitSeconds);
        Assert.True(options.ImportantFirst);
        Assert.Equal(31, options.DumpLevel);
        Assert.Contains("--size-limit 2147483648 --time-limit 300", config.CoreCollector.ToString());
        Assert.Equal(2, config.Lines["dump_size_limit"]);
    }

    [Fact]
    public void An_explicit_collector_and_a_filter_keep_their_level_with_the_budget()
    {
        var config = KdumpConfigParser.Parse("core_collector makedumpfile -z --message-level 7\nfilter 1\ndump_size_limit 512M\n", "k.conf");
        var options = config.CoreCollector.Options!;
        Assert.Equal(1, options.DumpLevel);
        Assert.Equal(512UL << 20, options.SizeLimitBytes);
        Assert.Null(options.TimeLimitSeconds);
    }

    [Fact]
    public void Without_a_budget_the_collector_is_unchanged()
    {
        var config = KdumpConfigParser.Parse("path /var/crash\n", "k.conf");
        Assert.False(config.CoreCollector.Options!.HasBudget);
        Assert.False(config.CoreCollector.Options!.ImportantFirst);
        Assert.Equal("makedumpfile -l --message-level 7 -d 31", config.CoreCollector.ToString());
    }

    [Theory]
    [InlineData("dump_size_limit lots", "dump_size_limit", "is not a size")]
    [InlineData("dump_size_limit 100K", "dump_size_limit", "below 1M")]
    [InlineData("dump_time_limit 0", "dump_time_limit", "seconds")]
    [InlineData("dump_time_limit 5m", "dump_time_limit", "seconds")]
    public void Bad_values_name_the_line(string line, string directive, string message)
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse($"path /var/crash\n{line}\n", "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Equal(directive, e.Directive);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("core_collector cp --sparse=always", "not 'cp'")]
    [InlineData("core_collector makedumpfile -E -d 31", "-E writes ELF")]
    public void A_budget_needs_a_kdump_compressed_makedumpfile_style_collector(string collector, string message)
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse($"{collector}\ndump_time_limit 60\n", "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Collect_parses_the_limits_and_refuses_them_with_elf_or_split()
    {
        var parsed = CollectArguments.Parse(["-l", "--size-limit=64M", "--time-limit", "90", "vmcore", "out"]);
        Assert.Equal(64UL << 20, parsed.SizeLimitBytes);
        Assert.Equal(90, parsed.TimeLimitSeconds);
        Assert.True(parsed.ImportantFirst);
        Assert.NotEqual(parsed, parsed with { SizeLimitBytes = 1 << 20 });
        Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-E", "--size-limit", "64M", "vmcore", "out"]));
        Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-l", "--split", "--time-limit", "9", "vmcore", "a", "b"]));
        Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-l", "--size-limit", "0", "vmcore", "out"]));
        Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-l", "--time-limit", "-1", "vmcore", "out"]));
    }

    [Fact]
    public void The_capture_writes_important_pages_first_even_without_a_budget()
    {
        var options = CollectArguments.ParseOptions(["-l", "-d", "1"]);
        Assert.False(options.ImportantFirst);
        Assert.True(options.ForCapture("/proc/vmcore", "/var/crash/x/vmcore-incomplete").ImportantFirst);
        Assert.True(options.ForCapture("/proc/vmcore", null).ImportantFirst);
    }
}
