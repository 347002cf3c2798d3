using Nkdump.Collector;
using Nkdump.Config;
using Nkdump.Config.Collect;
using Nkdump.Formats;

namespace Nkdump.Capture;

/// <summary>
/// Runs kdump.conf's core_collector in process: its makedumpfile options, parsed when the
/// configuration was read (<see cref="CoreCollector.Options"/>), go to nkdump's own collector with
/// the output set for the target (<see cref="CollectArguments.ForCapture"/>): as kdump-utils' kdump.sh
/// does, no -F for file targets, -F for ssh and raw targets, which receive a stream.
/// </summary>
internal static class CoreCollectorRun
{
    /// <summary>Collects <paramref name="vmcore"/> into the file <paramref name="output"/>.</summary>
    public static CollectOutcome ToFile(CoreCollector collector, string vmcore, string output, TextWriter messages) =>
        new CollectRunner(Request(collector, vmcore, output), messages, NoStandardOutput).Run();

    /// <summary>Collects a dump the caller opened (see <see cref="CollectRunner.OpenInput"/>) into the file <paramref name="output"/>.</summary>
    /// <param name="vmcoreInfo">The VMCOREINFO to filter with (the kernel session's); null: the dump's own, with the collector's -x/-i applied.</param>
    public static CollectOutcome ToFile(CoreCollector collector, IKernelDump dump, VmcoreInfo? vmcoreInfo, string output, TextWriter messages) =>
        new CollectRunner(Request(collector, dump.Path, output), messages, NoStandardOutput).Collect(dump, vmcoreInfo);

    /// <summary>Collects <paramref name="vmcore"/> as a flattened stream into <paramref name="openOutput"/>'s stream (which the collector disposes).</summary>
    public static CollectOutcome ToStream(CoreCollector collector, string vmcore, Func<Stream> openOutput, TextWriter messages) =>
        new CollectRunner(Request(collector, vmcore, null), messages, openOutput).Run();

    /// <summary>As <see cref="ToStream(CoreCollector, string, Func{Stream}, TextWriter)"/>, from a dump the caller opened.</summary>
    public static CollectOutcome ToStream(CoreCollector collector, IKernelDump dump, VmcoreInfo? vmcoreInfo, Func<Stream> openOutput, TextWriter messages) =>
        new CollectRunner(Request(collector, dump.Path, null), messages, openOutput).Collect(dump, vmcoreInfo);

    /// <summary>
    /// The collect request for <paramref name="vmcore"/>: to the file <paramref name="output"/>, or, when
    /// it is null, flattened to a stream.
    /// </summary>
    public static CollectArguments Request(CoreCollector collector, string vmcore, string? output)
    {
        var options = collector.Options
            ?? throw new CaptureFailedException($"core_collector '{collector}' is not makedumpfile: nkdump's capture runs only makedumpfile-style collectors");
        try
        {
            return options.ForCapture(vmcore, output);
        }
        catch (CollectUsageException e)
        {
            throw new CaptureFailedException($"core_collector '{collector}': {e.Message}");
        }
    }

    private static Stream NoStandardOutput() => throw new InvalidOperationException("no standard output for a file dump");
}
