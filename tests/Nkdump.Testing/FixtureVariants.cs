using Xunit;

namespace Nkdump.Testing;

/// <summary>
/// Every form of each fixture's crash that a reader must treat alike: the ELF vmcore, the
/// kdump-compressed files the fixture folder holds, and a flattened (-F) one makedumpfile derives.
/// </summary>
internal static class FixtureVariants
{
    public const string Elf = "vmcore.elf";

    public const string Flattened = "flat-zlib-d31";

    /// <summary>For xunit [MemberData]: one row per fixture and variant.</summary>
    public static TheoryData<string, string> All
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var fixture in Fixtures.Names)
            {
                data.Add(fixture, Elf);
                foreach (var file in Fixtures.KdumpFiles(fixture))
                {
                    data.Add(fixture, Path.GetFileName(file));
                }

                data.Add(fixture, Flattened);
            }

            return data;
        }
    }

    /// <summary>The file of a variant, made (and cached) first when it is derived.</summary>
    public static string FileOf(string fixture, string variant) => variant switch
    {
        Elf => Fixtures.ElfVmcore(fixture),
        Flattened => DerivedDumps.Makedumpfile(fixture, Flattened, ["-F", "-c", "-d", "31"], toStdout: true),
        _ => Path.Combine(Fixtures.Dir(fixture), variant),
    };
}
