using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Reading a dump without mmap: a file the kernel refuses to map falls back to pread(2), and an ELF
/// core read with pread gives exactly what the mapped one gives, page for page.
/// </summary>
public sealed class ReadFallbackTests
{
    /// <summary>A sysfs binary attribute with a size and no mmap (kernfs answers ENODEV), on every Linux since 2.6.23.</summary>
    private const string UnmappableFile = "/sys/kernel/notes";

    [Fact]
    public void A_file_the_kernel_will_not_map_is_read_with_pread()
    {
        using var file = RandomAccessFile.Open(UnmappableFile);
        Assert.False(file.IsMemoryMapped);
        Assert.Contains("mmap() refused", file.ReadReason);
        var expected = File.ReadAllBytes(UnmappableFile);
        Assert.Equal(expected.Length, file.Length);
        var bytes = new byte[expected.Length];
        file.Read(0, bytes);
        Assert.Equal(expected, bytes);

        // Asked for a mapping only, the refusal is an error that names the file.
        var e = Assert.Throws<NkdumpException>(() => RandomAccessFile.Open(UnmappableFile, mode: FileReadMode.Map));
        Assert.Contains(UnmappableFile, e.Message);
    }

    [Fact]
    public void Pread_reads_check_the_range_and_name_the_offset()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "data");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 100).Select(i => (byte)i)]);
        using var file = RandomAccessFile.Open(path, "shown-name", FileReadMode.Read);
        Assert.False(file.IsMemoryMapped);
        Assert.Contains("--non-mmap", file.ReadReason);
        var buffer = new byte[10];
        file.Read(90, buffer);
        Assert.Equal(Enumerable.Range(90, 10).Select(i => (byte)i), buffer);
        var e = Assert.Throws<DumpFormatException>(() => file.Read(91, buffer));
        Assert.Equal("shown-name", e.FilePath);
        Assert.Equal(91, e.Offset);
        Assert.Throws<DumpFormatException>(() => file.Read(-1, buffer));
    }

    [Fact]
    public void A_mapped_file_is_mapped_and_reads_the_same_bytes()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "data");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        using var mapped = RandomAccessFile.Open(path);
        using var read = RandomAccessFile.Open(path, mode: FileReadMode.Read);
        Assert.True(mapped.IsMemoryMapped);
        Assert.Null(mapped.ReadReason);
        var a = new byte[4000];
        var b = new byte[4000];
        mapped.Read(1000, a);
        read.Read(1000, b);
        Assert.Equal(a, b);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void An_elf_vmcore_read_with_pread_equals_the_mapped_one(string fixture)
    {
        var path = Fixtures.ElfVmcore(fixture);
        using var mapped = ElfVmcore.Open(path, mode: FileReadMode.Map);
        using var read = ElfVmcore.Open(path, mode: FileReadMode.Read);
        Assert.True(mapped.IsMemoryMapped);
        Assert.False(read.IsMemoryMapped);
        Assert.Equal(mapped.Segments, read.Segments);
        Assert.Equal(mapped.Notes.Select(n => (n.Name, n.Type, n.Descriptor.ToArray())), read.Notes.Select(n => (n.Name, n.Type, n.Descriptor.ToArray())));
        Assert.Equal(mapped.Memory.Ranges, read.Memory.Ranges);
        Assert.Equal(mapped.Memory.MaxPfn, read.Memory.MaxPfn);

        // Several pages at once (crossing pieces), then every page: the same state and bytes.
        var a = new byte[64 * 4096];
        var b = new byte[64 * 4096];
        var compared = 0L;
        foreach (var range in mapped.Memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn += 64)
            {
                var count = (int)Math.Min(64, range.EndPfn - pfn);
                var okA = mapped.Memory.TryRead(pfn * 4096, a.AsSpan(0, count * 4096), out var failA);
                var okB = read.Memory.TryRead(pfn * 4096, b.AsSpan(0, count * 4096), out var failB);
                Assert.Equal(okA, okB);
                Assert.Equal(failA, failB);
                Assert.True(a.AsSpan(0, count * 4096).SequenceEqual(b.AsSpan(0, count * 4096)), $"pfn 0x{pfn:x}: the bytes differ");
                for (var p = pfn; p < pfn + (ulong)count; p++)
                {
                    Assert.Equal(mapped.Memory.GetPageState(p), read.Memory.GetPageState(p));
                }

                compared += count;
            }
        }

        Assert.True(compared > 50_000, $"only {compared} pages compared");
    }
}
