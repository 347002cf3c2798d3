using Nkdump.Capture.Devices;

namespace Nkdump.Capture.Tests;

/// <summary>md arrays the initramfs names are assembled by mdadm before the target is looked up.</summary>
public sealed class MdAssemblyTests : IDisposable
{
    private readonly CaptureTestRoot _t = new();

    [Fact]
    public void RunsMdadmAssembleScanWhenTheInitramfsNamesAnArray()
    {
        _t.Write(MdAssembly.ArraysFile, "md127\n");
        var calls = new List<string>();
        var log = new CaptureLog(new StringWriter());
        new MdAssembly(_t.Root, log, (program, arguments) =>
        {
            calls.Add(program + " " + string.Join(' ', arguments));
            return 0;
        }).AssembleIfPlanned();
        Assert.Equal(["/usr/sbin/mdadm --assemble --scan --run"], calls);
        Assert.Empty(log.Incidents);
    }

    [Fact]
    public void NothingRunsWithoutAnArray() =>
        new MdAssembly(_t.Root, new CaptureLog(new StringWriter()), (_, _) => throw new InvalidOperationException("ran")).AssembleIfPlanned();

    [Fact]
    public void AFailingMdadmIsAWarningTheDeviceLookupDecides()
    {
        _t.Write(MdAssembly.ArraysFile, "md127\n");
        var log = new CaptureLog(new StringWriter());
        new MdAssembly(_t.Root, log, (_, _) => 2).AssembleIfPlanned();
        Assert.Contains(log.Incidents, i => i.Contains("mdadm --assemble --scan --run exited with status 2", StringComparison.Ordinal));
    }

    [Fact]
    public void ArraysComeUpBeforeVolumeGroups()
    {
        _t.Write(MdAssembly.ArraysFile, "md127\n");
        _t.Write(LvmActivation.VolumeGroupsFile, "nkvg\n");
        var calls = _t["/calls"];
        foreach (var program in new[] { MdAssembly.MdadmProgram, LvmActivation.LvmProgram })
        {
            _t.Write(program, $"#!/bin/sh\necho \"${{0##*/}} $1\" >> '{calls}'\nexit 0\n", executable: true);
        }

        StorageStacks.Activate(_t.Root, new CaptureLog(new StringWriter()));
        Assert.Equal(
            ["mdadm --assemble", "lvm vgchange", "lvm vgmknodes"],
            File.ReadAllLines(calls));
    }

    public void Dispose() => _t.Dispose();
}
