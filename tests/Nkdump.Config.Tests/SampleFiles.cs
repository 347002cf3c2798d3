namespace Nkdump.Config.Tests;

internal static class SampleFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));
}
