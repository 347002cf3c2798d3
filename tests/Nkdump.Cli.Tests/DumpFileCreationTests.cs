using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Every verb that writes a dump (or the kernel log) creates its file the one way (Formats'
/// DumpFile), checked through the native binary under umask 022: mode 0600; a symbolic link planted
/// at the output path is never followed, even with the force option (its target is unchanged, the
/// command fails naming the link); an existing file is kept unless the force option is given.
/// </summary>
public sealed class DumpFileCreationTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>A verb writing OUT: its arguments (OUT stands for the output), its force option, and the file it reads on standard input.</summary>
    public sealed record Verb(string Name, string[] Arguments, string Force, Func<string>? StandardInput = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<string> Verbs => new() { "collect", "collect --reassemble", "collect -R", "collect --dump-dmesg", "convert", "reassemble" };

    private static Verb Make(string name)
    {
        var elf = Fixtures.ElfVmcore(Fixture);
        return name switch
        {
            "collect" => new(name, ["collect", "-l", "-d", "31", "--message-level", "0", elf, "OUT"], "-f"),
            "collect --reassemble" => new(name, ["collect", "--reassemble", .. DerivedDumps.MakedumpfileSplit(Fixture, "split-l-d31", ["-l", "-d", "31"], 2), "OUT"], "-f"),
            "collect -R" => new(name, ["collect", "-R", "OUT"], "-f", Flat),
            "collect --dump-dmesg" => new(name, ["collect", "--dump-dmesg", elf, "OUT"], "-f"),
            "convert" => new(name, ["convert", Path.Combine(Fixtures.Dir(Fixture), "vmcore.kdump-zlib-d31"), "OUT", "--compress", "zlib"], "--force"),
            _ => new(name, ["reassemble", Flat(), "OUT"], "--force"),
        };
    }

    private static string Flat() => DerivedDumps.Makedumpfile(Fixture, "flat-l-d31", ["-F", "-l", "-d", "31"], toStdout: true);

    /// <summary>Runs the native binary under umask 022 with OUT replaced by <paramref name="output"/>.</summary>
    private static ToolResult Run(Verb verb, string output, bool force)
    {
        Assert.True(File.Exists(RepoPaths.NativeBinary), $"{RepoPaths.NativeBinary} is missing: run ./build.sh first (./test.sh does)");
        var arguments = verb.Arguments.Select(a => a == "OUT" ? output : a).ToList();
        if (force)
        {
            arguments.Insert(1, verb.Force);
        }

        var input = verb.StandardInput?.Invoke() ?? "/dev/null";
        return ExternalTool.Run("sh", ["-c", "umask 022 && input=$1 && shift && exec \"$@\" < \"$input\"", "sh", input, RepoPaths.NativeBinary, .. arguments]);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void TheOutputIsPrivateAndAnExistingFileIsReplacedOnlyWhenForced(string name)
    {
        var verb = Make(name);
        using var dir = new TempDirectory();
        var output = dir.File("out");
        var first = Run(verb, output, force: false);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        var written = File.ReadAllBytes(output);
        Assert.NotEmpty(written);

        // An existing file is kept...
        File.WriteAllText(output, "an earlier dump");
        var again = Run(verb, output, force: false);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("file exists", again.StandardError);
        Assert.Equal("an earlier dump", File.ReadAllText(output));

        // ...unless the force option says to replace it.
        var forced = Run(verb, output, force: true);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(written, File.ReadAllBytes(output));
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void ASymbolicLinkAtTheOutputIsNeverFollowed(string name)
    {
        var verb = Make(name);
        using var dir = new TempDirectory();
        var victim = dir.Write("victim", "not yours"u8.ToArray());
        var link = dir.File("out");
        File.CreateSymbolicLink(link, victim);
        var dangling = dir.File("dangling");
        File.CreateSymbolicLink(dangling, dir.File("created-through-the-link"));
        foreach (var force in new[] { false, true })
        {
            var result = Run(verb, link, force);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"{link}: is a symbolic link", result.StandardError);
            Assert.Equal("not yours", File.ReadAllText(victim));
            Assert.NotNull(new FileInfo(link).LinkTarget);

            var through = Run(verb, dangling, force);
            Assert.Equal(1, through.ExitCode);
            Assert.Contains("is a symbolic link", through.StandardError);
            Assert.False(File.Exists(dir.File("created-through-the-link")));
        }
    }
}
