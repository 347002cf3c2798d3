using Nkdump.Config;
using Nkdump.Setup.Kexec;

namespace Nkdump.Setup.Import;

/// <summary>
/// kdump-utils (Fedora, RHEL): its /etc/kdump.conf has nkdump's syntax, so each directive line is
/// kept when nkdump accepts it and reported when not (deprecated, fence_kdump_*); /etc/sysconfig/kdump's
/// KDUMP_COMMANDLINE, _REMOVE and _APPEND become kdump_commandline, _remove and _append, less what
/// nkdump removes and adds by itself. The dump keeps kdump-utils' names (dump_layout redhat).
/// </summary>
internal static class KdumpUtilsImport
{
    public const string SysconfigFile = "/etc/sysconfig/kdump";

    /// <summary>sysconfig variables of kdump-utils' own machinery, with why nkdump does without them.</summary>
    private static readonly Dictionary<string, string> NotCarriedWhy = new(StringComparer.Ordinal)
    {
        ["KEXEC_ARGS"] = "nkdump loads with kexec_file_load and takes no kexec options",
        ["KDUMP_KERNELVER"] = "nkdump loads the running kernel as the capture kernel",
        ["KDUMP_IMG"] = "nkdump finds the kernel image in /boot itself",
        ["KDUMP_IMG_EXT"] = "nkdump finds the kernel image in /boot itself",
        ["MKDUMPRD_ARGS"] = "nkdump builds its own capture initramfs without dracut",
        ["KDUMP_BOOTDIR"] = "nkdump finds the kernel image in /boot itself",
    };

    /// <summary>Values kdump-utils ships by default: nothing to say when they are unchanged.</summary>
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal)
    {
        ["KEXEC_ARGS"] = "-s",
        ["KDUMP_IMG"] = "vmlinuz",
        ["KDUMP_IMG_EXT"] = "",
        ["KDUMP_KERNELVER"] = "",
        ["MKDUMPRD_ARGS"] = "",
        ["KDUMP_BOOTDIR"] = "/boot",
    };

    public static ImportResult Convert(string? kdumpConf, string confFile, string? sysconfig, string sysconfigFile)
    {
        var b = new ImportBuilder(sysconfig is null ? confFile : $"{confFile} and {sysconfigFile}");
        b.Comment($"kdump.conf written by 'nkdump config import --from kdump-utils' from {confFile} and {sysconfigFile}; see kdump.conf(5).");
        b.Line("dump_layout redhat");
        if (kdumpConf is not null)
        {
            CarryConfLines(b, kdumpConf, confFile);
        }

        if (sysconfig is not null)
        {
            CarrySysconfig(b, ShellAssignments.Parse(sysconfig, sysconfigFile), sysconfigFile);
        }

        return b.Build();
    }

    private static void CarryConfLines(ImportBuilder b, string text, string file)
    {
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var directive = line.Split([' ', '\t'], 2)[0];
            if (directive == "dump_layout")
            {
                continue; // the import's own line says which
            }

            try
            {
                // One line alone: what nkdump refuses or ignores in it (combinations are judged on the whole result).
                var alone = KdumpConfigParser.Parse(line, file);
                if (alone.Warnings.Count > 0)
                {
                    b.NotCarried($"{file}:{number} {directive}", alone.Warnings[0].Message);
                    continue;
                }
            }
            catch (ConfigException e)
            {
                b.NotCarried($"{file}:{number} {directive}", e.Reason);
                continue;
            }

            b.Line(line);
        }
    }

    private static void CarrySysconfig(ImportBuilder b, IReadOnlyDictionary<string, ShellAssignments.Assignment> vars, string file)
    {
        foreach (var a in vars.Values.OrderBy(a => a.Line))
        {
            var from = $"{file}:{a.Line} {a.Name}";
            if (a.Computed)
            {
                b.NotCarried(from, $"'{a.Value}' is computed by the shell; set the equivalent in kdump.conf yourself");
                continue;
            }

            var words = a.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (a.Name)
            {
                case "KDUMP_COMMANDLINE" when words.Length > 0:
                    b.Directive("kdump_commandline", a.Value, from);
                    break;
                case "KDUMP_COMMANDLINE_REMOVE":
                    var remove = words.Where(w => !CaptureCommandLine.Removed.Contains(w)).ToList();
                    if (remove.Count > 0)
                    {
                        b.Directive("kdump_commandline_remove", string.Join(' ', remove), from);
                    }

                    break;
                case "KDUMP_COMMANDLINE_APPEND":
                    var append = words.Where(w => !CaptureCommandLine.Added.Contains(w)).ToList();
                    if (append.Count > 0)
                    {
                        b.Directive("kdump_commandline_append", string.Join(' ', append), from);
                    }

                    break;
                case "KDUMP_COMMANDLINE":
                    break;
                case var name when name.StartsWith("FADUMP_", StringComparison.Ordinal):
                    break; // fadump is POWER's; nkdump is kdump on x86_64
                case var name when NotCarriedWhy.TryGetValue(name, out var why):
                    if (!Defaults.TryGetValue(name, out var standard) || standard != a.Value)
                    {
                        b.NotCarried(from, why);
                    }

                    break;
                default:
                    b.NotCarried(from, "not a kdump-utils setting nkdump knows");
                    break;
            }
        }
    }
}
