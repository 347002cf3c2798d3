using Nkdump.Config.Collect;

namespace Nkdump.Config;

/// <summary>
/// Turns parsed lines into a <see cref="KdumpConfig"/>, judging each value and the combinations
/// (kdumpctl's check_*_config and mkdumprd's verify_core_collector, plus nkdump's filter). Only the
/// file itself is judged here; whether devices, scripts or servers exist is for start and status.
/// </summary>
internal static class KdumpConfigValidator
{
    public static KdumpConfig Build(List<ConfigLine> lines, string file, List<ConfigWarning> warnings)
    {
        var target = DumpTarget.Default;
        string path = KdumpConfig.DefaultPath, sshKey = KdumpConfig.DefaultSshKey;
        CoreCollector? collector = null;
        ConfigLine? filterLine = null;
        int? filter = null;
        var failure = FailureAction.Reboot;
        var final = FinalAction.Reboot;
        string? pre = null, post = null, emergency = null, commandLine = null;
        IReadOnlyList<string> bins = [], modules = [], remove = [], append = [];
        bool forceRebuild = false, forceNoRebuild = false, autoReset = true;
        int forceRebuildLine = 0;
        InitramfsCompression? compression = null;
        int compressionLine = 0;
        var layout = DumpLayout.RedHat;
        int? keepDumps = null;
        ulong? keepFree = null;
        string? reportHook = null;
        IReadOnlyList<string> encrypt = [];
        var encryptDmesg = true;
        ConfigLine? sizeLimit = null, timeLimit = null;
        var captureCpus = 1;
        var captureCpusAuto = false;

        foreach (var l in lines)
        {
            ConfigException Error(string message) => new(message, file, l.Line, l.Directive);
            switch (l.Directive)
            {
                case "raw":
                    RequireDevice(l, Error, allowVirtiofsTag: false);
                    target = new DumpTarget(DumpTargetKind.Raw, l.Directive, l.Value, l.Line);
                    break;
                case "nfs":
                    if (l.Value.Contains(' ') || !l.Value.Contains(":/", StringComparison.Ordinal))
                    {
                        throw Error($"expected 'server:/export', got '{l.Value}'");
                    }

                    target = new DumpTarget(DumpTargetKind.Nfs, l.Directive, l.Value, l.Line);
                    break;
                case "ssh":
                    var at = l.Value.IndexOf('@');
                    if (l.Value.Contains(' ') || at <= 0 || at == l.Value.Length - 1)
                    {
                        throw Error($"expected 'user@host', got '{l.Value}'");
                    }

                    target = new DumpTarget(DumpTargetKind.Ssh, l.Directive, l.Value, l.Line);
                    break;
                case "s3":
                    target = new DumpTarget(DumpTargetKind.S3, l.Directive, l.Value, l.Line);
                    break;
                case var fs when DumpTarget.FileSystemDirectives.Contains(fs):
                    RequireDevice(l, Error, allowVirtiofsTag: fs == "virtiofs");
                    target = new DumpTarget(DumpTargetKind.FileSystem, l.Directive, l.Value, l.Line);
                    break;
                case "path":
                    if (l.Value.Contains(' '))
                    {
                        throw Error($"one directory expected, got '{l.Value}'");
                    }

                    if (l.Value.Split('/').Contains(".."))
                    {
                        // Taken below the target's mount point (or the ssh server's root); '..' could climb out of it.
                        throw Error($"'{l.Value}': a '..' would leave the dump target; give the directory without '..'");
                    }

                    if (l.Value[0] != '/')
                    {
                        warnings.Add(new ConfigWarning(file, l.Line, l.Directive, $"'{l.Value}' is not absolute; it is taken from the target's root"));
                    }

                    path = l.Value;
                    break;
                case "sshkey":
                    sshKey = RequireAbsolute(l, Error);
                    break;
                case "core_collector":
                    try
                    {
                        collector = CoreCollector.Parse(l.Value, l.Line);
                    }
                    catch (CollectUsageException e)
                    {
                        // What the capture would refuse (the same parser reads it there).
                        throw Error($"'{l.Value}': {e.Message}");
                    }

                    break;
                case "filter":
                    filter = DumpFilter.TryParse(l.Value, out var why) ?? throw Error(why!);
                    filterLine = l;
                    break;
                case "failure_action" or "default":
                    if (!ActionNames.TryParse(l.Value, out failure))
                    {
                        throw Error($"'{l.Value}' is not one of reboot, halt, poweroff, shell, dump_to_rootfs");
                    }

                    break;
                case "final_action":
                    if (!ActionNames.TryParse(l.Value, out final))
                    {
                        throw Error($"'{l.Value}' is not one of reboot, halt, poweroff");
                    }

                    break;
                case "kdump_pre":
                    pre = RequireAbsolute(l, Error);
                    break;
                case "kdump_post":
                    post = RequireAbsolute(l, Error);
                    break;
                case "kdump_emergency":
                    emergency = RequireAbsolute(l, Error);
                    break;
                case "extra_bins":
                    bins = Words(l.Value);
                    foreach (var bin in bins.Where(b => b[0] != '/'))
                    {
                        throw Error($"'{bin}' is not an absolute path");
                    }

                    break;
                case "extra_modules":
                    modules = Words(l.Value);
                    foreach (var module in modules.Where(m => m.Contains('/') || m.EndsWith(".ko", StringComparison.Ordinal)))
                    {
                        throw Error($"'{module}' should be a module name, e.g. 'gfs2', not a file");
                    }

                    break;
                case "force_rebuild":
                    forceRebuild = ZeroOrOne(l, Error);
                    forceRebuildLine = l.Line;
                    break;
                case "force_no_rebuild":
                    forceNoRebuild = ZeroOrOne(l, Error);
                    if (forceNoRebuild && forceRebuild)
                    {
                        throw Error($"contradicts 'force_rebuild 1' at line {forceRebuildLine}: they are mutually exclusive");
                    }

                    break;
                case "auto_reset_crashkernel":
                    autoReset = l.Value switch
                    {
                        "yes" => true,
                        "no" => false,
                        _ => throw Error($"'{l.Value}' is not 'yes' or 'no'"),
                    };
                    break;
                case "dracut_args":
                    compression = DracutArgs.Read(l.Value, Error, out var ignored);
                    compressionLine = compression is null ? 0 : l.Line;
                    if (ignored.Count > 0)
                    {
                        warnings.Add(new ConfigWarning(file, l.Line, l.Directive,
                            $"'{string.Join(' ', ignored)}' is not supported by nkdump and is ignored; only the compression (--compress=X) is used"));
                    }

                    break;
                case "dump_layout":
                    layout = DumpLayoutNames.TryParse(l.Value, out var chosen) ? chosen : throw Error($"'{l.Value}' is not 'debian' or 'redhat'");
                    break;
                case "kdump_commandline":
                    commandLine = l.Value;
                    break;
                case "kdump_commandline_remove":
                    remove = Words(l.Value);
                    break;
                case "kdump_commandline_append":
                    append = Words(l.Value);
                    break;
                case "keep_dumps":
                    keepDumps = int.TryParse(l.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var keep) && keep >= 1
                        ? keep
                        : throw Error($"'{l.Value}' is not a number of dumps of 1 or more (leave the line out to keep every dump)");
                    break;
                case "keep_free_space":
                    keepFree = RetentionSize(l, Error);
                    break;
                case "report_hook":
                    reportHook = RequireAbsolute(l, Error);
                    break;
                case "encrypt":
                    encrypt = EncryptDirective.Parse(l.Value, Error);
                    break;
                case "encrypt_dmesg":
                    encryptDmesg = ZeroOrOne(l, Error);
                    break;
                case CaptureBudgetSettings.SizeDirective:
                    sizeLimit = l;
                    break;
                case CaptureBudgetSettings.TimeDirective:
                    timeLimit = l;
                    break;
                case "capture_cpus" when l.Value == "auto":
                    (captureCpus, captureCpusAuto) = (1, true);
                    break;
                case "capture_cpus":
                    captureCpus = int.TryParse(l.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var cpus) && cpus is >= 1 and <= KdumpConfig.MaxCaptureCpus
                        ? cpus
                        : throw Error($"'{l.Value}' is neither 'auto' nor a number of CPUs from 1 to {KdumpConfig.MaxCaptureCpus}");
                    break;
            }
        }

        // force_rebuild may come after force_no_rebuild.
        if (forceRebuild && forceNoRebuild)
        {
            var line = lines.First(l => l.Directive == "force_rebuild");
            throw new ConfigException("contradicts 'force_no_rebuild 1': they are mutually exclusive", file, line.Line, line.Directive);
        }

        var effective = CaptureBudgetSettings.Apply(ResolveCollector(collector, filter, filterLine, target, file), sizeLimit, timeLimit, file);
        if (encrypt.Count > 0)
        {
            var line = lines.First(l => l.Directive == "encrypt");
            effective = effective.Options is null
                ? throw new ConfigException($"'{effective.Program}' is not makedumpfile-style: only nkdump's own collector encrypts", file, line.Line, line.Directive)
                : effective.Encrypting(encrypt);
        }

        return new KdumpConfig
        {
            File = file,
            Target = target,
            Path = path,
            SshKey = sshKey,
            CoreCollector = effective,
            CoreCollectorExplicit = collector is not null,
            Filter = filter,
            FailureAction = failure,
            FinalAction = final,
            KdumpPre = pre,
            KdumpPost = post,
            KdumpEmergency = emergency,
            ExtraBins = bins,
            ExtraModules = modules,
            ForceRebuild = forceRebuild,
            ForceNoRebuild = forceNoRebuild,
            AutoResetCrashkernel = autoReset,
            CommandLine = commandLine,
            InitramfsCompression = compression,
            InitramfsCompressionLine = compressionLine,
            CommandLineRemove = remove,
            CommandLineAppend = append,
            DumpLayout = layout,
            KeepDumps = keepDumps,
            KeepFreeSpace = keepFree,
            ReportHook = reportHook,
            Encrypt = encrypt,
            EncryptDmesg = encryptDmesg,
            CaptureCpus = captureCpus,
            CaptureCpusAuto = captureCpusAuto,
            S3 = S3Settings.Read(target, lines, file),
            Warnings = warnings.OrderBy(w => w.Line).ToList(),
            Lines = lines.GroupBy(l => l.Directive).ToDictionary(g => g.Key, g => g.First().Line),
        };
    }

