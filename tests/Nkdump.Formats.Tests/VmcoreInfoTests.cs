using System.Text;

namespace Nkdump.Formats.Tests;

public class VmcoreInfoTests
{
    private const string Sample =
        "OSRELEASE=6.1.0-56-amd64\nBUILD-ID=0123abcd\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffffa1e13480\n" +
        "SIZE(page)=64\nOFFSET(page.flags)=0\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nLENGTH(free_area)=11\n" +
        "KERNELOFFSET=1f000000\nCRASHTIME=1764151200\ngarbage line\nOSRELEASE=second-wins-not\n\0\0\0";

    [Fact]
    public void ParsesTypedEntries()
    {
        var info = VmcoreInfo.Parse(Encoding.ASCII.GetBytes(Sample));
        Assert.Equal("6.1.0-56-amd64", info.OsRelease);
        Assert.Equal("0123abcd", info.BuildId);
        Assert.Equal(4096, info.PageSize);
        Assert.Equal(0xffffffffa1e13480UL, info.Symbol("init_uts_ns"));
        Assert.Equal(64, info.Size("page"));
        Assert.Equal(0, info.Offset("page.flags"));
        Assert.Equal(-129, info.Number("PAGE_BUDDY_MAPCOUNT_VALUE"));
        Assert.Equal(11, info.Length("free_area"));
        Assert.Equal(0x1f000000UL, info.KernelOffset);
        Assert.Equal(1764151200, info.CrashTime);
        Assert.DoesNotContain('\0', info.Text);
    }

    [Fact]
    public void MissingAndMalformedValuesAreNull()
    {
        var info = VmcoreInfo.Parse(Encoding.ASCII.GetBytes("PAGESIZE=big\nSYMBOL(x)=zz\n"));
        Assert.Null(info.PageSize);
        Assert.Null(info.Symbol("x"));
        Assert.Null(info.Symbol("absent"));
        Assert.Null(info.KernelOffset);
    }
}
