using Nkdump.Kernel.Crash;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>The taint letters come from the crashed kernel's own taint_flags[] table.</summary>
public class TaintTableTests
{
    [Theory]
    [InlineData("debian-6.1.0-56-amd64", null)]
    [InlineData("debian-6.12.117-amd64", "OOT_MODULE")] // struct taint_flag.desc since 6.12: the TAINT_ name
    public void TheDumpsTaintFlagsTableGivesTheLetters(string fixture, string? outOfTreeName)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var table = session.TaintFlags;
        Assert.Null(session.TaintFlagsProblem);
        Assert.Equal("taint_flags in the dump", table.Source);

        // TAINT_FLAGS_COUNT is 19 on both (include/linux/panic.h): P F S R M B U D A W C I O E L K X T N.
        Assert.Equal("PFSRMBUDAWCIOELKXTN", string.Concat(table.Flags.Select(f => f.Letter)));
        Assert.Equal('G', table.Flags[0].ClearLetter);
        Assert.True(table.Flags[12].ShownForModules); // O shows as "nkcrash(O…)"
        Assert.Equal(outOfTreeName, table.Flags[12].Name);
        Assert.Equal(TaintFlags.Builtin.Flags.Take(19).Select(f => f.Letter), table.Flags.Select(f => f.Letter));
        Assert.Equal(
            outOfTreeName is null ? "O: externally-built (out-of-tree) module was loaded" : "O: externally-built (out-of-tree) module was loaded (OOT_MODULE)",
            table.Meanings(1 << 12).Single());
    }
}
