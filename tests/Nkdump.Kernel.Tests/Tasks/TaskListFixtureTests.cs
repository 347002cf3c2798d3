using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Tasks;
using Nkdump.Kernel.Tests.OnFixtures;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.Tasks;

/// <summary>The task list walked with the dump's own BTF, against drgn's view with the debug vmlinux (expected/tasks.txt).</summary>
public class TaskListFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EveryTaskOfDrgnIsListedWithPidParentCpuStateAndComm(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var list = new TaskList(f.Kernel, BtfLoader.FromKernel(f.Kernel));
        var ours = list.All(includeIdle: false).Select(t => $"{t.Pid} {t.ParentPid} {t.Cpu} {t.State} {t.Comm}").ToList();
        var expected = File.ReadAllLines(Fixtures.Expected(fixture, "tasks.txt")).Where(l => l.Length > 0).ToList();

        Assert.Equal(expected, ours);
        Assert.Empty(list.Problems);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void IdleTasksArePerCpuSwappers(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var list = new TaskList(f.Kernel, BtfLoader.FromKernel(f.Kernel));
        Assert.Equal(2, list.CpuCount());
        var idle = list.All().Where(t => t.IsIdle).ToList();
        Assert.Equal(["swapper/0", "swapper/1"], idle.Select(t => t.Comm));
        Assert.All(idle, t => Assert.Equal(0, t.Pid));
        Assert.Equal([0, 1], idle.Select(t => t.Cpu));
        Assert.Equal(list.InitTask, idle[0].Address);

        // The crash was sysrq-c from PID 1 on CPU 0: it is CPU 0's current task.
        Assert.Equal(1, list.Read(list.CurrentTask(0)!.Value).Pid);
    }

    [Theory]
    [InlineData(0x0u, 0x0u, 'R')]
    [InlineData(0x1u, 0x0u, 'S')]
    [InlineData(0x2u, 0x0u, 'D')]
    [InlineData(0x402u, 0x0u, 'I')]
    [InlineData(0x0u, 0x20u, 'Z')]
    [InlineData(0x0u, 0x10u, 'X')]
    [InlineData(0x4u, 0x0u, 'T')]
    [InlineData(0x8u, 0x0u, 't')]
    [InlineData(0x40u, 0x0u, 'P')]
    [InlineData(0x1000u, 0x0u, 'D')]
    public void StateLettersFollowTheKernel(uint state, uint exitState, char letter) =>
        Assert.Equal(letter, TaskState.Letter(state, exitState));
}
