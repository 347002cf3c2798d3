using Nkdump.Formats;
using Nkdump.Formats.Notes;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Modules;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Symbols;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Kernel;

/// <summary>
/// One crashed kernel, opened once per dump (like drgn's Program): the dump, its address space
/// (<see cref="Kernel"/>: layout, translation, symbols), and everything built on top on first use —
/// BTF, tasks, modules, ORC, the log — and the kernel facts (KernelSession.Facts.cs). Each piece is
/// built once; when it cannot be built the reason is kept, and whoever needs it says so instead of
/// failing. <c>info</c>, <c>triage</c>, <c>analyze</c>, the dump writers' header facts and the
/// capture path all ask the session. Not thread-safe; one per user or per worker.
/// </summary>
public sealed partial class KernelSession : IDisposable
{
    private readonly KernelSessionOptions _options;
    private readonly bool _ownsDump;
    private readonly Lazy<Facet<KernelContext>> _kernel;
    private readonly Lazy<Facet<BtfTypes>> _btf;
    private readonly Lazy<Facet<TaskList>> _tasks;
    private readonly Lazy<Facet<ModuleList>> _modules;
    private readonly Lazy<Facet<OrcUnwinder>> _unwinder;
    private readonly Lazy<Facet<KernelLog>> _log;
    private readonly List<string> _moduleFileNotes = [];
    private CodeSymbolizer? _codeSymbols;

    private KernelSession(IKernelDump dump, KernelSessionOptions options, bool ownsDump)
    {
        Dump = dump;
        _options = options;
        _ownsDump = ownsDump;
        _kernel = new(() => Facet<KernelContext>.Try(OpenKernel));
        _btf = new(() => Facet<BtfTypes>.Try(LoadBtf));
        _tasks = new(() => Facet<TaskList>.Try(() => new TaskList(Kernel, Need(Btf, "tasks"))));
        _modules = new(() => Facet<ModuleList>.Try(ReadModules));
        _unwinder = new(() => Facet<OrcUnwinder>.Try(LoadUnwinder));
        _log = new(() => Facet<KernelLog>.Try(() => KernelLogReader.Read(Kernel)));
        InitializeFacts();
    }

    public IKernelDump Dump { get; }

    /// <summary>The VMCOREINFO in use: the one the options give, else the dump's; null when neither has one.</summary>
    public VmcoreInfo? VmcoreInfo => _options.VmcoreInfo ?? Dump.VmcoreInfo;

    /// <summary>The CPUs' NT_PRSTATUS notes, in CPU order.</summary>
    public IReadOnlyList<CpuState> Cpus => Dump.Cpus;

    /// <summary>
    /// Opens a dump file (any format, or every part of a --split set) and the kernel in it. Fails
    /// (<see cref="NkdumpException"/>) when the kernel's address space cannot be set up: analysis has
    /// nothing to work on then.
    /// </summary>
    public static KernelSession Open(string path, KernelSessionOptions? options = null) => Open([path], options);

