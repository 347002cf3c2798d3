using Nkdump.Formats.Notes;

namespace Nkdump.Formats;

/// <summary>The on-disk format a dump was read from.</summary>
public enum DumpFormat
{
    /// <summary>An ELF64 core: /proc/vmcore, makedumpfile -E, QEMU dump-guest-memory.</summary>
    Elf,

    /// <summary>kdump-compressed ("KDUMP   "), a single file or a --split set.</summary>
    KdumpCompressed,

    /// <summary>makedumpfile's flattened stream (-F), read by reassembling it.</summary>
    Flattened,
}

/// <summary>
/// One opened dump of a crashed kernel, whatever its format: its physical memory, the ELF notes
/// it carries, the VMCOREINFO note parsed, and the CPUs' registers. One object per opened dump;
/// dispose it to unmap the file(s).
/// </summary>
public interface IKernelDump : IDisposable
{
    /// <summary>The file that was opened (the first one of a split set).</summary>
    string Path { get; }

    DumpFormat Format { get; }

    /// <summary>The crashed machine's physical memory as the dump holds it.</summary>
    IPhysicalMemory Memory { get; }

    /// <summary>The VMCOREINFO note, or null when the dump has none.</summary>
    VmcoreInfo? VmcoreInfo { get; }

    /// <summary>One entry per NT_PRSTATUS note, in CPU order.</summary>
    IReadOnlyList<CpuState> Cpus { get; }

    /// <summary>Every ELF note the dump carries, in file order.</summary>
    IReadOnlyList<ElfNote> Notes { get; }
}
