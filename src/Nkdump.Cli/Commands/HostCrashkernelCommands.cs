using System.Globalization;
using Nkdump.Config;
using Nkdump.Config.Crashkernel;
using Nkdump.Setup;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Estimate;
using Nkdump.Setup.Kexec;

namespace Nkdump.Cli.Commands;

/// <summary>`nkdump crashkernel show|get-default|estimate|reset`: the crashkernel= parameter.</summary>
internal static class HostCrashkernelCommands
{
    public static Command Crashkernel { get; } = new(
        "crashkernel",
        "compute, recommend and set the crashkernel= reservation (like kdumpctl get-default-crashkernel/reset-crashkernel)",
        "crashkernel show EXPR [--ram SIZE] [--json] | get-default | estimate | reset [--size EXPR] [--dry-run] [--root DIR]",
        "Sub-commands:\n"
        + "  show EXPR         bytes EXPR reserves (first line; 0 when nothing), e.g. show '2G-64G:256M,64G-:512M' --ram 8G\n"
        + "  get-default       the recommended crashkernel= value for x86_64 (kdump-utils' default, plus what\n"
        + "                    the extra CPUs of kdump.conf's capture_cpus N need)\n"
        + $"                    (on Debian, reset writes {CrashkernelEstimator.DefaultDebian}: 160M from 512 MiB, as kdump-tools reserves on small machines)\n"
        + "  estimate          the memory the capture kernel needs here: kernel, capture initramfs, collector,\n"
        + "                    extra capture CPUs (and the count capture_cpus auto would choose)\n"
        + "  reset             put crashkernel= into the boot configuration: /etc/default/grub (then update-grub,\n"
        + "                    grub2-mkconfig or grubby), grubby's entries, or /etc/kernel/cmdline and the\n"
        + "                    systemd-boot entries; each changed file is kept as FILE.nkdump-bak\n"
        + "Options:\n"
        + "  --ram SIZE        RAM size for 'show' (default: this machine's)\n"
        + "  --json            'show': print the result as JSON\n"
        + "  --size EXPR       value for 'reset' (default: get-default's; Debian's above)\n"
        + "  --dry-run         'reset': print the diff, change nothing\n"
        + "  --no-regenerate   'reset': edit the file but do not run update-grub/grub2-mkconfig/grubby\n"
        + "  --kernel FILE     'estimate': the kernel image (default /boot/vmlinuz-RELEASE)\n"
        + "  --initramfs FILE  'estimate': the capture initramfs (default the one 'rebuild' writes)\n"
        + "  --config FILE     kdump.conf, read for capture_cpus (default ROOT/etc/kdump.conf)\n"
        + HostCommandSupport.RootHelp,
        Run);

    private static int Run(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser()
            .Value("--ram", "--size", "--root", "--kernel", "--initramfs", "--config")
            .Flag("--dry-run", "--no-regenerate", "--json")
            .Parse(args);
        var sub = HostCommandSupport.SubVerb(parsed, "show", "get-default", "estimate", "reset");
        parsed.ExpectPositionals(sub == "show" ? 2 : 1, sub == "show" ? 2 : 1, sub == "show" ? "one expression after 'show'" : $"no arguments after '{sub}'");
        var root = new HostRoot(HostCommandSupport.Root(parsed));
        return HostCommandSupport.Guard(ctx, "crashkernel", () => sub switch
        {
            "show" => Show(ctx, parsed.Positionals[1], parsed.Get("--ram"), root, parsed.Has("--json")),
            "get-default" => GetDefault(ctx, parsed),
            "estimate" => EstimateCommand(ctx, root, parsed.Get("--kernel"), parsed.Get("--initramfs"), HostCommandSupport.TryLoadConfig(ctx, parsed, "crashkernel")),
            _ => Reset(ctx, root, parsed.Get("--size") ?? DefaultValue(ctx, parsed, CrashkernelEstimator.DefaultFor(root)), parsed.Has("--dry-run"), parsed.Has("--no-regenerate")),
        });
    }

    private static int Show(CommandContext ctx, string expression, string? ramText, HostRoot root, bool json)
    {
        var parameters = CrashkernelParser.ParseAll(expression);
        var ram = ramText is null ? new HostFacts(root).SystemRam : ParseSize(ramText, "--ram");
        var r = CrashkernelReservation.Evaluate(parameters, ram);
        if (json)
        {
            HostJsonContext.Write(ctx.Out, new CrashkernelJson(r.Total, ram, r.Size, r.LowSize, r.Offset, r.High, r.Note), HostJsonContext.Default.CrashkernelJson);
            return ExitCodes.Success;
        }

        ctx.Out.WriteLine(r.Total.ToString(CultureInfo.InvariantCulture));
        if (r.Total == 0)
        {
            ctx.Out.WriteLine($"nothing reserved with {MemorySize.Human(ram)} of RAM: {r.Note}");
            return ExitCodes.Success;
        }

        var where = r.High ? $" (above 4G where possible, plus {MemorySize.Format(r.LowSize)} below 4G)" : r.Offset is { } o ? $" at {MemorySize.Format(o)}" : "";
        ctx.Out.WriteLine($"{MemorySize.Format(r.Size)} reserved with {MemorySize.Human(ram)} of RAM{where}");
        return ExitCodes.Success;
    }

