using System.Globalization;
using Nkdump.Formats;
using Xunit;

namespace Nkdump.Testing;

/// <summary>
/// drgn (Debian's python3-drgn, in /usr/bin/python3) as an oracle: it opens a dump and reads the
/// kernel's init_uts_ns through its own reader, which the fixture's expected/uts.txt must match.
/// </summary>
internal static class DrgnOracle
{
    private const string Script = """
        import sys, drgn
        p = drgn.Program()
        p.set_core_dump(sys.argv[1])
        b = p.read(int(sys.argv[2], 16), 6 * 65)
        for i in range(5):
            print(b[i * 65:(i + 1) * 65].split(b"\0")[0].decode())
        """;

    /// <summary>
    /// Asserts that drgn, reading <paramref name="path"/>, finds the five utsname strings of
    /// <paramref name="fixture"/> at init_uts_ns, whose address comes from the VMCOREINFO of
    /// <paramref name="addressFrom"/> (default: the dump itself).
    /// </summary>
    public static void AssertReadsUtsname(string path, string fixture, string? addressFrom = null)
    {
        ulong address;
        using (var dump = DumpOpener.Open(addressFrom ?? path))
        {
            address = dump.VmcoreInfo!.Symbol("init_uts_ns")!.Value + (ulong)(dump.VmcoreInfo.Offset("uts_namespace.name") ?? 0);
        }

        var result = ExternalTool.Run("/usr/bin/python3", ["-c", Script, path, address.ToString("x", CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(expected, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
