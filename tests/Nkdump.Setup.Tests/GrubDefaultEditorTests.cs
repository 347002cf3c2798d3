using Nkdump.Setup.Boot;

namespace Nkdump.Setup.Tests;

public class GrubDefaultEditorTests
{
    private const string Value = "2G-64G:256M,64G-:512M";

    public static TheoryData<string, string, string> Layouts => new()
    {
        {
            "debian",
            "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
            "GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"crashkernel=2G-64G:256M,64G-:512M\"\n"
        },
        {
            "fedora with an old crashkernel",
            "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root crashkernel=auto rhgb quiet\"\nGRUB_DISABLE_RECOVERY=\"true\"\nGRUB_ENABLE_BLSCFG=true\n",
            "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"resume=/dev/mapper/fedora-swap rd.lvm.lv=fedora/root crashkernel=2G-64G:256M,64G-:512M rhgb quiet\"\nGRUB_DISABLE_RECOVERY=\"true\"\nGRUB_ENABLE_BLSCFG=true\n"
        },
        {
            "ubuntu with crashkernel in the default line",
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash crashkernel=512M-:192M\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n",
            "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0 crashkernel=2G-64G:256M,64G-:512M\"\n"
        },
        {
            "single quotes and two crashkernels",
            "GRUB_CMDLINE_LINUX='crashkernel=128M ro crashkernel=256M,high'\n",
            "GRUB_CMDLINE_LINUX='crashkernel=2G-64G:256M,64G-:512M ro'\n"
        },
        {
            "unquoted",
            "GRUB_CMDLINE_LINUX=ro\n",
            "GRUB_CMDLINE_LINUX=\"ro crashkernel=2G-64G:256M,64G-:512M\"\n"
        },
        {
            "no GRUB_CMDLINE_LINUX at all, no final newline",
            "GRUB_TIMEOUT=1",
            "GRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX=\"crashkernel=2G-64G:256M,64G-:512M\"\n"
        },
        {
            "assigned twice: the last one counts",
            "GRUB_CMDLINE_LINUX=\"a\"\n# later override\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX b\"\n",
            "GRUB_CMDLINE_LINUX=\"a\"\n# later override\nGRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX b crashkernel=2G-64G:256M,64G-:512M\"\n"
        },
        {
            "commented-out lines are left alone",
            "#GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\nGRUB_CMDLINE_LINUX=\"quiet\"  # trailing comment\n",
            "#GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\nGRUB_CMDLINE_LINUX=\"quiet crashkernel=2G-64G:256M,64G-:512M\"  # trailing comment\n"
        },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EditsCommonLayoutsAndASecondRunChangesNothing(string layout, string before, string after)
    {
        var once = GrubDefaultEditor.SetCrashkernel(before, Value);
        Assert.True(after == once, $"{layout}:\n{once}");
        Assert.Same(once, GrubDefaultEditor.SetCrashkernel(once, Value));
        Assert.Equal(Value, GrubDefaultEditor.CurrentCrashkernel(once));
    }

    [Fact]
    public void AlreadyCorrectFileIsReturnedUnchangedEvenWithOddSpacing()
    {
        const string Text = "GRUB_CMDLINE_LINUX=\"ro   quiet crashkernel=256M\"\n";
        Assert.Same(Text, GrubDefaultEditor.SetCrashkernel(Text, "256M"));
    }

    [Fact]
    public void CurrentCrashkernelPrefersTheDefaultLineWhichTheKernelSeesLast()
    {
        Assert.Equal("512M", GrubDefaultEditor.CurrentCrashkernel("GRUB_CMDLINE_LINUX=\"crashkernel=256M\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=512M\"\n"));
        Assert.Null(GrubDefaultEditor.CurrentCrashkernel("GRUB_CMDLINE_LINUX=\"quiet\"\n"));
    }
}
