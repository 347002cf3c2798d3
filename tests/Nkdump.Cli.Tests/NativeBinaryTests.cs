using Nkdump.Testing;

namespace Nkdump.Cli.Tests;

/// <summary>
/// The published NativeAOT binary (./build.sh) runs where no .NET runtime exists: inside a bare
/// chroot that holds only the binary and the libraries ldd names for it.
/// </summary>
public class NativeBinaryTests
{
    [Fact]
    public void RunsInABareChrootWithOnlyItsLibraries()
    {
        var binary = RepoPaths.NativeBinary;
        Assert.True(File.Exists(binary), $"{binary} is missing: run ./build.sh first (./test.sh does)");
        Assert.Equal("\u007fELF", File.ReadAllText(binary)[..4]);

        var root = Directory.CreateTempSubdirectory("nkdump-chroot-");
        try
        {
            CopyInto(root.FullName, binary, "/nkdump");
            foreach (var library in LibrariesOf(binary))
            {
                CopyInto(root.FullName, library, library);
            }

            Assert.False(Directory.Exists(Path.Combine(root.FullName, "usr/share/dotnet")));
            var result = ExternalTool.Run("chroot", [root.FullName, "/nkdump", "--version"]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.StartsWith("nkdump ", result.StandardOutput);

            var usage = ExternalTool.Run("chroot", [root.FullName, "/nkdump", "no-such-verb"]);
            Assert.Equal(2, usage.ExitCode);
            Assert.Contains("unknown command", usage.StandardError);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static IEnumerable<string> LibrariesOf(string binary)
    {
        var ldd = ExternalTool.Run("ldd", [binary]);
        Assert.True(ldd.ExitCode == 0, ldd.ToString());
        foreach (var line in ldd.StandardOutput.Split('\n'))
        {
            // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
            var path = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith('/'));
            if (path is not null)
            {
                yield return path;
            }
        }
    }

    private static void CopyInto(string root, string source, string pathInRoot)
    {
        var target = Path.Combine(root, pathInRoot.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        File.SetUnixFileMode(target, File.GetUnixFileMode(source));
    }
}
