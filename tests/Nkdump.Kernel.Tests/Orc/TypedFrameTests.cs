using Nkdump.Formats.Notes;
using Nkdump.Kernel.Orc;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>Frames carry typed registers: the CPU's at the first frame, the saved pt_regs after an entry from user space.</summary>
public class TypedFrameTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void FramesCarryTheirRegisters(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var cpu = session.Cpus[session.CrashingCpu!.Cpu];
        var trace = session.Unwinder!.Unwind(UnwindStart.FromCpu(cpu.Registers));
        Assert.Same(cpu.Registers, trace.Frames[0].Registers);

        var user = trace.Frames[^1];
        Assert.Equal(FrameSource.UserSpace, user.Source);
        var saved = PtRegs.TryRead(session.Kernel.Memory, user.PtRegs!.Value, out var failure) ?? throw new InvalidOperationException(failure.ToString());
        Assert.Equal(saved.Values, user.Registers.Values);
        Assert.Equal(user.Ip, user.Registers.Get(X86_64Register.Rip));
        Assert.Equal(user.Sp, user.Registers.Get(X86_64Register.Rsp));
        Assert.Equal(3UL, user.Registers.Get(X86_64Register.Cs)!.Value & 3);

        // A frame after a plain return knows ip, sp and bp only.
        var called = trace.Frames.First(f => f.Source == FrameSource.Orc && f.PtRegs is null);
        Assert.Equal((called.Ip, called.Sp), (called.Registers.Rip, called.Registers.Rsp));
        Assert.False(called.Registers.IsKnown(X86_64Register.Rax));
    }
}
