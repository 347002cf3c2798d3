namespace Nkdump.Fuzz;

/// <summary>
/// Where a target puts an input that its reader takes as a file (dumps are mapped or read by path):
/// one file in a directory of this process, rewritten for every run. TMPDIR decides the directory
/// (fuzz/run.sh points it at /dev/shm), so the flattened reader's reassembled copies land there too.
/// </summary>
internal sealed class Scratch
{
    private readonly string _directory;

    public Scratch()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"nkdump-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Writes <paramref name="bytes"/> to this process's input file and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
