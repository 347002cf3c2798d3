using Nkdump.Collector;
using Nkdump.Collector.Cli;
using Nkdump.Config;

namespace Nkdump.Capture;

/// <summary>
/// Runs kdump.conf's core_collector in process: makedumpfile's arguments go to nkdump's own collector.
/// As kdump-utils' kdump.sh does, -F is dropped for file targets and added for ssh and raw targets,
/// which receive a stream.
/// </summary>
public static class CoreCollectorRun
{
    /// <summary>Collects <paramref name="vmcore"/> into the file <paramref name="output"/>.</summary>
    public static CollectOutcome ToFile(CoreCollector collector, string vmcore, string output, TextWriter messages) =>
        new CollectRunner(Arguments(collector, flattened: false, [vmcore, output]), messages, () => throw new InvalidOperationException("no standard output for a file dump")).Run();

    /// <summary>Collects <paramref name="vmcore"/> as a flattened stream into <paramref name="openOutput"/>'s stream (which the collector disposes).</summary>
    public static CollectOutcome ToStream(CoreCollector collector, string vmcore, Func<Stream> openOutput, TextWriter messages) =>
        new CollectRunner(Arguments(collector, flattened: true, [vmcore]), messages, openOutput).Run();

    /// <summary>The collector's arguments for nkdump's collector, -F set or cleared, files appended.</summary>
    public static CollectArguments Arguments(CoreCollector collector, bool flattened, IReadOnlyList<string> files)
    {
        if (!collector.IsMakedumpfile)
        {
            throw new CaptureFailedException($"core_collector '{collector}' is not makedumpfile: nkdump's capture runs only makedumpfile-style collectors");
        }

        var words = collector.Arguments.Skip(Path.GetFileName(collector.Program) == "nkdump" ? 1 : 0)
            .Select(WithoutFlatten).Where(w => w.Length > 0).ToList();
        if (flattened)
        {
            words.Add("-F");
        }

        words.AddRange(files);
        try
        {
            return CollectArguments.Parse(words);
        }
        catch (CollectUsageException e)
        {
            throw new CaptureFailedException($"core_collector '{collector}': {e.Message}");
        }
    }

    /// <summary>"-F" → "", "-lF" → "-l"; anything else unchanged.</summary>
    private static string WithoutFlatten(string word)
    {
        if (word == "-F")
        {
            return "";
        }

        if (word.Length > 2 && word[0] == '-' && word[1] != '-' && word.Skip(1).All(char.IsAsciiLetter) && word.Contains('F'))
        {
            var rest = word.Replace("F", "", StringComparison.Ordinal);
            return rest == "-" ? "" : rest;
        }

        return word;
    }
}
