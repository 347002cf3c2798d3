using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Kernel;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// Issue 17, finding 1: the vmcore is the one essential part of a capture. The crashed kernel's log,
/// the capture kernel's log and the hooks are optional: when one fails, whatever the exception, the
/// vmcore is still written and the failure is recorded beside it in nkdump-errors.txt.
/// </summary>
public sealed class OptionalPartsTests : IDisposable
{
    private const string Uuid = "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
    private const string Directory = "/kdumproot/var/crash/127.0.0.1-2026-11-26-09:05:07";
    private readonly CaptureTestRoot _t = new();

    private string Dump(string file) => _t[$"{Directory}/{file}"];

    private void Ext4Target()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\nfailure_action poweroff\n");
    }

    [Fact]
    public void WrongPrintkOffsetInVmcoreinfoCostsOnlyTheLog()
    {
        // OFFSET(prb_desc.state_var)=4096 is past SIZE(prb_desc)=24; the unused printk_ringbuffer.fail line makes room in the note.
        var vmcore = VmcoreInfoPatch.Copy(Fixtures.ElfVmcore(CaptureTestRoot.Fixture), Path.Combine(_t.Path, "vmcore.bad-offset"),
            new Dictionary<string, string?> { ["OFFSET(prb_desc.state_var)"] = "4096", ["OFFSET(printk_ringbuffer.fail)"] = null });
        Ext4Target();

        Assert.True(_t.Save(vmcore) == 0, _t.ToString());

        Assert.Equal(["reboot"], _t.Machine.Actions);
        using (var dump = Assert.IsType<KdumpDump>(DumpOpener.Open(Dump("vmcore"))))
        {
            Assert.Equal(31, dump.Header.DumpLevel);
            Assert.False(dump.Header.IsIncomplete);
        }

        Assert.False(File.Exists(Dump("vmcore-dmesg.txt")));
        var errors = File.ReadAllText(Dump("nkdump-errors.txt"));
        Assert.Contains("OFFSET(prb_desc.state_var)=4096 is past SIZE(prb_desc)=24", errors);
        DumpAssert.OwnerOnlyMode(Dump("nkdump-errors.txt"));
    }

    [Fact]
    public void UnreadableDescriptorRingCostsOnlyTheLogAndSaysSo()
    {
        // The e2e case baddesc: prb->desc_ring.descs points where nothing is mapped, so not one record
        // can be read. Before, an empty vmcore-dmesg.txt was written with a warning that the log "may be partial".
        var vmcore = WithDescriptorRingAt(Fixtures.ElfVmcore(CaptureTestRoot.Fixture), Path.Combine(_t.Path, "vmcore.bad-descs"), 0xdead000000000000);
        Ext4Target();

        Assert.True(_t.Save(vmcore) == 0, _t.ToString());

        Assert.True(File.Exists(Dump("vmcore")));
        Assert.False(File.Exists(Dump("vmcore-dmesg.txt")), _t.ToString());
        Assert.False(File.Exists(Dump("vmcore-dmesg-incomplete.txt")));
        var errors = File.ReadAllText(Dump("nkdump-errors.txt"));
        Assert.StartsWith("error: saving vmcore-dmesg.txt failed: no record of the log could be read: part of prb.desc_ring.descs is unreadable: virtual address 0xdead000000000000", errors);
        Assert.Contains("record(s) could not be read", errors);
    }

    /// <summary>A copy of the ELF vmcore <paramref name="source"/> whose printk ring's desc_ring.descs is <paramref name="descs"/>.</summary>
    private static string WithDescriptorRingAt(string source, string destination, ulong descs)
    {
        long[] fileOffsets;
        using (var dump = Assert.IsType<ElfVmcore>(DumpOpener.Open(source)))
        using (var session = KernelSession.For(dump))
        {
            var info = dump.VmcoreInfo!;
            var memory = session.Kernel.Memory;
            var ring = memory.ReadPointer(info.Symbol("prb")!.Value);
            var field = ring + (ulong)info.Offset("printk_ringbuffer.desc_ring")!.Value + (ulong)info.Offset("prb_desc_ring.descs")!.Value;
            Assert.True(memory.Translator.TryTranslate(field, out var translation, out _));
            var physical = translation.PhysicalAddress;
            // The kernel image's PT_LOAD and the direct map's both hold that memory: every copy changes.
            fileOffsets = [.. dump.Segments.Where(s => s.IsLoad && physical >= s.PhysicalAddress && physical + 8 <= s.PhysicalAddress + s.FileSize)
                .Select(s => (long)(s.Offset + (physical - s.PhysicalAddress)))];
            Assert.NotEmpty(fileOffsets);
        }

        File.Copy(source, destination, overwrite: true);
        using var file = new FileStream(destination, FileMode.Open, FileAccess.Write);
        foreach (var offset in fileOffsets)
        {
            file.Position = offset;
            file.Write(BitConverter.GetBytes(descs));
        }

        return destination;
    }

    [Fact]
    public void CaptureKernelLogThatThrowsCostsNothingButItself()
    {
        Ext4Target();
        _t.Machine.KernelLogFailure = new InvalidOperationException("klogctl went away");

        Assert.True(_t.Save() == 0, _t.ToString());

        Assert.Equal(["reboot"], _t.Machine.Actions);
        Assert.True(File.Exists(Dump("vmcore")));
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Dump("vmcore-dmesg.txt")));
        Assert.False(File.Exists(Dump("kexec-dmesg.log")));
        Assert.Contains("InvalidOperationException: klogctl went away", File.ReadAllText(Dump("nkdump-errors.txt")));
    }

    [Fact]
    public void AnyExceptionWhileReadingTheLogStillSavesTheVmcore()
    {
        Ext4Target();
        var settings = _t.Settings() with { FactsReader = _ => throw new IndexOutOfRangeException("a bug in a log reader") };

        Assert.True(new SaveRunner(settings, _t.Machine, new CaptureLog(_t.Log)).Run() == 0, _t.ToString());

        Assert.True(File.Exists(Dump("vmcore")));
        Assert.False(File.Exists(Dump("vmcore-dmesg.txt")));
        Assert.Contains("IndexOutOfRangeException: a bug in a log reader", File.ReadAllText(Dump("nkdump-errors.txt")));
    }

    [Fact]
    public void FailingPostHookIsRecordedBesideTheDump()
    {
        _t.Device("vdb", Uuid);
        _t.Write("/bin/post", "#!/bin/sh\nexit 4\n", executable: true);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\nkdump_post /bin/post\n");

        Assert.True(_t.Save() == 0, _t.ToString());

        Assert.True(File.Exists(Dump("vmcore")));
        Assert.Contains("/bin/post exited with status 4", File.ReadAllText(Dump("nkdump-errors.txt")));
    }

    [Fact]
    public void CleanCaptureLeavesNoErrorsFile()
    {
        Ext4Target();
        Assert.True(_t.Save() == 0, _t.ToString());
        Assert.True(File.Exists(Dump("vmcore")));
        Assert.False(File.Exists(Dump("nkdump-errors.txt")), _t.ToString());
    }

    public void Dispose() => _t.Dispose();
}