    /// <summary>
    /// The collector that runs: the default one at the filter's level (31 without a filter), or the
    /// explicit one, which must agree with the filter and suit the target.
    /// </summary>
    private static CoreCollector ResolveCollector(CoreCollector? collector, int? filter, ConfigLine? filterLine, DumpTarget target, string file)
    {
        if (collector is null)
        {
            return CoreCollector.DefaultFor(target, filter ?? DumpFilter.MaxLevel);
        }

        ConfigException Error(string message) => new(message, file, collector.Line, "core_collector");
        if (collector.IsMakedumpfile && target.NeedsFlattened && !collector.WritesFlattened)
        {
            throw Error($"a {target.Directive} target receives a stream: the collector needs makedumpfile's -F option");
        }

        if (filter is not { } level)
        {
            return collector;
        }

        if (!collector.IsMakedumpfile)
        {
            throw Error($"'filter' at line {filterLine!.Line} sets a dump level, but '{collector.Program}' is not makedumpfile and has none");
        }

        return collector.DumpLevel switch
        {
            null => collector.WithDumpLevel(level),
            { } given when given == level => collector,
            { } given => throw Error(
                $"dump level -d {given} contradicts 'filter {filterLine!.Value}' (level {level}) at line {filterLine.Line}"),
        };
    }

