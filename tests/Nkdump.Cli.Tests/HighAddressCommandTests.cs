using System.Globalization;
using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 17, finding 2, as reported: an ELF core of 20 KiB with one page at physical address
/// 2^48 - 4 KiB (max_pfn 2^36) given to the published binary with its address space capped at
/// 512 MiB (prlimit --as). Before, convert and collect asked for 8 GiB bitmaps and died with
/// OutOfMemoryException ("internal error"); without a cap they used 8.4 GB and then overflowed.
/// <para>
/// Now every command runs in bounded memory. ELF output holds the two segments. kdump-compressed
/// output is refused with a message that names the program header: the format needs two bitmaps
/// of max_mapnr bits on disk, 8 GiB each here, which crash reads whole into memory. nkdump writes
/// kdump-compressed files up to physical address 2^46 (64 TiB, x86_64's 4-level MAX_PHYSMEM_BITS;
/// bitmaps of 2 GiB each at most, their empty stretches left as holes). makedumpfile 1.7.2 refuses
/// this input too ("Could not validate mem_section", "The kernel version is not supported", exit 1:
/// checked on the 6.1 fixture with such a segment added), because 2^48 is beyond the kernel's
/// MAX_PHYSMEM_BITS of 46; below that it cuts max_mapnr to the last memory section the kernel
/// knows and silently leaves out a page above it.
/// </para>
/// </summary>
public class HighAddressCommandTests
{
    private const ulong High = 1UL << 48;

    /// <summary>512 MiB of address space: far below one 8 GiB bitmap, enough for the runtime and the pipeline.</summary>
    private const string Cap = "--as=536870912";

    private static ToolResult RunCapped(params string[] args)
    {
        var binary = RepoPaths.NativeBinary;
        Assert.True(File.Exists(binary), $"{binary} is missing: run ./build.sh first (./test.sh does)");
        return ExternalTool.Run("prlimit", [Cap, binary, .. args], TimeSpan.FromMinutes(2));
    }

    private static string WriteCore(TempDirectory dir) => SparseCore.Write(dir, High);

    [Theory]
    [InlineData("convert", "--format", "elf")]
    [InlineData("collect", "-E", "-d", "1")]
    [InlineData("collect", "-E", "-d", "0", "--cyclic-buffer", "1")]
    public void Elf_output_of_memory_at_256_TiB_holds_it_in_bounded_memory(params string[] command)
    {
        using var dir = new TempDirectory();
        var output = dir.File("out");
        var result = RunCapped([.. command, WriteCore(dir), output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        SparseCore.AssertHoldsBoth(output, High);
    }

    [Theory]
    [InlineData("convert")]
    [InlineData("convert", "--format", "flat")]
    [InlineData("collect", "-l", "-d", "1")]
    [InlineData("collect", "-c", "-d", "0", "--cyclic-buffer", "64")]
    public void Kdump_output_of_memory_at_256_TiB_is_refused_naming_the_segment(params string[] command)
    {
        using var dir = new TempDirectory();
        var output = dir.File("out");
        var result = RunCapped([.. command, WriteCore(dir), output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("internal error", result.StandardError);
        Assert.Contains("program header 2 (at offset 176)", result.StandardError);
        Assert.Contains("0xfffffffff000", result.StandardError);
        Assert.Contains(command[0] == "convert" ? "--format elf" : "-E", result.StandardError);
        Assert.False(File.Exists(output), "a refused dump leaves no file");
    }

    [Fact]
    public void Info_counts_the_pages_of_memory_at_256_TiB_in_bounded_memory()
    {
        using var dir = new TempDirectory();
        var result = RunCapped("info", WriteCore(dir));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains((High / 4096).ToString(CultureInfo.InvariantCulture), result.StandardOutput);
    }

    /// <summary>Below the limit (here 32 TiB) the kdump-compressed file is written; its bitmaps are mostly holes.</summary>
    [Fact]
    public void Kdump_output_of_memory_at_32_TiB_is_written_in_bounded_memory()
    {
        using var dir = new TempDirectory();
        const ulong high = 1UL << 45;
        var core = SparseCore.Write(dir, high);
        var output = dir.File("out");
        var result = RunCapped("collect", "-l", "-d", "1", core, output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(new FileInfo(output).Length > 2L << 30);
        SparseCore.AssertHoldsBoth(output, high);
    }
}
