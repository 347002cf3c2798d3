using Nkdump.Formats.Limits;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Tasks;
using Nkdump.Kernel.Tests.OnFixtures;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests.Tasks;

/// <summary>Damaged kernel data (a looping task list, an excluded task, a smashed stack) ends walks with a problem, never a hang.</summary>
public class DamagedDumpTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    private static (KernelContext Kernel, PatchedMemory Memory, BtfTypes Btf) Open(FixtureKernel f)
    {
        var memory = new PatchedMemory(f.Dump.Memory);
        var kernel = KernelContext.Open(memory, f.Dump.VmcoreInfo);
        return (kernel, memory, BtfLoader.FromKernel(kernel));
    }

    private static ulong Physical(KernelContext kernel, ulong virtualAddress)
    {
        Assert.True(kernel.Translator.TryTranslate(virtualAddress, out var translation, out var failure), failure.ToString());
        return translation.PhysicalAddress;
    }

    [Fact]
    public void ALoopInTheTaskListEndsTheWalk()
    {
        using var f = FixtureKernel.Open(Fixture);
        var (kernel, memory, btf) = Open(f);
        var list = new TaskList(kernel, btf);
        var before = list.All(includeIdle: false);

        // Point the 10th task's tasks.next back at the 5th task's list node.
        var tasksOffset = (ulong)list.Layout.Tasks;
        memory.WriteUInt64(Physical(kernel, before[9].Address + tasksOffset), before[4].Address + tasksOffset);
        var damaged = new TaskList(kernel, btf);
        var after = damaged.All(includeIdle: false);

        Assert.Equal(before.Take(10).Select(t => t.Pid), after.Select(t => t.Pid));
        Assert.Contains(damaged.Problems, p => p.Contains("loops", StringComparison.Ordinal));
    }

    [Fact]
    public void AnExcludedTaskStructIsReportedAndTheOthersAreStillListed()
    {
        using var f = FixtureKernel.Open(Fixture);
        var (kernel, memory, btf) = Open(f);
        var before = new TaskList(kernel, btf).All();
        var victim = before.First(t => t.Comm == "tail");
        memory.Exclude(Physical(kernel, victim.Address) / (ulong)memory.PageSize);

        var damaged = new TaskList(kernel, btf);
        var after = damaged.All();
        Assert.DoesNotContain(after, t => t.Comm == "tail");
        Assert.Contains(after, t => t.Pid == 1);
        Assert.NotEmpty(damaged.Problems);
        Assert.Contains(damaged.Problems, p => p.Contains("excluded", StringComparison.Ordinal));
    }

    [Fact]
    public void ASmashedReturnAddressEndsTheTraceWithAReason()
    {
        using var f = FixtureKernel.Open(Fixture);
        var (kernel, memory, btf) = Open(f);
        var unwinder = new OrcUnwinder(kernel, [OrcTable.ReadKernel(kernel, btf)]);
        var start = UnwindStart.FromCpu(f.Dump.Cpus[0].Registers);
        var good = unwinder.Unwind(start);

        // Frame 4's return address sits just below frame 5's stack pointer: overwrite it with garbage.
        var slot = good.Frames[5].Sp - 8;
        memory.WriteUInt64(Physical(kernel, slot), 0xdeadbeefdeadbeef);
        var bad = unwinder.Unwind(start);
        Assert.False(bad.Complete);
        Assert.True(bad.Frames.Count <= 6);
        Assert.Contains("0xdeadbeefdeadbeef", bad.EndReason, StringComparison.Ordinal);

        // A return address pointing back into the same function repeats frames but stays bounded.
        memory.WriteUInt64(Physical(kernel, slot), good.Frames[4].Ip);
        var looping = unwinder.Unwind(start);
        Assert.True(looping.Frames.Count <= InputLimits.Kernel.UnwoundFrames);
    }
}