    private static void RequireDevice(ConfigLine l, Func<string, ConfigException> error, bool allowVirtiofsTag)
    {
        var v = l.Value;
        if (v.Contains(' '))
        {
            throw error($"one device expected, got '{v}'");
        }

        var ok = allowVirtiofsTag
            || v[0] == '/'
            || v.StartsWith("UUID=", StringComparison.Ordinal) || v.StartsWith("LABEL=", StringComparison.Ordinal)
            || v.StartsWith("PARTUUID=", StringComparison.Ordinal) || v.StartsWith("PARTLABEL=", StringComparison.Ordinal);
        if (!ok || v.EndsWith('='))
        {
            throw error($"expected a device path, UUID=… or LABEL=…, got '{v}'");
        }
    }

    private static string RequireAbsolute(ConfigLine l, Func<string, ConfigException> error)
    {
        if (l.Value[0] != '/' || l.Value.Contains(' '))
        {
            throw error($"expected one absolute path, got '{l.Value}'");
        }

        return l.Value;
    }

    private static ulong RetentionSize(ConfigLine l, Func<string, ConfigException> error)
    {
        try
        {
            return Crashkernel.MemorySize.Parse(l.Value);
        }
        catch (FormatException e)
        {
            throw error(e.Message);
        }
    }

    private static bool ZeroOrOne(ConfigLine l, Func<string, ConfigException> error) => l.Value switch
    {
        "0" => false,
        "1" => true,
        _ => throw error($"'{l.Value}' is not 0 or 1"),
    };

    private static string[] Words(string value) => value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
