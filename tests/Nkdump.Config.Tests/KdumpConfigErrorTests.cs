namespace Nkdump.Config.Tests;

/// <summary>Each malformed line gives its own line number and directive.</summary>
public class KdumpConfigErrorTests
{
    public static TheoryData<string, string, string> MalformedLines => new()
    {
        { "frobnicate yes", "frobnicate", "unknown directive" },
        { "path", "path", "needs a value" },
        { "path /a /b", "path", "one directory" },
        { "nfs server-without-export", "nfs", "server:/export" },
        { "ssh host-without-user", "ssh", "user@host" },
        { "ssh user@", "ssh", "user@host" },
        { "ext4 sda1", "ext4", "device path" },
        { "xfs UUID=", "xfs", "device path" },
        { "raw LABEL=", "raw", "device path" },
        { "ntfs /dev/sda1", "ntfs", "unknown directive" },
        { "failure_action explode", "failure_action", "reboot, halt, poweroff, shell, dump_to_rootfs" },
        { "default explode", "default", "reboot, halt" },
        { "final_action shell", "final_action", "reboot, halt, poweroff" },
        { "force_rebuild yes", "force_rebuild", "0 or 1" },
        { "force_no_rebuild 2", "force_no_rebuild", "0 or 1" },
        { "auto_reset_crashkernel 1", "auto_reset_crashkernel", "'yes' or 'no'" },
        { "kdump_pre scripts/pre.sh", "kdump_pre", "absolute path" },
        { "kdump_post post.sh", "kdump_post", "absolute path" },
        { "sshkey id_rsa", "sshkey", "absolute path" },
        { "extra_bins lftp", "extra_bins", "absolute path" },
        { "extra_modules /lib/modules/x/gfs2.ko", "extra_modules", "module name" },
        { "filter 32", "filter", "out of range" },
        { "dracut_args --compress=rar", "dracut_args", "compressor 'rar' is not one nkdump knows (gzip, zstd, xz" },
        { "dracut_args --compress", "dracut_args", "needs a compressor" },
        { "dracut_args --xz --compress=gzip", "dracut_args", "two compressions: xz and gzip" },
        { "dracut_args --omit \"a b", "dracut_args", "quote is not closed" },
        { "filter zero,pagecache", "filter", "unknown page class 'pagecache'" },
        { "filter zero,,free", "filter", "empty name" },
        { "core_collector makedumpfile -l -d 99", "core_collector", "dump level" },
        { "core_collector makedumpfile -l -d x", "core_collector", "dump level" },
        { "core_collector makedumpfile -l -X -d 31", "core_collector", "'-X' is not supported" },
        { "core_collector makedumpfile --split -l -d 31", "core_collector", "--split does not collect a dump" },
        { "core_collector makedumpfile -l -d 31 /proc/vmcore", "core_collector", "give options only" },
        { "core_collector nkdump collect -E -c -d 31", "core_collector", "-E writes an ELF dump" },
        { "net user@host", "net", "deprecated" },
        { "options e1000 debug=1", "options", "deprecated" },
        { "link_delay 10", "link_delay", "deprecated" },
        { "disk_timeout 10", "disk_timeout", "deprecated" },
        { "debug_mem_level 1", "debug_mem_level", "deprecated" },
        { "blacklist e1000", "blacklist", "deprecated" },
        { "path ../../../etc", "path", "'..' would leave the dump target" },
        { "path /var/crash/../../../etc", "path", "'..' would leave the dump target" },
        { "path /var/../crash", "path", "'..'" },
        { "path var/..", "path", "'..'" },
    };

    [Theory]
    [MemberData(nameof(MalformedLines))]
    public void MalformedLineGivesItsLineNumber(string line, string directive, string message)
    {
        // Good lines and comments around the bad one, so the number is really counted.
        var text = $"# kdump.conf\n\nkdump_commandline_append loglevel=7\n{line}\nkdump_commandline_remove quiet\n";
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse(text, "/etc/kdump.conf"));
        Assert.Equal(4, e.Line);
        Assert.Equal(directive, e.Directive);
        Assert.Equal("/etc/kdump.conf", e.File);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"/etc/kdump.conf:4: '{directive}': ", e.Message);
    }

    [Fact]
    public void TwoDumpTargetsIsAnErrorNamingBoth()
    {
        var e = Assert.Throws<ConfigException>(() =>
            KdumpConfigParser.Parse("ext4 /dev/sda1\npath /var/crash\nnfs server:/export\n", "k.conf"));
        Assert.Equal(3, e.Line);
        Assert.Equal("nfs", e.Directive);
        Assert.Contains("more than one dump target", e.Message);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void DuplicateDirectiveNamesTheFirstLine()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("path /a\n#x\npath /b\n", "k.conf"));
        Assert.Equal(3, e.Line);
        Assert.Contains("first at line 1", e.Message);
    }

    [Fact]
    public void DefaultAndFailureActionTogetherAreADuplicate()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("failure_action reboot\ndefault halt\n", "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Equal("default", e.Directive);
    }

    [Fact]
    public void ForceRebuildAndForceNoRebuildTogetherAreRefused()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("force_no_rebuild 1\nforce_rebuild 1\n", "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Equal("force_rebuild", e.Directive);
        var f = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("force_rebuild 1\nforce_no_rebuild 1\n", "k.conf"));
        Assert.Equal(2, f.Line);
        Assert.Contains("line 1", f.Message);
    }

    [Theory]
    [InlineData("ssh user@host\ncore_collector makedumpfile -l -d 31\n")]
    [InlineData("raw /dev/sdb1\ncore_collector makedumpfile -c -d 31\n")]
    public void StreamTargetsNeedTheFlattenedFormat(string text)
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse(text, "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Contains("-F", e.Message);
    }

    [Fact]
    public void FilterWithANonMakedumpfileCollectorIsAnError()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("filter 31\ncore_collector cp --sparse=always\n", "k.conf"));
        Assert.Equal(2, e.Line);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void WindowsLineEndingsAreAccepted()
    {
        var config = KdumpConfigParser.Parse("path /var/crash\r\nfinal_action halt\r\n", "k.conf");
        Assert.Equal(FinalAction.Halt, config.FinalAction);
    }
}
