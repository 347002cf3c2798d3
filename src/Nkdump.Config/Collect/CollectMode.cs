namespace Nkdump.Config.Collect;

/// <summary>What a makedumpfile-style command line asks for.</summary>
public enum CollectMode
{
    /// <summary>VMCORE → DUMPFILE (or stdout with -F): filter and write a dump.</summary>
    Collect,

    /// <summary>--split: VMCORE → DUMPFILE1 DUMPFILE2 …, each holding a share of the pages.</summary>
    Split,

    /// <summary>--reassemble: DUMPFILE1 DUMPFILE2 … → DUMPFILE.</summary>
    Reassemble,

    /// <summary>-R: flattened data on stdin → DUMPFILE.</summary>
    Rearrange,

    /// <summary>--dump-dmesg: VMCORE → LOGFILE, the kernel log.</summary>
    DumpDmesg,

    /// <summary>--mem-usage: VMCORE → a table of page counts by type on stdout.</summary>
    MemUsage,

    /// <summary>-h / --help.</summary>
    Help,

    /// <summary>-v: the version.</summary>
    Version,
}

/// <summary>A makedumpfile-style command line (or core_collector) that nkdump cannot accept (exit 2 on the command line).</summary>
public sealed class CollectUsageException(string message) : Formats.NkdumpException(message);
