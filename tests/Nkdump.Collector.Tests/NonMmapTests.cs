using Nkdump.Config.Collect;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// --non-mmap (makedumpfile's option, and the path an old kernel's /proc/vmcore forces): the vmcore
/// is read with pread(2) instead of mapped, and the dump written is byte for byte the one the mapped
/// read gives, in the kdump-compressed and the ELF format.
/// </summary>
public sealed class NonMmapTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly TempDirectory _temp = new();

    [Theory]
    [InlineData("-l", "-d", "31")]
    [InlineData("-E", "-d", "1")]
    public void Reading_without_mmap_writes_the_same_dump(params string[] options)
    {
        var vmcore = Fixtures.ElfVmcore(Fixture);
        var mapped = Path.Combine(_temp.Path, "mapped");
        var read = Path.Combine(_temp.Path, "read");
        Collect([.. options, vmcore, mapped]);
        var messages = Collect([.. options, "--non-mmap", vmcore, read]);

        Assert.DoesNotContain("mmap() refused", messages);
        var a = File.ReadAllBytes(mapped);
        var b = File.ReadAllBytes(read);
        Assert.True(a.Length > 1 << 20, $"the dump is only {a.Length} bytes");
        Assert.True(a.AsSpan().SequenceEqual(b), $"the dumps differ ({a.Length} and {b.Length} bytes)");
    }

    private static string Collect(string[] args)
    {
        var messages = new StringWriter();
        new CollectRunner(CollectArguments.Parse(["--message-level", "2", .. args]), messages, () => Stream.Null).Run();
        return messages.ToString();
    }

    public void Dispose() => _temp.Dispose();
}
