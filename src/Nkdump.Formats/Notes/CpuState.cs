using System.Buffers.Binary;

namespace Nkdump.Formats.Notes;

/// <summary>
/// One CPU at the time of the crash, from its NT_PRSTATUS note: the task that ran on it and its
/// registers. <see cref="Cpu"/> is the note's position among the NT_PRSTATUS notes (the kernel writes
/// one per online CPU in CPU order, crash_save_cpu() in kernel/crash_core.c).
/// </summary>
public sealed record CpuState(int Cpu, int Pid, int ParentPid, int Signal, X86_64Registers Registers)
{
    // struct elf_prstatus (include/linux/elfcore.h) on x86_64:
    //   struct elf_siginfo pr_info;   @0   { int si_signo; int si_code; int si_errno; }
    //   short pr_cursig;              @12  (+2 padding)
    //   unsigned long pr_sigpend;     @16
    //   unsigned long pr_sighold;     @24
    //   pid_t pr_pid, pr_ppid, pr_pgrp, pr_sid;   @32, @36, @40, @44
    //   struct __kernel_old_timeval pr_utime, pr_stime, pr_cutime, pr_cstime;   @48..@112
    //   elf_gregset_t pr_reg;         @112 (struct user_regs_struct, 216 bytes)
    //   int pr_fpvalid;               @328 (+4 padding) => sizeof 336
    private const int PrCursig = 12;
    private const int PrPid = 32;
    private const int PrPpid = 36;
    private const int PrReg = 112;

    /// <summary>sizeof(struct elf_prstatus) on x86_64.</summary>
    public const int PrstatusSize = 336;

    /// <summary>Decodes an NT_PRSTATUS descriptor, or returns null when it is too short to be x86_64's.</summary>
    public static CpuState? Parse(int cpu, ReadOnlySpan<byte> descriptor)
    {
        if (descriptor.Length < PrReg + X86_64Registers.Size)
        {
            return null;
        }

        return new CpuState(
            cpu,
            BinaryPrimitives.ReadInt32LittleEndian(descriptor[PrPid..]),
            BinaryPrimitives.ReadInt32LittleEndian(descriptor[PrPpid..]),
            BinaryPrimitives.ReadInt16LittleEndian(descriptor[PrCursig..]),
            X86_64Registers.Parse(descriptor.Slice(PrReg, X86_64Registers.Size)));
    }

    /// <summary>The CPUs described by the NT_PRSTATUS notes among <paramref name="notes"/>, in order.</summary>
    public static IReadOnlyList<CpuState> FromNotes(IEnumerable<ElfNote> notes)
    {
        var cpus = new List<CpuState>();
        foreach (var note in notes)
        {
            if (note.Type == ElfNote.NtPrstatus && note.Name == "CORE" && Parse(cpus.Count, note.Descriptor.Span) is { } cpu)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }
}
