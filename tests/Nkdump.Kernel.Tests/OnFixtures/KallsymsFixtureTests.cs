using Nkdump.Kernel.Symbols;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

public class KallsymsFixtureTests
{
    /// <summary>Every symbol kallsyms has in the dump is in the kernel package's System.map at the same address once relocated by KERNELOFFSET.</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void KallsymsAgreeWithSystemMap(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var kallsyms = f.Kernel.Symbols;
        Assert.True(kallsyms is not null, f.Kernel.SymbolsProblem);
        var map = SystemMapReader.Read(Fixtures.SystemMap(fixture), f.Kernel.Layout.KernelOffset);

        var expected = map.Symbols.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Select(s => s.Address).ToHashSet());
        var mismatches = kallsyms.Symbols
            .Where(s => !expected.TryGetValue(s.Name, out var addresses) || !addresses.Contains(s.Address))
            .Select(s => $"{s.Name} {s.Address:x}")
            .ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {kallsyms.Symbols.Count} differ, e.g. {string.Join(", ", mismatches.Take(5))}");

        // And kallsyms covers System.map: every text symbol in the map is in kallsyms.
        var names = kallsyms.Symbols.Select(s => s.Name).ToHashSet();
        var missingText = map.Symbols.Where(s => s.Type is 't' or 'T' && !names.Contains(s.Name)).Select(s => s.Name).ToList();
        Assert.True(missingText.Count == 0, $"{missingText.Count} text symbols missing, e.g. {string.Join(", ", missingText.Take(5))}");
        Assert.InRange(kallsyms.Symbols.Count, 50_000, 1_000_000);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void NameAndAddressLookupsRoundTrip(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var symbols = f.Kernel.Symbols!;
        Assert.True(symbols.TryGetAddress("__crash_kexec", out var address));
        Assert.Equal("__crash_kexec+0x10", f.Kernel.Symbolize(address + 0x10));
        Assert.True(symbols.TryGetAddress("_stext", out var stext));
        Assert.Equal(f.Kernel.VmcoreInfo.Symbol("_stext"), stext);
    }
}

public class KallsymsSearchFixtureTests
{
    /// <summary>
    /// A kernel before 6.0 does not name its kallsyms tables in VMCOREINFO. Removing those lines from
    /// the fixtures' VMCOREINFO, the search must find the same tables: 6.1 keeps the offsets before
    /// kallsyms_num_syms, 6.12 after kallsyms_token_index, so both layouts are exercised.
    /// </summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void SearchFindsTheSameSymbolsAsVmcoreInfo(string fixture)
    {
        using var dump = Nkdump.Formats.DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var full = dump.VmcoreInfo!;
        var stripped = Nkdump.Formats.VmcoreInfo.Parse(System.Text.Encoding.ASCII.GetBytes(
            string.Join('\n', full.Text.Split('\n').Where(l => !l.StartsWith("SYMBOL(kallsyms_", StringComparison.Ordinal)))));
        Assert.False(KallsymsReader.IsAvailable(stripped));

        var expected = KernelContext.Open(dump.Memory, full).Symbols!;
        var searched = KernelContext.Open(dump.Memory, stripped);
        Assert.True(searched.Symbols is not null, searched.SymbolsProblem);
        Assert.Contains("found by search", searched.Symbols.Source);
        Assert.Equal(expected.Symbols, searched.Symbols.Symbols);
    }
}
