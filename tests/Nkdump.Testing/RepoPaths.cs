using System.Reflection;

namespace Nkdump.Testing;

/// <summary>Where the repository, its build outputs and the shared fixtures are, found from the test's location.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the folder holding nkdump.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>../shared/fixtures beside the repository (read-only).</summary>
    public static string Fixtures => Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));

    /// <summary>The NativeAOT binary that ./build.sh publishes.</summary>
    public static string NativeBinary => Path.Combine(Root, "artifacts", "bin", "nkdump");

    /// <summary>A scratch folder for derived test data (decompressed fixtures, converted dumps), kept between runs.</summary>
    public static string Cache
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("NKDUMP_TEST_CACHE") ?? Path.Combine(Root, "artifacts", "test-cache");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static string FindRoot()
    {
        var recorded = typeof(RepoPaths).Assembly.GetCustomAttributes(typeof(AssemblyMetadataAttribute), false)
            .OfType<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "NkdumpRepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "nkdump.sln")))
        {
            return recorded;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "nkdump.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (nkdump.sln) above " + AppContext.BaseDirectory);
    }
}
