using Nkdump.Analysis.Modules;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Symbols;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Analysis.Session;

/// <summary>
/// One opened dump for post-mortem questions (like drgn's Program): the dump, the kernel context,
/// and the pieces built on demand — BTF, the task list, ORC tables, modules, the log. Each piece is
/// built once; when it cannot be built the reason is kept and every command that needs it says so
/// instead of failing. Not thread-safe; one per user session.
/// </summary>
public sealed class AnalysisSession : IDisposable
{
    private readonly AnalysisOptions _options;
    private readonly Lazy<Facet<BtfTypes>> _btf;
    private readonly Lazy<Facet<TaskList>> _tasks;
    private readonly Lazy<Facet<ModuleList>> _modules;
    private readonly Lazy<Facet<OrcUnwinder>> _unwinder;
    private readonly Lazy<Facet<KernelLog>> _log;

    private AnalysisSession(IKernelDump dump, KernelContext kernel, AnalysisOptions options)
    {
        Dump = dump;
        Kernel = kernel;
        _options = options;
        _btf = new(() => Facet<BtfTypes>.Try(LoadBtf));
        _tasks = new(() => Facet<TaskList>.Try(() => new TaskList(Kernel, Need(Btf, "tasks"))));
        _modules = new(() => Facet<ModuleList>.Try(() => ModuleList.Read(Kernel, Need(Btf, "modules"))));
        _unwinder = new(() => Facet<OrcUnwinder>.Try(LoadUnwinder));
        _log = new(() => Facet<KernelLog>.Try(() => KernelLogReader.Read(Kernel)));
    }

    public IKernelDump Dump { get; }

    public KernelContext Kernel { get; }

    /// <summary>Opens a dump file (any format) with optional System.map / vmlinux.</summary>
    public static AnalysisSession Open(string path, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        var dump = DumpOpener.Open(path);
        try
        {
            var info = dump.VmcoreInfo;
            ISymbolTable? symbols = null;
            var offset = info?.KernelOffset ?? 0;
            if (options.Vmlinux is { } vmlinux)
            {
                symbols = VmlinuxSymbolReader.Read(vmlinux, offset);
            }
            else if (options.SystemMap is { } map)
            {
                symbols = SystemMapReader.Read(map, offset);
            }

            return new AnalysisSession(dump, KernelContext.Open(dump.Memory, info, symbols), options);
        }
        catch
        {
            dump.Dispose();
            throw;
        }
    }

    /// <summary>The kernel's types, or null (see <see cref="BtfProblem"/>).</summary>
    public BtfTypes? Btf => _btf.Value.Value;

    public string? BtfProblem => _btf.Value.Problem;

    public TaskList? Tasks => _tasks.Value.Value;

    public string? TasksProblem => _tasks.Value.Problem;

    public ModuleList? Modules => _modules.Value.Value;

    public string? ModulesProblem => _modules.Value.Problem;

    public OrcUnwinder? Unwinder => _unwinder.Value.Value;

    public string? UnwinderProblem => _unwinder.Value.Problem;

    public KernelLog? Log => _log.Value.Value;

    public string? LogProblem => _log.Value.Problem;

    public ISymbolTable? Symbols => Kernel.Symbols;

    /// <summary>
    /// The CPU that panicked: panic_cpu (kernel/panic.c, an atomic_t, -1 when no panic) when it is
    /// readable and in range, else the first CPU whose NT_PRSTATUS names a task, else CPU 0.
    /// </summary>
    public int? PanicCpu()
    {
        if (Dump.Cpus.Count == 0)
        {
            return null;
        }

        if (Symbols is { } symbols && symbols.TryGetAddress("panic_cpu", out var address)
            && Kernel.Memory.TryRead(address, stackalloc byte[4], out _))
        {
            var cpu = (int)Kernel.Memory.ReadUInt32(address);
            if (cpu >= 0 && cpu < Dump.Cpus.Count)
            {
                return cpu;
            }
        }

        var withTask = Dump.Cpus.FirstOrDefault(c => c.Pid != 0);
        return withTask?.Cpu ?? 0;
    }

    public void Dispose() => Dump.Dispose();

    private static T Need<T>(T? value, string what)
        where T : class =>
        value ?? throw new NkdumpException($"{what} need the kernel's types (BTF), which are missing");

    private BtfTypes LoadBtf() =>
        _options.Vmlinux is { } vmlinux ? BtfLoader.FromVmlinux(vmlinux) : BtfLoader.FromKernel(Kernel);

    private OrcUnwinder LoadUnwinder()
    {
        var tables = new List<OrcTable> { OrcTable.ReadKernel(Kernel, Btf) };
        if (Modules is { } modules)
        {
            tables.AddRange(modules.OrcTables(Kernel, tables[0].Format));
        }

        return new OrcUnwinder(Kernel, tables);
    }

    /// <summary>A value built on first use, or the reason it could not be.</summary>
    private sealed record Facet<T>(T? Value, string? Problem)
        where T : class
    {
        public static Facet<T> Try(Func<T> build)
        {
            try
            {
                return new Facet<T>(build(), null);
            }
            catch (NkdumpException e)
            {
                return new Facet<T>(null, e.Message);
            }
        }
    }
}
