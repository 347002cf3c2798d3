using Xunit;

namespace Nkdump.Testing;

/// <summary>
/// The real crash dumps in ../shared/fixtures (see its README). They are read in place; the
/// zstd-compressed ELF vmcores are unpacked once into the test cache.
/// </summary>
internal static class Fixtures
{
    /// <summary>Every fixture folder name, e.g. "debian-6.1.0-56-amd64".</summary>
    public static IReadOnlyList<string> Names =>
        Directory.Exists(RepoPaths.Fixtures)
            ? Directory.GetDirectories(RepoPaths.Fixtures).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : throw new InvalidOperationException($"fixtures not found at {RepoPaths.Fixtures}");

    /// <summary>For xunit [MemberData]: one row per fixture.</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in Names)
            {
                data.Add(name);
            }

            return data;
        }
    }

    public static string Dir(string name) => Path.Combine(RepoPaths.Fixtures, name);

    public static string Expected(string name, string file) => Path.Combine(Dir(name), "expected", file);

    /// <summary>The kdump-compressed files a fixture has (vmcore.kdump-*).</summary>
    public static IReadOnlyList<string> KdumpFiles(string name) =>
        Directory.GetFiles(Dir(name), "vmcore.kdump-*").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The fixture's System.map.</summary>
    public static string SystemMap(string name) => Directory.GetFiles(Dir(name), "System.map-*").Single();

    /// <summary>The raw /proc/vmcore (ELF), unpacked from vmcore.elf.zst on first use.</summary>
    public static string ElfVmcore(string name)
    {
        var target = Path.Combine(RepoPaths.Cache, name + ".vmcore.elf");
        if (File.Exists(target))
        {
            return target;
        }

        // Several test processes may ask at once: unpack to a private name, then rename atomically.
        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var result = ExternalTool.Run("zstd", ["-q", "-d", "--long=30", "-f", Path.Combine(Dir(name), "vmcore.elf.zst"), "-o", temporary]);
        if (result.ExitCode != 0)
        {
            File.Delete(temporary);
            throw new InvalidOperationException($"cannot unpack the {name} fixture: {result}");
        }

        File.Move(temporary, target, overwrite: true);
        return target;
    }
}
