using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Tasks;
using Nkdump.Kernel.Tests.OnFixtures;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>ORC unwinding on the real dumps, against the kernel's own printed Call Trace and drgn's stack.</summary>
public class OrcFixtureTests
{
    [Theory]
    [InlineData("debian-6.1.0-56-amd64", false)]
    [InlineData("debian-6.12.117-amd64", true)]
    public void EntryLayoutComesFromBtf(string fixture, bool typed)
    {
        using var f = FixtureKernel.Open(fixture);
        var table = OrcTable.ReadKernel(f.Kernel, BtfLoader.FromKernel(f.Kernel));
        Assert.Equal(typed, table.Format.TypedEndOfStack);
        Assert.Equal(typed ? 3 : 2, table.Format.TypeBits);
        Assert.True(table.Count > 300_000);

        // Without BTF the entries decide, and agree; both kernels number the registers the original way.
        Assert.Equal(table.Format, OrcTable.DetectFormat(null, table.RawEntries, "vmlinux"));
        Assert.Same(OrcRegisterNumbering.Original, table.Format.Registers);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void PanickingTaskUnwindsLikeTheKernelsCallTrace(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        var unwinder = new OrcUnwinder(f.Kernel, [OrcTable.ReadKernel(f.Kernel, btf)]);
        var cpu0 = f.Dump.Cpus[0];
        Assert.Equal(1, cpu0.Pid);

        var trace = unwinder.Unwind(UnwindStart.FromCpu(cpu0.Registers));
        Assert.True(trace.Complete, trace.EndReason);
        var names = trace.Frames.Where(fr => fr.Function is not null).Select(fr => fr.Function!).ToList();
        Assert.Equal("__crash_kexec", names[0]);
        var panic = names.IndexOf("panic");
        Assert.Equal(ConsoleTrace.FromPanic(fixture), names.Skip(panic));

        // The stack ends in user space at the write() the shell made (console: "RIP: 0033:0x47b7a0").
        Assert.Equal(FrameSource.UserSpace, trace.Frames[^1].Source);
        Assert.Equal(0x47b7a0UL, trace.Frames[^1].Ip);
    }

    [Fact]
    public void PanickingTaskMatchesDrgnWithTheDebugVmlinuxOn61()
    {
        const string fixture = "debian-6.1.0-56-amd64";
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        var unwinder = new OrcUnwinder(f.Kernel, [OrcTable.ReadKernel(f.Kernel, btf)]);
        var trace = unwinder.Unwind(UnwindStart.FromCpu(f.Dump.Cpus[0].Registers));

        // drgn lists inlined frames too (crash_setup_regs, pde_write, do_syscall_x64) and prints the entry
        // frame and the user frame as bare addresses: ours must be drgn's list with the inlined ones removed.
        var drgn = File.ReadAllLines(Fixtures.Expected(fixture, "crashed.txt")).Where(l => l.StartsWith("frame ", StringComparison.Ordinal))
            .Select(l => l[6..]).ToList();
        // DWARF names a compiler clone by its origin ("__handle_sysrq.cold" is __handle_sysrq to drgn).
        var ours = trace.Frames.Select(fr => fr.Function?.Split('.')[0] is { } name && drgn.Contains(name) ? name : $"0x{fr.Ip:x}").ToList();
        var inlined = drgn.Except(ours).ToList();
        Assert.Equal(["crash_setup_regs", "pde_write", "do_syscall_x64"], inlined);
        Assert.Equal(drgn.Except(inlined), ours);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void SleepingTasksUnwindFromTheirSavedFrameToUserSpace(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var btf = BtfLoader.FromKernel(f.Kernel);
        var tasks = new TaskList(f.Kernel, btf);
        var unwinder = new OrcUnwinder(f.Kernel, [OrcTable.ReadKernel(f.Kernel, btf)]);
        var sleep = tasks.All().First(t => t.Comm == "sleep");
        var trace = unwinder.Unwind(UnwindStart.FromSleepingTask(f.Kernel, btf, sleep.Address, tasks.Layout.ThreadSp));

        Assert.True(trace.Complete, trace.EndReason);
        var names = trace.Frames.Select(fr => fr.Function).ToList();
        Assert.Equal("__schedule", names[0]);
        Assert.Contains("do_nanosleep", names);
        Assert.Contains("entry_SYSCALL_64_after_hwframe", names);
        Assert.Equal(FrameSource.UserSpace, trace.Frames[^1].Source);

        // Every kernel thread's stack ends cleanly at ret_from_fork.
        foreach (var thread in tasks.All().Where(t => t.IsKernelThread && !t.IsIdle))
        {
            var kt = unwinder.Unwind(UnwindStart.FromSleepingTask(f.Kernel, btf, thread.Address, tasks.Layout.ThreadSp));
            Assert.True(kt.Complete, $"{thread.Comm}: {kt.EndReason}");
            Assert.StartsWith("ret_from_fork", kt.Frames[^1].Function);
        }
    }
}
