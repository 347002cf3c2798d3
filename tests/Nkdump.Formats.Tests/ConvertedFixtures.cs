using System.Collections.Concurrent;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Our conversions of the fixtures' vmcore.elf (every page, no filtering), made once per test run
/// into a private folder and deleted afterwards (our own output is never cached across builds).
/// </summary>
public sealed class ConvertedFixtures : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<string>> _files = new();

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "nkdump-converted-" + Guid.NewGuid().ToString("N"));

    public string Get(string fixture, OutputFormat format, PageCompression compression) =>
        _files.GetOrAdd($"{fixture}.{format}.{compression}", key => new Lazy<string>(() => Convert(key, Fixtures.ElfVmcore(fixture), format, compression))).Value;

    /// <summary>A conversion of any dump file (e.g. one of makedumpfile's kdump fixtures).</summary>
    public string GetFrom(string source, OutputFormat format, PageCompression compression) =>
        _files.GetOrAdd($"{Path.GetFileName(source)}.{format}.{compression}", key => new Lazy<string>(() => Convert(key, source, format, compression))).Value;

    private string Convert(string key, string source, OutputFormat format, PageCompression compression)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, key);
        using var input = DumpOpener.Open(source);
        using var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0);
        DumpConverter.Convert(input, output, format, compression);
        return path;
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
