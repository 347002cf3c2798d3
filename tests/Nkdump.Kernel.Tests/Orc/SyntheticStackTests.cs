using Nkdump.Formats.Notes;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Symbols;
using Nkdump.Kernel.Tests.Synthetic;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>
/// The unwinder on hand-made stacks and ORC tables: the soft-lockup shape (a timer handler on the
/// IRQ stack, call_on_irqstack()'s SP_INDIRECT word at the IRQ stack's top, the entry code's pt_regs
/// on the task stack, the interrupted kernel thread), the iret-frame-only variant, and a frame ORC
/// cannot unwind, recovered by a stack scan. Everything lives in the text map of a
/// <see cref="SyntheticKernel"/> (phys_base 0), written in both register numberings.
/// </summary>
public class SyntheticStackTests
{
    private const ulong TimerFn = 0xffffffff81001000;   // on the IRQ stack
    private const ulong Sysvec = 0xffffffff81002000;    // switched to the IRQ stack (call_on_irqstack)
    private const ulong AsmSysvec = 0xffffffff81003000; // entry code: pt_regs on the task stack
    private const ulong Spin = 0xffffffff81004000;      // the interrupted kernel thread
    private const ulong Kthread = 0xffffffff81005000;   // the end of the kernel stack
    private const ulong Tables = 0xffffffff81300000;    // the ORC ip table, then the entries

    private const ulong TaskStack = 0xffffffff81100000;
    private const ulong IrqTop = 0xffffffff81204000;     // hardirq_stack_ptr: the IRQ stack's last word
    private const ulong PtRegsAt = TaskStack + 0x3e00;
    private const ulong SpinSp = TaskStack + 0x3f00;

