namespace Nkdump.Setup.Tests;

/// <summary>A fake root tree in a temporary directory, deleted at the end of the test.</summary>
public sealed class TempRoot : IDisposable
{
    public TempRoot() => Path = Directory.CreateTempSubdirectory("nkdump-root-").FullName;

    public string Path { get; }

    public HostRoot Root => new(Path);

    public string Real(string absolute) => Path + absolute;

    public string Write(string absolute, string text)
    {
        var real = Real(absolute);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(real)!);
        File.WriteAllText(real, text);
        return real;
    }

    public string Write(string absolute, byte[] bytes)
    {
        var real = Real(absolute);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(real)!);
        File.WriteAllBytes(real, bytes);
        return real;
    }

    public string Read(string absolute) => File.ReadAllText(Real(absolute));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
