using Nkdump.Formats.Notes;
using Nkdump.Kernel.Orc;

namespace Nkdump.Kernel.Tests.Orc;

public class PtRegsTests
{
    /// <summary>struct pt_regs (arch/x86/include/asm/ptrace.h, x86_64) as the entry code lays it out.</summary>
    [Fact]
    public void OffsetsAreTheKernels()
    {
        Assert.Equal(168, PtRegs.Size);
        Assert.Equal(128, PtRegs.IretFrameOffset);
        Assert.Equal(40, PtRegs.IretFrameSize);
        var expected = new (X86_64Register Register, ulong Offset)[]
        {
            (X86_64Register.R15, 0), (X86_64Register.R13, 16), (X86_64Register.Rbp, 32), (X86_64Register.Rbx, 40), (X86_64Register.R10, 56),
            (X86_64Register.R8, 72), (X86_64Register.Rax, 80), (X86_64Register.Rdx, 96), (X86_64Register.Rdi, 112), (X86_64Register.OrigRax, 120),
            (X86_64Register.Rip, 128), (X86_64Register.Cs, 136), (X86_64Register.Eflags, 144), (X86_64Register.Rsp, 152), (X86_64Register.Ss, 160),
        };
        foreach (var (register, offset) in expected)
        {
            Assert.Equal(offset, PtRegs.OffsetOf(register));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => PtRegs.OffsetOf(X86_64Register.FsBase));
    }

    [Fact]
    public void RegisterSetsKnowWhatWasSaved()
    {
        var bytes = new byte[PtRegs.Size];
        for (var i = 0; i < PtRegs.RegisterCount; i++)
        {
            bytes[i * 8] = (byte)(i + 1);
        }

        var saved = X86_64Registers.ParsePrefix(bytes, PtRegs.RegisterCount);
        Assert.False(saved.IsComplete);
        Assert.Equal(17UL, saved.Get(X86_64Register.Rip));
        Assert.Equal(21UL, saved.Get(X86_64Register.Ss));
        Assert.Null(saved.Get(X86_64Register.FsBase));
        Assert.Equal(17UL, saved["rip"]);
        Assert.Null(saved["gs"]);

        var call = X86_64Registers.Of((X86_64Register.Rip, 5UL), (X86_64Register.Rsp, 6UL));
        Assert.Equal(5UL, call.Rip);
        Assert.True(call.IsKnown(X86_64Register.Rsp));
        Assert.False(call.IsKnown(X86_64Register.Rbp));
        Assert.True(X86_64Registers.Parse(new byte[X86_64Registers.Size]).IsComplete);
    }
}
