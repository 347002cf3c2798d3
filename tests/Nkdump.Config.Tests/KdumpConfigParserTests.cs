using Nkdump.Formats.Limits;

namespace Nkdump.Config.Tests;

public class KdumpConfigParserTests
{
    [Fact]
    public void StockFileParsesToKdumpUtilsDefaults()
    {
        var config = KdumpConfigParser.Parse(SampleFiles.Read("stock-kdump.conf"), "stock-kdump.conf");
        Assert.Equal(DumpTargetKind.RootFileSystem, config.Target.Kind);
        Assert.Equal("/var/crash", config.Path);
        Assert.Equal("makedumpfile -l --message-level 7 -d 31", config.CoreCollector.ToString());
        Assert.Equal(31, config.EffectiveDumpLevel);
        Assert.Equal(FailureAction.Reboot, config.FailureAction);
        Assert.Equal(FinalAction.Reboot, config.FinalAction);
        Assert.True(config.AutoResetCrashkernel);
        Assert.False(config.NeedsShell);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void EmptyFileGivesTheDefaults()
    {
        var config = KdumpConfigParser.Parse("", "/etc/kdump.conf");
        Assert.Equal("/var/crash", config.Path);
        Assert.False(config.CoreCollectorExplicit);
        Assert.Equal("makedumpfile -l --message-level 7 -d 31", config.CoreCollector.ToString());
        Assert.Equal(KdumpConfig.DefaultSshKey, config.SshKey);
    }

    public static TheoryData<string, DumpTargetKind, string, string> RealConfigurations => new()
    {
        // A local XFS partition by UUID with a dump to a subdirectory, as RHEL guides show.
        { "xfs UUID=0b5d0a1c-0cc8-4a43-a3ed-1d4a2c6c8f70\npath /crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n", DumpTargetKind.FileSystem, "makedumpfile -l --message-level 1 -d 31", "/crash" },
        { "ext4 LABEL=kdump\npath /var/crash\n", DumpTargetKind.FileSystem, "makedumpfile -l --message-level 7 -d 31", "/var/crash" },
        { "ext4 /dev/mapper/vg-kdump\n", DumpTargetKind.FileSystem, "makedumpfile -l --message-level 7 -d 31", "/var/crash" },
        { "nfs nfs.example.com:/export/crash\npath /var/crash\ncore_collector makedumpfile -c -d 31\nfailure_action reboot\n", DumpTargetKind.Nfs, "makedumpfile -c -d 31", "/var/crash" },
        { "nfs [2001:db8::1:2:3:4]:/export/tmp\n", DumpTargetKind.Nfs, "makedumpfile -l --message-level 7 -d 31", "/var/crash" },
        { "ssh kdump@backup.example.com\nsshkey /root/.ssh/kdump_id_rsa\npath /var/crash\ncore_collector makedumpfile -F -l --message-level 7 -d 31\n", DumpTargetKind.Ssh, "makedumpfile -F -l --message-level 7 -d 31", "/var/crash" },
        { "ssh kdump@backup.example.com\n", DumpTargetKind.Ssh, "makedumpfile -F -l --message-level 7 -d 31", "/var/crash" },
        { "raw /dev/sdb1\n", DumpTargetKind.Raw, "makedumpfile -F -l --message-level 7 -d 31", "/var/crash" },
        { "raw /dev/sdb1\ncore_collector makedumpfile -F -c -d 17\n", DumpTargetKind.Raw, "makedumpfile -F -c -d 17", "/var/crash" },
        { "virtiofs myfs\n", DumpTargetKind.FileSystem, "makedumpfile -l --message-level 7 -d 31", "/var/crash" },
        { "path /var/crash\ncore_collector cp --sparse=always\n", DumpTargetKind.RootFileSystem, "cp --sparse=always", "/var/crash" },
        { "core_collector \"makedumpfile -l --message-level 7 -d 31\"   # quoted, with a comment\n", DumpTargetKind.RootFileSystem, "makedumpfile -l --message-level 7 -d 31", "/var/crash" },
        { "   path   /srv/dumps   \n\n\t# indented comment\ncore_collector makedumpfile -l -d31\n", DumpTargetKind.RootFileSystem, "makedumpfile -l -d31", "/srv/dumps" },
    };

    [Theory]
    [MemberData(nameof(RealConfigurations))]
    public void RealConfigurationsParse(string text, DumpTargetKind kind, string collector, string path)
    {
        var config = KdumpConfigParser.Parse(text, "kdump.conf");
        Assert.Equal(kind, config.Target.Kind);
        Assert.Equal(collector, config.CoreCollector.ToString());
        Assert.Equal(path, config.Path);
    }

    [Fact]
    public void EverySupportedDirectiveIsRead()
    {
        const string Text = """
            ext4 UUID=03138356-5e61-4ab3-b58e-27507ac41937
            path /crash
            core_collector makedumpfile -l --message-level 7 -d 17
            failure_action shell
            final_action poweroff
            kdump_pre /var/crash/scripts/pre.sh
            kdump_post /var/crash/scripts/post.sh
            kdump_emergency /usr/local/bin/emergency
            extra_bins /usr/bin/lftp /usr/bin/curl
            extra_modules gfs2 dm_crypt
            force_rebuild 1
            force_no_rebuild 0
            auto_reset_crashkernel no
            kdump_commandline_remove quiet rhgb
            kdump_commandline_append nr_cpus=2 loglevel=7
            """;
        var config = KdumpConfigParser.Parse(Text, "k.conf");
        Assert.Equal("ext4", config.Target.FileSystemType);
        Assert.Equal("UUID=03138356-5e61-4ab3-b58e-27507ac41937", config.Target.Value);
        Assert.Equal(1, config.Target.Line);
        Assert.Equal(17, config.EffectiveDumpLevel);
        Assert.Equal(FailureAction.Shell, config.FailureAction);
        Assert.Equal(FinalAction.Poweroff, config.FinalAction);
        Assert.Equal("/var/crash/scripts/pre.sh", config.KdumpPre);
        Assert.Equal("/var/crash/scripts/post.sh", config.KdumpPost);
        Assert.Equal("/usr/local/bin/emergency", config.KdumpEmergency);
        Assert.Equal(["/usr/bin/lftp", "/usr/bin/curl"], config.ExtraBins);
        Assert.Equal(["gfs2", "dm_crypt"], config.ExtraModules);
        Assert.True(config.ForceRebuild);
        Assert.False(config.ForceNoRebuild);
        Assert.False(config.AutoResetCrashkernel);
        Assert.Equal(["quiet", "rhgb"], config.CommandLineRemove);
        Assert.Equal(["nr_cpus=2", "loglevel=7"], config.CommandLineAppend);
        Assert.True(config.NeedsShell);
    }

    [Fact]
    public void DeprecatedDefaultSetsFailureActionWithAWarning()
    {
        var config = KdumpConfigParser.Parse("path /var/crash\ndefault poweroff\n", "k.conf");
        Assert.Equal(FailureAction.Poweroff, config.FailureAction);
        var warning = Assert.Single(config.Warnings);
        Assert.Equal(2, warning.Line);
        Assert.Equal("default", warning.Directive);
        Assert.Contains("failure_action", warning.Message);
    }

    [Fact]
    public void UnsupportedDirectivesAreAcceptedWithAWarningNamingThem()
    {
        var config = KdumpConfigParser.Parse(
            "dracut_args --omit-drivers \"cfg80211 snd\"\nfence_kdump_args -p 7410\nfence_kdump_nodes node1 node2\npath /var/crash\n", "k.conf");
        Assert.Equal(["dracut_args", "fence_kdump_args", "fence_kdump_nodes"], config.Warnings.Select(w => w.Directive));
        Assert.Equal([1, 2, 3], config.Warnings.Select(w => w.Line));
        Assert.All(config.Warnings, w => Assert.Contains("not supported", w.ToString()));
        Assert.StartsWith("k.conf:1: 'dracut_args'", config.Warnings[0].ToString());
    }

    [Theory]
    [InlineData("--compress=zstd", InitramfsCompression.Zstd)]
    [InlineData("--compress xz", InitramfsCompression.Xz)]
    [InlineData("--compress=\"lz4\"", InitramfsCompression.Lz4)]
    [InlineData("--lzo", InitramfsCompression.Lzo)]
    [InlineData("--compress=/usr/bin/pigz", InitramfsCompression.Gzip)]
    [InlineData("--compress lzop", InitramfsCompression.Lzo)]
    [InlineData("--compress=pbzip2 --bzip2", InitramfsCompression.Bzip2)]
    [InlineData("--lzma", InitramfsCompression.Lzma)]
    public void DracutArgsCompressionChoosesTheInitramfsCompressionWithoutAWarning(string args, InitramfsCompression expected)
    {
        var config = KdumpConfigParser.Parse($"path /var/crash\ndracut_args {args}\n", "k.conf");
        Assert.Equal(expected, config.InitramfsCompression);
        Assert.Equal(2, config.InitramfsCompressionLine);
        Assert.Empty(config.Warnings);
        Assert.Contains($"dracut_args --compress={InitramfsCompressionNames.Of(expected)}", config.EffectiveLines());
    }

    [Fact]
    public void DracutArgsOtherOptionsBesideTheCompressionAreWarnedAboutByName()
    {
        var config = KdumpConfigParser.Parse("path /var/crash\ndracut_args --add-drivers \"e1000e igb\" --compress \"xz -9\" -H\n", "k.conf");
        Assert.Equal(InitramfsCompression.Xz, config.InitramfsCompression);
        var warning = Assert.Single(config.Warnings);
        Assert.Equal(2, warning.Line);
        Assert.Contains("--add-drivers e1000e igb -H", warning.Message);
        Assert.Contains("'xz -9'", warning.Message);
        Assert.Contains("only the compression", warning.Message);
        Assert.Null(KdumpConfigParser.Parse("path /var/crash\n").InitramfsCompression);
    }

    [Theory]
    [InlineData("31", 31)]
    [InlineData("0", 0)]
    [InlineData("zero,cache,cache_private,user,free", 31)]
    [InlineData("zero,free", 17)]
    [InlineData("cache", 2)]
    [InlineData("user", 8)]
    [InlineData(" zero , cache_private ", 5)]
    public void FilterSetsTheDefaultCollectorsLevel(string filter, int level)
    {
        var config = KdumpConfigParser.Parse($"filter {filter}\n", "k.conf");
        Assert.Equal(level, config.Filter);
        Assert.Equal(level, config.EffectiveDumpLevel);
        Assert.Equal($"makedumpfile -l --message-level 7 -d {level}", config.CoreCollector.ToString());
    }

    [Fact]
    public void FilterAgreeingWithCollectorIsFineAndAppendsWhenCollectorHasNoLevel()
    {
        Assert.Equal(17, KdumpConfigParser.Parse("filter zero,free\ncore_collector makedumpfile -l -d 17\n").EffectiveDumpLevel);
        var appended = KdumpConfigParser.Parse("core_collector makedumpfile -l\nfilter 1\n");
        Assert.Equal("makedumpfile -l -d 1", appended.CoreCollector.ToString());
    }

    [Fact]
    public void FilterContradictingTheCollectorNamesBothLines()
    {
        var e = Assert.Throws<ConfigException>(() =>
            KdumpConfigParser.Parse("path /var/crash\nfilter 1\n\ncore_collector makedumpfile -l --message-level 7 -d 31\n", "k.conf"));
        Assert.Equal(4, e.Line);
        Assert.Equal("core_collector", e.Directive);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("filter 1", e.Message);
        Assert.StartsWith("k.conf:4: 'core_collector':", e.Message);
    }

    [Fact]
    public void ShowLinesListEffectiveSettingsWithDefaults()
    {
        var lines = KdumpConfigParser.Parse("ssh a@b\n").EffectiveLines().ToList();
        Assert.Contains("ssh a@b", lines);
        Assert.Contains("path /var/crash", lines);
        Assert.Contains("sshkey /root/.ssh/kdump_id_rsa", lines);
        Assert.Contains("core_collector makedumpfile -F -l --message-level 7 -d 31", lines);
        Assert.Contains("failure_action reboot", lines);
        Assert.Contains("final_action reboot", lines);
        Assert.Contains("auto_reset_crashkernel yes", lines);
    }

    [Fact]
    public void ShowLinesNameTheDumpLayout()
    {
        Assert.Contains("dump_layout redhat", KdumpConfigParser.Parse("").EffectiveLines());
        Assert.Contains("dump_layout debian", KdumpConfigParser.Parse("dump_layout debian\n").EffectiveLines());
    }

    [Fact]
    public void UnreadableFileIsAConfigErrorNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"nkdump-missing-{Guid.NewGuid():N}.conf");
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Load(missing));
        Assert.Equal(missing, e.File);
        Assert.Contains("cannot read", e.Message);
    }
}

public class KdumpConfigLimitTests
{
    [Fact]
    public void HugeFileIsRefusedWithoutReadingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nkdump-huge-{Guid.NewGuid():N}.conf");
        try
        {
            using (var f = File.Create(path))
            {
                f.SetLength(InputLimits.KdumpConfig + 1);
            }

            var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Load(path));
            Assert.Contains("too large", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
