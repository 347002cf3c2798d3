namespace Nkdump.Bench;

/// <summary>
/// Benchmark entry point: "dotnet run --project bench/Nkdump.Bench -c Release -- SUITE".
/// Each suite measures nkdump against the real tool on the same input in the same run and prints
/// a Markdown table for docs/BENCHMARKS.md.
/// </summary>
public static class Program
{
    private static readonly IReadOnlyDictionary<string, Func<string[], int>> Suites = new Dictionary<string, Func<string[], int>>
    {
        ["formats"] = FormatsSuite.Run,
        ["lzo"] = LzoSuite.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Suites.TryGetValue(args[0], out var suite))
        {
            Console.Error.WriteLine("usage: Nkdump.Bench SUITE [ARGS]; suites: " + string.Join(", ", Suites.Keys.Order()));
            return 2;
        }

        return suite(args[1..]);
    }
}
