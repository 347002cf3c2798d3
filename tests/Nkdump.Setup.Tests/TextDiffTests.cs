using Nkdump.Setup.Files;

namespace Nkdump.Setup.Tests;

public class TextDiffTests
{
    [Fact]
    public void IdenticalTextsGiveNoDiff() => Assert.Equal("", TextDiff.Unified("a\nb\n", "a\nb\n", "x", "y"));

    [Fact]
    public void DiffIsAcceptedByPatch()
    {
        var old = string.Concat(Enumerable.Range(1, 30).Select(i => $"line {i}\n"));
        var changed = old.Replace("line 3\n", "line three\n").Replace("line 20\n", "").Replace("line 30\n", "line 30\nline 31\n");
        var diff = TextDiff.Unified(old, changed, "a/f", "b/f");
        Assert.Equal(3, diff.Split('\n').Count(l => l.StartsWith("@@", StringComparison.Ordinal)));

        var dir = Directory.CreateTempSubdirectory("nkdump-diff-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "f"), old);
            var patch = Testing.ExternalTool.Run("patch", ["-s", "-p1", "--dry-run"], workingDirectory: dir, standardInput: diff);
            Assert.True(patch.ExitCode == 0, patch.ToString());
            var applied = Testing.ExternalTool.Run("patch", ["-s", "-p1"], workingDirectory: dir, standardInput: diff);
            Assert.Equal(0, applied.ExitCode);
            Assert.Equal(changed, File.ReadAllText(Path.Combine(dir, "f")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
