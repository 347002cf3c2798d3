using Nkdump.Formats;
using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Memory;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel;

/// <summary>
/// The kernel facts, each worked out in one place, once, on first use, with the reason kept when it
/// cannot be: phys_base, utsname, taint, the crashing CPU and its task, the crash time.
/// </summary>
public sealed partial class KernelSession
{
    private Lazy<Facet<PhysBaseFact>> _physBase = null!;
    private Lazy<Facet<Utsname>> _utsname = null!;
    private Lazy<Facet<TaintMaskValue>> _taint = null!;
    private Lazy<CrashingCpuFinder.Result> _crashingCpu = null!;
    private Lazy<Facet<TaintFlags>> _taintFlags = null!;

    /// <summary>phys_base and its source (see <see cref="PhysBaseFinder"/>), or null (see <see cref="PhysBaseProblem"/>).</summary>
    public PhysBaseFact? PhysBaseFact => _physBase.Value.Value;

    public ulong? PhysBase => PhysBaseFact?.Value;

    public string? PhysBaseProblem => _physBase.Value.Problem;

    /// <summary>init_uts_ns.name, or null (see <see cref="UtsnameProblem"/>).</summary>
    public Utsname? Utsname => _utsname.Value.Value;

    public string? UtsnameProblem => _utsname.Value.Problem;

    /// <summary>The kernel release: init_uts_ns's, else VMCOREINFO's OSRELEASE.</summary>
    public string? Release => Utsname?.Release ?? VmcoreInfo?.OsRelease;

    /// <summary>tainted_mask, or null (see <see cref="TaintProblem"/>).</summary>
    public ulong? TaintMask => _taint.Value.Value?.Mask;

    public string? TaintProblem => _taint.Value.Problem;

    /// <summary>The taint letters and meanings: the dump's own taint_flags[] table, else nkdump's built-in copy.</summary>
    public TaintFlags TaintFlags => _taintFlags.Value.Value ?? TaintFlags.Builtin;

    /// <summary>Why the dump's taint_flags[] was not read (the built-in table is used), or null.</summary>
    public string? TaintFlagsProblem => _taintFlags.Value.Problem;

    /// <summary>The CPU that crashed and the task it ran (see <see cref="CrashingCpuFinder"/>), or null when the dump has no CPU notes.</summary>
    public CrashingCpu? CrashingCpu => _crashingCpu.Value.Cpu;

    /// <summary>Why there is no crashing CPU, or why the one named is a guess; null when it is certain.</summary>
    public string? CrashingCpuProblem => _crashingCpu.Value.Problem;

    /// <summary>CRASHTIME: when the kernel crashed (wall clock), or null when VMCOREINFO does not say.</summary>
    public DateTimeOffset? CrashTime => VmcoreInfo?.CrashTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null;

    private void InitializeFacts()
    {
        _physBase = new(() => Facet<PhysBaseFact>.Try(() => PhysBaseFinder.Find(Dump.Memory, VmcoreInfo, DumpTextMap.First(Dump))));
        _utsname = new(() => Facet<Utsname>.Try(ReadUtsname));
        _taint = new(() => Facet<TaintMaskValue>.Try(ReadTaint));
        _crashingCpu = new(() => CrashingCpuFinder.Find(this));
        _taintFlags = new(() => Facet<TaintFlags>.Try(() => TaintFlags.Read(Kernel, Btf ?? throw new NkdumpException($"no BTF ({BtfProblem})"))));
    }

    /// <summary>How far into struct uts_namespace the name is looked for when VMCOREINFO does not say.</summary>
    private const int MaxUtsnameOffset = 256;

