using Nkdump.Formats.Notes;

namespace Nkdump.Kernel.Crash;

/// <summary>What a person first wants to know about a crash, from the dump alone (no debuginfo).</summary>
public sealed record CrashSummary
{
    public string? SysName { get; init; }

    public string? NodeName { get; init; }

    /// <summary>init_uts_ns.name.release, e.g. "6.1.0-56-amd64" (VMCOREINFO's OSRELEASE when init_uts_ns is unreadable).</summary>
    public string? Release { get; init; }

    public string? Version { get; init; }

    public string? Machine { get; init; }

    /// <summary>CRASHTIME: when the kernel crashed (wall clock).</summary>
    public DateTimeOffset? CrashTime { get; init; }

    /// <summary>Time since boot at the crash: the timestamp of the log record that started it (else the last record).</summary>
    public ulong? UptimeNs { get; init; }

    /// <summary>The panic/Oops/BUG line that started the crash.</summary>
    public string? PanicReason { get; init; }

    /// <summary>The kernel's "Kernel panic - not syncing:" line when <see cref="PanicReason"/> is another line (an oops or soft lockup headline); null otherwise.</summary>
    public string? PanicLine { get; init; }

    /// <summary>The report that led to the panic line (a task blocked too long, the OOM killer's invocation), or null.</summary>
    public string? Cause { get; init; }

    /// <summary>tainted_mask (from the kernel variable via kallsyms), or null when not readable.</summary>
    public ulong? TaintMask { get; init; }

    /// <summary>The set taint bits' letters ("OE") and meanings, from the kernel's taint_flags table (see <see cref="TaintFlags"/>).</summary>
    public string? TaintLetters { get; init; }

    public IReadOnlyList<string> TaintMeanings { get; init; } = [];

    /// <summary>The taint as the panic log line stated it ("Not tainted", "Tainted: G   W"), when the mask is not readable.</summary>
    public string? TaintFromLog { get; init; }

    public CrashingCpu? Cpu { get; init; }

    /// <summary>The crashed machine's physical address span: one past its highest page frame, in bytes.</summary>
    public ulong MemoryBytes { get; init; }

    /// <summary>Bytes of physical memory in the dump's page frame ranges (a capture kernel's /proc/vmcore leaves out its own reserved region).</summary>
    public ulong DumpedBytes { get; init; }

    public ulong KaslrOffset { get; init; }

    public string? BuildId { get; init; }

    /// <summary>What could not be worked out, and why (each a sentence).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>The CPU that crashed: its NT_PRSTATUS registers, and how it was picked.</summary>
public sealed record CrashingCpu(int Cpu, int Pid, string? Comm, X86_64Registers Registers, string? InstructionPointerSymbol, string HowFound);
