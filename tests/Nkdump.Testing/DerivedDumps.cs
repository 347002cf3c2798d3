namespace Nkdump.Testing;

/// <summary>
/// Dumps made from a fixture's vmcore.elf by Debian's makedumpfile, once, into the test cache
/// (fixtures/README.md: "generate other variants in tests from vmcore.elf with the real tools").
/// </summary>
internal static class DerivedDumps
{
    /// <summary>
    /// The output of <c>makedumpfile ARGS vmcore.elf OUT</c> (or <c>... vmcore.elf &gt; OUT</c> with
    /// <paramref name="toStdout"/>, for -F), cached under <paramref name="variant"/>.
    /// </summary>
    public static string Makedumpfile(string fixture, string variant, string[] args, bool toStdout = false)
    {
        var target = Path.Combine(RepoPaths.Cache, $"{fixture}.{variant}");
        if (File.Exists(target))
        {
            return target;
        }

        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var elf = Fixtures.ElfVmcore(fixture);
        var quoted = string.Join(' ', args.Select(Quote));
        var command = toStdout
            ? $"makedumpfile {quoted} {Quote(elf)} > {Quote(temporary)}"
            : $"makedumpfile {quoted} {Quote(elf)} {Quote(temporary)}";
        var result = ExternalTool.Run("sh", ["-c", command]);
        if (result.ExitCode != 0 || !File.Exists(temporary))
        {
            File.Delete(temporary);
            throw new InvalidOperationException($"makedumpfile failed for {fixture} {variant}: {result}");
        }

        File.Move(temporary, target, overwrite: true);
        return target;
    }

    /// <summary>
    /// A makedumpfile --split set of <paramref name="parts"/> files, cached under <paramref name="variant"/>.
    /// </summary>
    public static IReadOnlyList<string> MakedumpfileSplit(string fixture, string variant, string[] args, int parts)
    {
        var targets = Enumerable.Range(1, parts).Select(i => Path.Combine(RepoPaths.Cache, $"{fixture}.{variant}.{i}")).ToArray();
        if (targets.All(File.Exists))
        {
            return targets;
        }

        var directory = Path.Combine(RepoPaths.Cache, $"split-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var temporaries = Enumerable.Range(1, parts).Select(i => Path.Combine(directory, $"part{i}")).ToArray();
            var result = ExternalTool.Run("makedumpfile", [.. args, "--split", Fixtures.ElfVmcore(fixture), .. temporaries]);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"makedumpfile --split failed for {fixture}: {result}");
            }

            for (var i = 0; i < parts; i++)
            {
                File.Move(temporaries[i], targets[i], overwrite: true);
            }

            return targets;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