    private static readonly SymbolTable Symbols = new("test",
    [
        new("timer_fn", TimerFn, 't'), new("sysvec", Sysvec, 'T'), new("asm_sysvec", AsmSysvec, 'T'),
        new("spin", Spin, 't'), new("kthread", Kthread, 'T'), new("end_of_text", 0xffffffff81006000, 'T'),
    ]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ATimerInterruptUnwindsThroughTheIrqStackToTheInterruptedThread(bool renumbered)
    {
        var numbering = renumbered ? OrcRegisterNumbering.Renumbered : OrcRegisterNumbering.Original;
        var kernel = new SyntheticKernel();

        // Interrupted thread: spin+0x10 with sp SpinSp, whose return address into kthread is at SpinSp.
        kernel.WriteUInt64(SpinSp, Kthread + 0x20);

        // asm_sysvec pushed pt_regs of the interrupted context and called sysvec (return address below them).
        var regs = new ulong[PtRegs.RegisterCount];
        regs[(int)X86_64Register.Rip] = Spin + 0x10;
        regs[(int)X86_64Register.Cs] = 0x10;
        regs[(int)X86_64Register.Rsp] = SpinSp;
        regs[(int)X86_64Register.Ss] = 0x18;
        regs[(int)X86_64Register.Rax] = 0x1234;
        regs[(int)X86_64Register.Rbp] = 0xb9;
        for (var i = 0; i < regs.Length; i++)
        {
            kernel.WriteUInt64(PtRegsAt + ((ulong)i * 8), regs[i]);
        }

        kernel.WriteUInt64(PtRegsAt - 8, AsmSysvec + 0x18);

        // sysvec switched stacks: the IRQ stack's top word holds the task stack's sp, then it called timer_fn.
        kernel.WriteUInt64(IrqTop, PtRegsAt - 8);
        kernel.WriteUInt64(IrqTop - 8, Sysvec + 0x28);

        WriteOrc(kernel, numbering, renumbered,
        [
            (TimerFn, 8, OrcRegister.Sp, OrcFrameType.Call),          // CFA = sp + 8: the return address at sp
            (Sysvec, 8, OrcRegister.Sp, OrcFrameType.Call),
            (Sysvec + 0x20, 8, OrcRegister.SpIndirect, OrcFrameType.Call), // after the switch: CFA = *sp + 8
            (Sysvec + 0x30, 8, OrcRegister.Sp, OrcFrameType.Call),
            (AsmSysvec, 0, OrcRegister.Sp, OrcFrameType.Regs),        // pt_regs at the CFA
            (Spin, 8, OrcRegister.Sp, OrcFrameType.Call),
            (Kthread, 0, OrcRegister.Undefined, OrcFrameType.EndOfStack),
        ]);

        var context = kernel.Open();
        var table = OrcTable.Read(context, "vmlinux", Tables, Tables + 0x1000, 7, Format(numbering, renumbered));
        var unwinder = new OrcUnwinder(context, [table], new CodeSymbolizer(Symbols, null));
        var start = X86_64Registers.Of((X86_64Register.Rip, TimerFn + 0x4), (X86_64Register.Rsp, IrqTop - 8), (X86_64Register.Rbp, 0UL));
        var trace = unwinder.Unwind(UnwindStart.FromCpu(start));

        Assert.True(trace.Complete, trace.EndReason);
        Assert.Equal(["timer_fn", "sysvec", "asm_sysvec", "spin", "kthread"], trace.Frames.Select(f => f.Function));
        Assert.Equal([IrqTop - 8, IrqTop, PtRegsAt, SpinSp, SpinSp + 8], trace.Frames.Select(f => f.Sp));
        Assert.Equal("sysvec+0x28/0x1000", trace.Frames[1].Describe());

        // The interrupted frame has the whole pt_regs, and says where it was.
        var interrupted = trace.Frames[3];
        Assert.Equal(PtRegsAt, interrupted.PtRegs);
        Assert.Equal(0x1234UL, interrupted.Registers.Get(X86_64Register.Rax));
        Assert.Equal("spin+0x10/0x1000", interrupted.Describe());
        Assert.All(trace.Frames, f => Assert.Null(f.Note));
    }

    [Fact]
    public void AnIretFrameAloneGivesIpSpAndFlagsOnly()
    {
        var kernel = new SyntheticKernel();
        kernel.WriteUInt64(SpinSp, Kthread + 0x20);
        ulong[] iret = [Spin + 0x10, 0x10, 0x246, SpinSp, 0x18];
        for (var i = 0; i < iret.Length; i++)
        {
            kernel.WriteUInt64(PtRegsAt + (ulong)PtRegs.IretFrameOffset + ((ulong)i * 8), iret[i]);
        }

        kernel.WriteUInt64(PtRegsAt + (ulong)PtRegs.IretFrameOffset - 8, AsmSysvec + 0x18);
        WriteOrc(kernel, OrcRegisterNumbering.Original, true,
        [
            (AsmSysvec, 0, OrcRegister.Sp, OrcFrameType.RegsPartial),
            (Spin, 8, OrcRegister.Sp, OrcFrameType.Call),
            (Kthread, 0, OrcRegister.Undefined, OrcFrameType.EndOfStack),
        ]);
        var context = kernel.Open();
        var table = OrcTable.Read(context, "vmlinux", Tables, Tables + 0x1000, 3, OrcFormat.Typed);
        var unwinder = new OrcUnwinder(context, [table], new CodeSymbolizer(Symbols, null));
        var start = X86_64Registers.Of((X86_64Register.Rip, AsmSysvec + 0x18), (X86_64Register.Rsp, PtRegsAt + (ulong)PtRegs.IretFrameOffset), (X86_64Register.Rbp, 0UL));
        var trace = unwinder.Unwind(new UnwindStart(start, false));

        Assert.True(trace.Complete, trace.EndReason);
        var interrupted = trace.Frames[1];
        Assert.Equal("spin", interrupted.Function);
        Assert.Equal(PtRegsAt, interrupted.PtRegs); // the partial pt_regs' address, IRET_FRAME_OFFSET below the CFA
        Assert.Equal(0x246UL, interrupted.Registers.Get(X86_64Register.Eflags));
        Assert.False(interrupted.Registers.IsKnown(X86_64Register.Rax));
    }

    /// <summary>
    /// spin's entry needs DI (a DRAP-style frame) but its registers are not known after a plain return:
    /// ORC cannot go on, the stack scan finds kthread's return address after its call to spin, and the
    /// recovered frame says so.
    /// </summary>
    [Fact]
    public void AFrameOrcCannotUnwindIsRecoveredByAStackScanAndSaysSo()
    {
        var kernel = new SyntheticKernel();
        const ulong callSite = Kthread + 0x1b;                     // e8 rel32 to spin, returning to Kthread + 0x20
        kernel.Write(callSite, [0xe8, .. BitConverter.GetBytes(unchecked((int)(Spin - (callSite + 5))))]);
        kernel.WriteUInt64(SpinSp, 0xdead);                          // not a code address: skipped
        kernel.WriteUInt64(SpinSp + 8, Kthread + 0x20);
        kernel.WriteUInt64(TaskStack + 0x3e00, Spin + 0x10);         // the caller's frame, as a plain return left it
        WriteOrc(kernel, OrcRegisterNumbering.Original, true,
        [
            (AsmSysvec, 8, OrcRegister.Sp, OrcFrameType.Call),
            (Spin, 16, OrcRegister.Di, OrcFrameType.Call),
            (Kthread, 0, OrcRegister.Undefined, OrcFrameType.EndOfStack),
        ]);
        var context = kernel.Open();
        var table = OrcTable.Read(context, "vmlinux", Tables, Tables + 0x1000, 3, OrcFormat.Typed);
        var unwinder = new OrcUnwinder(context, [table], new CodeSymbolizer(Symbols, null));
        var start = X86_64Registers.Of((X86_64Register.Rip, AsmSysvec + 0x4), (X86_64Register.Rsp, TaskStack + 0x3e00), (X86_64Register.Rbp, 0UL));
        var trace = unwinder.Unwind(UnwindStart.FromCpu(start));

        Assert.True(trace.Complete, trace.EndReason);
        Assert.Equal(["asm_sysvec", "spin", "kthread"], trace.Frames.Select(f => f.Function));
        var recovered = trace.Frames[2];
        Assert.Equal(FrameSource.StackScan, recovered.Source);
        Assert.Equal(SpinSp + 16, recovered.Sp);
        Assert.Contains("sp_reg Di", recovered.Note, StringComparison.Ordinal);
        Assert.Contains("scanning the stack", recovered.Note, StringComparison.Ordinal);
    }

    private static OrcFormat Format(OrcRegisterNumbering numbering, bool typed) => new(typed, typed ? 3 : 2, numbering);

    /// <summary>The ip table (s32 offsets from each slot) at <see cref="Tables"/>, the 6-byte entries 4 KiB after it.</summary>
    private static void WriteOrc(SyntheticKernel kernel, OrcRegisterNumbering numbering, bool typed,
        (ulong Ip, short SpOffset, OrcRegister SpReg, OrcFrameType Type)[] entries)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var slot = Tables + ((ulong)i * 4);
            kernel.WriteUInt32(slot, unchecked((uint)(int)(long)(entries[i].Ip - slot)));
            var e = entries[i];
            var spReg = (byte)numbering.NumberOf(e.SpReg);
            var type = typed
                ? e.Type switch { OrcFrameType.EndOfStack => 1, OrcFrameType.Call => 2, OrcFrameType.Regs => 3, OrcFrameType.RegsPartial => 4, _ => 0 }
                : e.Type switch { OrcFrameType.EndOfStack => 0x04, OrcFrameType.Regs => 1, OrcFrameType.RegsPartial => 2, _ => 0 };
            byte[] bytes = [(byte)e.SpOffset, (byte)(e.SpOffset >> 8), 0, 0, spReg, (byte)type];
            kernel.Write(Tables + 0x1000 + ((ulong)i * OrcFormat.EntrySize), bytes);
        }
    }
}
