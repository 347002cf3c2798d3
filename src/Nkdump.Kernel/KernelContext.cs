using Nkdump.Formats;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel;

/// <summary>
/// A crashed kernel's address space: physical memory, VMCOREINFO, the layout, virtual memory reads
/// and (on demand) symbols. What every kernel-level reader takes. A <see cref="KernelSession"/>
/// holds the one of its dump (with BTF, tasks, modules, ORC, the log and the kernel facts); the
/// collector opens one over its own view of memory. No global state. Not thread-safe; one per worker.
/// </summary>
public sealed class KernelContext
{
    private ISymbolTable? _symbols;
    private string? _symbolsProblem;
    private bool _symbolsTried;

    private readonly PhysBaseFact _physBase;

    private KernelContext(IPhysicalMemory physical, VmcoreInfo info, X86_64Layout layout, ISymbolTable? symbols)
    {
        _physBase = new PhysBaseFact(layout.PhysBase, layout.PhysBaseSource);
        Physical = physical;
        VmcoreInfo = info;
        SetLayout(layout);
        _symbols = symbols;
        _symbolsTried = symbols is not null;
    }

    public IPhysicalMemory Physical { get; }

    public VmcoreInfo VmcoreInfo { get; }

    public X86_64Layout Layout { get; private set; } = null!;

    public X86_64Translator Translator { get; private set; } = null!;

    public KernelMemory Memory { get; private set; } = null!;

    /// <summary>
    /// Opens the kernel in <paramref name="physical"/>. <paramref name="info"/> is required: without
    /// VMCOREINFO nothing says where the kernel's page tables are. Pass <paramref name="symbols"/> to
    /// use a System.map or vmlinux instead of the dump's own kallsyms, and <paramref name="physBase"/>
    /// when it is known already (a <see cref="KernelSession"/> works it out once).
    /// </summary>
    public static KernelContext Open(IPhysicalMemory physical, VmcoreInfo? info, ISymbolTable? symbols = null, PhysBaseFact? physBase = null)
    {
        if (info is null)
        {
            throw new NkdumpException("the dump has no VMCOREINFO note: the kernel's layout, symbols and log cannot be located");
        }

        var layout = X86_64LayoutDetector.Detect(physical, info, symbols, physBase);
        return new KernelContext(physical, info, layout, symbols);
    }

    /// <summary>
    /// Symbols: the ones given to <see cref="Open"/>, else the kallsyms tables read from the dump on
    /// first use (which also refines the layout from page_offset_base and friends). Null when none
    /// could be read; <see cref="SymbolsProblem"/> then says why.
    /// </summary>
    public ISymbolTable? Symbols
    {
        get
        {
            if (!_symbolsTried)
            {
                _symbolsTried = true;
                try
                {
                    _symbols = KallsymsReader.Read(Memory, VmcoreInfo, Layout);
                    SetLayout(X86_64LayoutDetector.Detect(Physical, VmcoreInfo, _symbols, _physBase));
                }
                catch (NkdumpException e)
                {
                    _symbolsProblem = e.Message;
                }
            }

            return _symbols;
        }
    }

    public string? SymbolsProblem => Symbols is null ? _symbolsProblem : null;

    /// <summary>An address as symbol+offset, or null when no symbol covers it.</summary>
    public string? Symbolize(ulong address) =>
        Symbols is { } table && table.TryResolve(address, out var location) ? location.ToString() : null;

    private void SetLayout(X86_64Layout layout)
    {
        Layout = layout;
        Translator = new X86_64Translator(Physical, layout, useLinearRegions: true);
        Memory = new KernelMemory(Physical, Translator);
    }
}