    /// <inheritdoc cref="Open(string, KernelSessionOptions?)"/>
    public static KernelSession Open(IReadOnlyList<string> paths, KernelSessionOptions? options = null)
    {
        options ??= new KernelSessionOptions();
        var dump = DumpOpener.Open([.. paths], options.Identities);
        var session = new KernelSession(dump, options, ownsDump: true);
        try
        {
            _ = session.Kernel;
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A session over a dump the caller opened and keeps (disposing the session leaves the dump
    /// open). Nothing is read until asked: a dump without VMCOREINFO still gives the facts its file
    /// headers hold (phys_base from the text-map PT_LOAD) and says why the rest is missing.
    /// </summary>
    public static KernelSession For(IKernelDump dump, KernelSessionOptions? options = null) =>
        new(dump, options ?? new KernelSessionOptions(), ownsDump: false);

    /// <summary>The kernel's address space, or a <see cref="NkdumpException"/> saying why there is none (see <see cref="KernelProblem"/>).</summary>
    public KernelContext Kernel => _kernel.Value.Need();

    /// <summary>Why there is no address space (no VMCOREINFO, no page tables), or null.</summary>
    public string? KernelProblem => _kernel.Value.Problem;

    /// <summary>Symbols (kallsyms in the dump, or the System.map / vmlinux given), or null (see <see cref="SymbolsProblem"/>).</summary>
    public ISymbolTable? Symbols => _kernel.Value.Value?.Symbols;

    public string? SymbolsProblem => _kernel.Value.Value is { } kernel ? kernel.SymbolsProblem : KernelProblem;

    /// <summary>The kernel's types, or null (see <see cref="BtfProblem"/>).</summary>
    public BtfTypes? Btf => _btf.Value.Value;

    public string? BtfProblem => _btf.Value.Problem;

    public TaskList? Tasks => _tasks.Value.Value;

    public string? TasksProblem => _tasks.Value.Problem;

    public ModuleList? Modules => _modules.Value.Value;

    public string? ModulesProblem => _modules.Value.Problem;

    /// <summary>What the .ko files given in the options did: "nkcrash: symbols from /x/nkcrash.ko", or why one was not used.</summary>
    public IReadOnlyList<string> ModuleFileNotes => _moduleFileNotes;

    public OrcUnwinder? Unwinder => _unwinder.Value.Value;

    public string? UnwinderProblem => _unwinder.Value.Problem;

    public KernelLog? Log => _log.Value.Value;

    public string? LogProblem => _log.Value.Problem;

    /// <summary>Names code addresses as the kernel's traces do, module code by the module's own symbols.</summary>
    public CodeSymbolizer CodeSymbols => _codeSymbols ??= new CodeSymbolizer(Symbols, Modules);

    /// <summary>An address as the kernel's traces name it ("panic+0x118/0x2f4", "nkcrash_oops+0xc/0x20 [nkcrash]"), or null.</summary>
    public CodeLocation? Describe(ulong address) => CodeSymbols.Describe(address);

    /// <summary>An address as the kernel's traces name it (see <see cref="Describe"/>), or null when no symbol covers it.</summary>
    public string? Symbolize(ulong address) => Describe(address)?.ToString();

    public void Dispose()
    {
        if (_ownsDump)
        {
            Dump.Dispose();
        }
    }

    private static T Need<T>(T? value, string what)
        where T : class =>
        value ?? throw new NkdumpException($"{what} need the kernel's types (BTF), which are missing");

    private KernelContext OpenKernel()
    {
        var info = VmcoreInfo;
        var offset = info?.KernelOffset ?? 0;
        ISymbolTable? symbols = _options.Vmlinux is { } vmlinux ? VmlinuxSymbolReader.Read(vmlinux, offset)
            : _options.SystemMap is { } map ? SystemMapReader.Read(map, offset)
            : null;
        return KernelContext.Open(Dump.Memory, info, symbols, PhysBaseFact);
    }

    private BtfTypes LoadBtf() =>
        _options.Vmlinux is { } vmlinux ? BtfLoader.FromVmlinux(vmlinux) : BtfLoader.FromKernel(Kernel);

    private OrcUnwinder LoadUnwinder()
    {
        var tables = new List<OrcTable> { OrcTable.ReadKernel(Kernel, Btf) };
        if (Modules is { } modules)
        {
            tables.AddRange(modules.OrcTables(Kernel, tables[0].Format));
        }

        return new OrcUnwinder(Kernel, tables, CodeSymbols);
    }

    private ModuleList ReadModules()
    {
        var modules = ModuleList.Read(Kernel, Need(Btf, "modules"));
        foreach (var file in ModuleFiles.Find(_options.ModuleFiles, modules.Modules.Select(m => m.Name), _moduleFileNotes))
        {
            try
            {
                var name = modules.UseObjectFile(file);
                _moduleFileNotes.Add($"{name}: symbols from {file}");
            }
            catch (NkdumpException e)
            {
                _moduleFileNotes.Add(e.Message);
            }
        }

        return modules;
    }
}
