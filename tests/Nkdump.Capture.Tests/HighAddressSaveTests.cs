using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// Issue 17, finding 2, in the capture: /proc/vmcore with memory at physical address 2^48 (max_pfn
/// 2^36). A kdump-compressed vmcore would need two bitmaps of 8 GiB; nkdump refuses to write one
/// before the file exists, the log says why and how to keep such a dump (-E), and failure_action
/// runs as for any failed capture. With -E the dump is saved. The free-space check asks for the
/// bitmaps' windows that hold memory (the others are holes), not for max_pfn / 4 bytes: before, it
/// asked for 16 GiB for this 20 KiB core.
/// </summary>
public sealed class HighAddressSaveTests : IDisposable
{
    private const string Uuid = "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
    private const string Directory = "/kdumproot/var/crash/127.0.0.1-2026-11-26-09:05:07";
    private const ulong High = 1UL << 48;
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _input = new();

    private string Dump(string file) => _t[$"{Directory}/{file}"];

    [Fact]
    public void The_free_space_check_asks_for_the_bitmap_windows_with_memory_not_for_max_pfn()
    {
        using var dump = DumpOpener.Open(SparseCore.Write(_input, High));
        var facts = DumpFacts.Read(dump);
        Assert.True(facts.MinimumBytes < 1L << 20, $"{facts.MinimumBytes} bytes");
    }

    [Fact]
    public void A_kdump_compressed_vmcore_is_refused_with_the_reason_and_failure_action_runs()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 1\nfailure_action poweroff\n");

        Assert.Equal(1, _t.Save(SparseCore.Write(_input, High)));

        var log = _t.ToString();
        Assert.Contains("saving vmcore failed", log);
        Assert.Contains("program header 2 (at offset 176)", log);
        Assert.Contains("Write ELF instead (-E)", log);
        Assert.DoesNotContain("even the headers", log);
        Assert.Equal(["poweroff"], _t.Machine.Actions);
        Assert.False(File.Exists(Dump("vmcore")));
        Assert.False(File.Exists(Dump("vmcore-incomplete")), "the refusal comes before the file is made");
        Assert.Contains("program header 2", File.ReadAllText(Dump("nkdump-errors.txt")));
    }

    [Fact]
    public void An_elf_vmcore_is_saved()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -E --message-level 1 -d 1\nfailure_action poweroff\n");

        Assert.True(_t.Save(SparseCore.Write(_input, High)) == 0, _t.ToString());

        using (Assert.IsType<ElfVmcore>(DumpOpener.Open(Dump("vmcore"))))
        {
        }

        SparseCore.AssertHoldsBoth(Dump("vmcore"), High);
        Assert.Equal(["reboot"], _t.Machine.Actions);
    }

    public void Dispose()
    {
        _t.Dispose();
        _input.Dispose();
    }
}