    /// <summary>
    /// init_uts_ns.name (struct new_utsname). Where: VMCOREINFO's SYMBOL(init_uts_ns) (else the symbol
    /// table), plus OFFSET(uts_namespace.name). Kernels before 5.11 do not export that offset, and
    /// their struct uts_namespace starts with a kref (Debian's 5.10: name at 4): the name is then the
    /// place within the struct's first bytes where the release is VMCOREINFO's OSRELEASE, found without
    /// BTF (loading BTF here costs the capture kernel ~120 MB on 5.10, where kallsyms must be searched
    /// for; that is more than a 160 MB crashkernel has). A kernel-image variable is read through the
    /// text map (vaddr - __START_KERNEL_map + phys_base, __phys_addr_symbol() in
    /// arch/x86/mm/physaddr.c), which needs no page tables. Trusted only when its release is
    /// VMCOREINFO's OSRELEASE.
    /// </summary>
    private Utsname ReadUtsname()
    {
        var info = VmcoreInfo;
        ulong address;
        if (info?.Symbol("init_uts_ns") is { } exported)
        {
            address = exported;
        }
        else if (Symbols is { } symbols && symbols.TryGetAddress("init_uts_ns", out var found))
        {
            address = found;
        }
        else
        {
            throw new NkdumpException("neither VMCOREINFO (SYMBOL(init_uts_ns)) nor the symbols place init_uts_ns: the release comes from OSRELEASE only");
        }

        var stated = info?.Offset("uts_namespace.name");
        var window = ReadKernelVariable(address, (int)(stated ?? MaxUtsnameOffset) + Utsname.Size, "init_uts_ns");
        var nameOffset = stated ?? FindUtsname(window, info?.OsRelease) ?? Btf?.FindPath("uts_namespace.name")?.ByteOffset
            ?? throw new NkdumpException("VMCOREINFO has no OFFSET(uts_namespace.name) and no name with OSRELEASE's release is in init_uts_ns's first bytes");
        if (nameOffset < 0 || nameOffset > window.Length - Utsname.Size)
        {
            throw new NkdumpException($"OFFSET(uts_namespace.name) {nameOffset} is not inside init_uts_ns");
        }

        var uts = Utsname.Parse(window.AsSpan((int)nameOffset, Utsname.Size));
        if (info?.OsRelease is { } release && uts.Release != release)
        {
            throw new NkdumpException($"init_uts_ns.name.release reads '{uts.Release}', not VMCOREINFO's OSRELEASE '{release}': init_uts_ns was not found where expected");
        }

        return uts;
    }

    /// <summary>The offset in <paramref name="window"/> of a struct new_utsname whose release field is <paramref name="release"/>, or null.</summary>
    private static int? FindUtsname(byte[] window, string? release)
    {
        if (release is not { Length: > 0 })
        {
            return null;
        }

        var wanted = System.Text.Encoding.ASCII.GetBytes(release + "\0");
        for (var offset = 0; offset + Utsname.Size <= window.Length; offset++)
        {
            if (window.AsSpan(offset + (2 * Utsname.FieldLength)).StartsWith(wanted) && window[offset] != 0)
            {
                return offset;
            }
        }

        return null;
    }

    /// <summary><paramref name="length"/> bytes of a kernel-image variable, through the text map when phys_base is known.</summary>
    private byte[] ReadKernelVariable(ulong address, int length, string what)
    {
        var bytes = new byte[length];
        if (address >= StartKernelMap && PhysBase is { } physBase)
        {
            var physical = unchecked(address - StartKernelMap + physBase);
            if (!Dump.Memory.TryRead(physical, bytes, out var failure))
            {
                throw new NkdumpException($"{what} at 0x{address:x} (physical 0x{physical:x}) is not in the dump: {failure}");
            }
        }
        else
        {
            Kernel.Memory.Read(address, bytes, what);
        }

        return bytes;
    }

    private TaintMaskValue ReadTaint()
    {
        var symbols = Symbols ?? throw new NkdumpException($"no symbols ({SymbolsProblem}): taint unknown");
        if (!symbols.TryGetAddress("tainted_mask", out var address))
        {
            throw new NkdumpException("tainted_mask not found in the symbols");
        }

        return new TaintMaskValue(Kernel.Memory.ReadUInt64(address, "tainted_mask"));
    }

    /// <summary>A boxed tainted_mask, so that it fits a <see cref="Facet{T}"/>.</summary>
    private sealed record TaintMaskValue(ulong Mask);
}
