using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;
using Nkdump.Fuzz.Seeds;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Fuzz.Targets;

/// <summary>
/// Readers of a crashed kernel's memory, over a <see cref="SyntheticKernel"/> whose VMCOREINFO and
/// memory the fuzzer writes: the printk rings (lockless prb of 5.10+, and the log_buf of 3.5-5.9, which
/// share a target reader and differ in seeds), the kallsyms tables, and ORC tables with the unwinder.
/// </summary>
internal static class KernelTargets
{
    public static FuzzTarget PrintkRing { get; } =
        new("printk-prb", "Kernel/Printk: the lockless ring buffer (5.10+) and its VMCOREINFO layout", ReadLog, PrintkSeeds.Ring);

    public static FuzzTarget LogBuf { get; } =
        new("printk-logbuf", "Kernel/Printk: the structured log_buf (3.5-5.9) and its VMCOREINFO layout", ReadLog, PrintkSeeds.LogBuf);

    public static FuzzTarget Kallsyms { get; } =
        new("kallsyms", "Kernel/Symbols: kallsyms tables named by VMCOREINFO, or found by searching the kernel image", ReadKallsyms, KernelSeeds.Kallsyms)
        {
            // The search reads up to InputLimits.Kernel.KallsymsSearchBytes (64 MiB) of the kernel image by design.
            AllocationBase = 160L << 20,
        };

    public static FuzzTarget Orc { get; } =
        new("orc", "Kernel/Orc: an ORC table in memory and an unwind through it", Unwind, KernelSeeds.Orc);

    private static void ReadLog(byte[] input)
    {
        var kernel = SyntheticKernel.Parse(input).Open();
        var log = KernelLogReader.Read(kernel);
        _ = DmesgTextFormatter.Format(log.Records, caller: true);
        foreach (var record in log.Records.Take(64))
        {
            _ = PrintkRecordJson.From(record);
        }
    }

    private static void ReadKallsyms(byte[] input)
    {
        var synthetic = SyntheticKernel.Parse(input);
        var kernel = synthetic.Open();
        var table = KallsymsReader.Read(kernel.Memory, synthetic.Info, kernel.Layout);
        _ = table.TryGetAddress("_stext", out _);
        foreach (var symbol in table.Symbols.Take(32))
        {
            _ = table.TryResolve(symbol.Address + 1, out _);
        }
    }

    /// <summary>
    /// The table is where SYMBOL(__start_orc_unwind_ip), SYMBOL(__stop_orc_unwind_ip) and
    /// SYMBOL(__start_orc_unwind) say; the entry layout and register numbering come from the entries; the unwind
    /// starts from the registers (user_regs_struct) in the blob's second page.
    /// </summary>
    private static void Unwind(byte[] input)
    {
        var synthetic = SyntheticKernel.Parse(input);
        var kernel = synthetic.Open();
        var info = synthetic.Info;
        var start = info.Symbol("__start_orc_unwind_ip") ?? 0;
        var stop = info.Symbol("__stop_orc_unwind_ip") ?? 0;
        var entries = info.Symbol("__start_orc_unwind") ?? 0;
        var count = stop >= start ? (long)Math.Min((stop - start) / 4, (ulong)long.MaxValue) : -1;
        var table = OrcTable.Read(kernel, "vmlinux", start, entries, count, btf: null);
        var registers = synthetic.Blob.Length >= SyntheticKernel.PageSize + X86_64Registers.Size
            ? X86_64Registers.Parse(synthetic.Blob.AsSpan(SyntheticKernel.PageSize, X86_64Registers.Size))
            : X86_64Registers.Of((X86_64Register.Rip, table.FirstIp));
        var trace = new OrcUnwinder(kernel, [table]).Unwind(UnwindStart.FromCpu(registers));
        foreach (var frame in trace.Frames)
        {
            _ = frame.Describe();
        }
    }
}