    private static int GetDefault(CommandContext ctx, ParsedArguments parsed)
    {
        ctx.Out.WriteLine(DefaultValue(ctx, parsed, CrashkernelEstimator.DefaultX86_64));
        return ExitCodes.Success;
    }

    /// <summary>kdump-utils' default, grown by what the extra CPUs of an explicit capture_cpus N cost (auto fits itself to the reservation).</summary>
    private static string DefaultValue(CommandContext ctx, ParsedArguments parsed, string expression) =>
        CrashkernelForCpus.Grow(expression, HostCommandSupport.TryLoadConfig(ctx, parsed, "crashkernel") is { CaptureCpusAuto: false } config ? config.CaptureCpus : 1);

    internal static int EstimateCommand(CommandContext ctx, HostRoot root, string? kernel, string? initramfs, KdumpConfig? config)
    {
        var facts = new HostFacts(root);
        var release = kernel is null || initramfs is null ? facts.KernelRelease : "";
        var kernelPath = kernel
            ?? (facts.FindKernelImage(release) is { } found ? root.Resolve(found) : null)
            ?? throw new Formats.NkdumpException($"no kernel image for {release} under {root.Resolve("/boot")}");
        var image = KernelImage.Read(kernelPath);
        var initramfsPath = initramfs ?? root.Resolve(Setup.Initramfs.CaptureInitramfs.ImagePath(release));
        var initramfsSize = File.Exists(initramfsPath) ? (ulong)new FileInfo(initramfsPath).Length : 0;
        var ram = facts.SystemRam;
        var modules = release.Length > 0 ? ModuleMemory.LoadedSize(root, release) : 0;
        var reserved = facts.CrashSize ?? 0;
        var cpus = config is null ? null : CaptureCpuChoice.For(config, reserved, CrashkernelEstimator.Estimate(image.MemoryNeed, initramfsSize, modules, ram).Estimated, facts.OnlineCpus);
        var estimate = CrashkernelEstimator.Estimate(image.MemoryNeed, initramfsSize, modules, ram, CrashkernelEstimator.DefaultFor(root), config?.CaptureCpusAuto == false ? cpus!.Count : 1);
        ctx.Out.WriteLine($"Reserved crashkernel:    {reserved >> 20}M");
        ctx.Out.WriteLine($"Recommended crashkernel: {estimate.Recommended >> 20}M (estimate {estimate.Estimated >> 20}M, default for {MemorySize.Human(ram)} RAM {estimate.DefaultForRam >> 20}M)");
        ctx.Out.WriteLine();
        foreach (var part in estimate.Parts)
        {
            ctx.Out.WriteLine($"  {part.Name,-26} {part.Bytes >> 20,6}M");
        }

        if (cpus is not null && (config!.CaptureCpusAuto || cpus.Count > 1))
        {
            ctx.Out.WriteLine($"capture CPUs: {cpus.Count} ({cpus.Reason})");
        }

        if (initramfsSize == 0)
        {
            ctx.Out.WriteLine($"note: {initramfsPath} is not built yet ('nkdump rebuild'); counted as 0");
        }

        if (reserved < estimate.Recommended)
        {
            ctx.Out.WriteLine($"WARNING: the reservation ({reserved >> 20}M) is below the recommended {estimate.Recommended >> 20}M");
        }

        return ExitCodes.Success;
    }

    private static int Reset(CommandContext ctx, HostRoot root, string value, bool dryRun, bool noRegenerate)
    {
        // Refuse a value the kernel would not parse before touching the boot configuration.
        if (value.Contains(' ') || value.StartsWith("crashkernel=", StringComparison.Ordinal))
        {
            throw new UsageException("--size takes one value without 'crashkernel=', e.g. 2G-64G:256M,64G-:512M");
        }

        CrashkernelParser.Parse(value);
        var runner = noRegenerate || !root.IsSystem ? null : ProcessRunner.Real;
        var result = new CrashkernelReset(root, runner).Run(value, dryRun);
        if (dryRun)
        {
            ctx.Out.Write(result.Diff);
            if (!result.Changed)
            {
                ctx.Out.WriteLine($"crashkernel={value} is already set: nothing to change");
            }
            else if (result.Regenerator is not null)
            {
                ctx.Out.WriteLine($"would then run: {string.Join(' ', result.Regenerator)}");
            }
        }
        else if (result.Changed)
        {
            var files = result.ChangedFiles ?? [];
            var where = files.Count > 0 ? $" in {string.Join(", ", files)} (previous files kept as FILE{Setup.Files.AtomicFile.BackupSuffix})" : "";
            var by = result.Regenerator is { } r ? $" and {Path.GetFileName(r[0])}" : "";
            ctx.Out.WriteLine($"crashkernel={value} set{where}{by}; reboot for it to take effect");
        }

        foreach (var note in result.Notes)
        {
            ctx.Out.WriteLine(note);
        }

        return ExitCodes.Success;
    }

    private static ulong ParseSize(string text, string option)
    {
        try
        {
            return MemorySize.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }
}
