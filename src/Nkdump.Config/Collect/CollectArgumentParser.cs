using System.Globalization;
using Nkdump.Formats.Codecs;

namespace Nkdump.Config.Collect;

/// <summary>
/// makedumpfile's words with getopt's rules ("-d31", "-d 31", clustered "-lF", "--message-level=7")
/// into a <see cref="CollectArguments"/>, unchecked: the caller checks what it needs
/// (<see cref="CollectArguments.Validated"/>, <see cref="CollectArguments.ParseOptions"/>).
/// </summary>
internal static class CollectArgumentParser
{
    private const string ShortWithValue = "bdgiLx";

    // Short options makedumpfile has that nkdump refuses by name (-b block order, -D debug, -e, -g generate
    // vmcoreinfo, -L size limit, -X Xen).
    private const string RefusedShort = "bDegLX";

    private static readonly HashSet<string> RefusedLong = new(StringComparer.Ordinal)
    {
        "xen-syms", "xen-vmcoreinfo", "xen_phys_start", "vtop", "partial-dmesg", "config", "diskset", "eppic",
        "splitblock-size", "work-dir", "check-params", "dry-run", "show-stats", "extension",
    };

    /// <summary>--encrypt's value, checked now: a recipient that age would refuse is a usage error before any work.</summary>
    private static string Recipient(string value)
    {
        try
        {
            _ = Formats.Age.AgeRecipient.Parse(value);
            return value;
        }
        catch (Formats.NkdumpException e)
        {
            throw new CollectUsageException($"--encrypt: {e.Message}");
        }
    }

    public static CollectArguments Parse(IReadOnlyList<string> args)
    {
        var result = new CollectArguments();
        var files = new List<string>();
        var modeSet = false;
        void SetMode(CollectMode mode)
        {
            if (modeSet && result.Mode != mode)
            {
                throw new CollectUsageException($"options for {Describe(result.Mode)} and {Describe(mode)} cannot be combined");
            }

            result = result with { Mode = mode };
            modeSet = true;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                files.AddRange(args.Skip(i + 1));
                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=');
                var name = eq > 0 ? arg[2..eq] : arg[2..];
                string Value() => eq > 0 ? arg[(eq + 1)..]
                    : i + 1 < args.Count ? args[++i]
                    : throw new CollectUsageException($"option '--{name}' needs a value");
                switch (name)
                {
                    case "split": SetMode(CollectMode.Split); break;
                    case "reassemble": SetMode(CollectMode.Reassemble); break;
                    case "dump-dmesg": SetMode(CollectMode.DumpDmesg); break;
                    case "mem-usage": SetMode(CollectMode.MemUsage); break;
                    case "help": SetMode(CollectMode.Help); break;
                    case "non-mmap": result = result with { NonMmap = true }; break;
                    case "message-level": result = result with { MessageLevel = Number(Value(), "--message-level", 0, 31) }; break;
                    case "num-threads": result = result with { Threads = Number(Value(), "--num-threads", 0, 1024) }; break;
                    case "cyclic-buffer": result = result with { CyclicBufferKiB = Number(Value(), "--cyclic-buffer", 1, int.MaxValue) }; break;
                    case "encrypt": result = result with { Encrypt = [.. result.Encrypt, Recipient(Value())] }; break;
                    case "size-limit": result = result with { SizeLimitBytes = Size(Value(), "--size-limit"), ImportantFirst = true }; break;
                    case "time-limit": result = result with { TimeLimitSeconds = Number(Value(), "--time-limit", 1, int.MaxValue, "seconds, "), ImportantFirst = true }; break;
                    case var refused when RefusedLong.Contains(refused):
                        throw new CollectUsageException($"makedumpfile option '--{refused}' is not supported by nkdump");
                    default: throw new CollectUsageException($"unknown option '--{name}'");
                }

                continue;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                files.Add(arg);
                continue;
            }

            for (var j = 1; j < arg.Length; j++)
            {
                var c = arg[j];
                if (RefusedShort.Contains(c))
                {
                    throw new CollectUsageException($"makedumpfile option '-{c}' is not supported by nkdump");
                }

                string? value = null;
                if (ShortWithValue.Contains(c))
                {
                    value = j + 1 < arg.Length ? arg[(j + 1)..]
                        : i + 1 < args.Count ? args[++i]
                        : throw new CollectUsageException($"option '-{c}' needs a value");
                    j = arg.Length;
                }

                result = c switch
                {
                    'c' => result with { Compression = PageCompression.Zlib },
                    'l' => result with { Compression = PageCompression.Lzo },
                    'p' => result with { Compression = PageCompression.Snappy },
                    'z' => result with { Compression = PageCompression.Zstd },
                    'd' => result with { DumpLevel = Number(value!, "-d", 0, CollectArguments.MaxDumpLevel, "a dump level, ") },
                    'E' => result with { Elf = true },
                    'F' => result with { Flatten = true },
                    'f' => result with { Force = true },
                    'i' => result with { VmcoreInfoFile = value },
                    'x' => result with { Vmlinux = value },
                    'h' => result with { Mode = CollectMode.Help },
                    'v' => result with { Mode = CollectMode.Version },
                    'R' => result with { Mode = CollectMode.Rearrange },
                    _ => throw new CollectUsageException($"unknown option '-{c}'"),
                };
                if (c is 'R' or 'h' or 'v')
                {
                    SetMode(result.Mode);
                }
            }
        }

        return result with { Files = files };
    }

    /// <summary>A size as the kernel's memparse reads it (512M, 2G, 1073741824), at least one byte.</summary>
    private static ulong Size(string text, string option)
    {
        try
        {
            var value = Crashkernel.MemorySize.Parse(text);
            return value > 0 ? value : throw new FormatException("zero");
        }
        catch (FormatException)
        {
            throw new CollectUsageException($"invalid value '{text}' for {option} (expected a size like 512M or 2G)");
        }
    }

    private static int Number(string text, string option, int min, int max, string what = "")
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CollectUsageException($"invalid value '{text}' for {option} (expected {what}{min} to {max})");
        }

        return value;
    }

    public static string Describe(CollectMode mode) => mode switch
    {
        CollectMode.Split => "--split",
        CollectMode.Reassemble => "--reassemble",
        CollectMode.Rearrange => "-R",
        CollectMode.DumpDmesg => "--dump-dmesg",
        CollectMode.MemUsage => "--mem-usage",
        CollectMode.Help => "--help",
        CollectMode.Version => "-v",
        _ => "collecting",
    };
}
