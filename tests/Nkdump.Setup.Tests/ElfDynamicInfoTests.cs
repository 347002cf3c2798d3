using System.Text.RegularExpressions;
using Nkdump.Formats;
using Nkdump.Setup.Initramfs;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

public class ElfDynamicInfoTests
{
    [Theory]
    [InlineData("/usr/bin/true")]
    [InlineData("/usr/bin/cpio")]
    [InlineData("/usr/bin/python3")]
    public void NeededAndInterpreterMatchReadelf(string program)
    {
        var info = ElfDynamicInfo.Read(program);
        var dynamic = ExternalTool.Run("readelf", ["-d", "-W", program]).StandardOutput;
        var needed = Regex.Matches(dynamic, @"\(NEEDED\)\s+Shared library: \[(.+?)\]").Select(m => m.Groups[1].Value);
        Assert.Equal(needed, info.Needed);
        var headers = ExternalTool.Run("readelf", ["-l", "-W", program]).StandardOutput;
        Assert.Equal(Regex.Match(headers, @"Requesting program interpreter: (.+?)\]").Groups[1].Value, info.Interpreter);
    }

    [Fact]
    public void TruncatedOrForeignFilesAreClearErrors()
    {
        using var t = new TempRoot();
        var bytes = File.ReadAllBytes("/usr/bin/true");
        // DumpFormatException is the NkdumpException that also names the file and the offset.
        var cut = t.Write("/cut", bytes[..100]);
        var cutError = Assert.Throws<DumpFormatException>(() => ElfDynamicInfo.Read(cut));
        Assert.Contains("/cut", cutError.Message);
        Assert.Equal(cut, cutError.FilePath);
        var text = t.Write("/text", "#!/bin/sh\n");
        Assert.Contains("not an ELF file", Assert.Throws<DumpFormatException>(() => ElfDynamicInfo.Read(text)).Message);
        var bad = (byte[])bytes.Clone();
        bad[32] = 0xff; // e_phoff far beyond the file
        bad[39] = 0x7f;
        var badPath = t.Write("/bad", bad);
        var badError = Assert.Throws<DumpFormatException>(() => ElfDynamicInfo.Read(badPath));
        Assert.Contains("program headers", badError.Message);
        Assert.Equal(32, badError.Offset);
    }

    [Fact]
    public void ResolverFollowsAbsoluteLinksInsideTheRoot()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        var libs = new SharedLibraryResolver(t.Root).Resolve("/usr/sbin/nkdump");
        Assert.Contains(("/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), libs);
        Assert.Contains(("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"), libs);
    }

    [Fact]
    public void MissingLibraryIsNamed()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        File.Delete(t.Real("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        var e = Assert.Throws<NkdumpException>(() => new SharedLibraryResolver(t.Root).Resolve("/usr/sbin/nkdump"));
        Assert.Contains("libc.so.6", e.Message);
    }
}
