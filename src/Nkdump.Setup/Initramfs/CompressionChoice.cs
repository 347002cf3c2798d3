using Nkdump.Config;
using Nkdump.Formats;

namespace Nkdump.Setup.Initramfs;

/// <summary>Who chose the capture initramfs' compression.</summary>
public enum CompressionSource
{
    /// <summary>nkdump's default for the kernel (zstd when it has CONFIG_RD_ZSTD, else gzip).</summary>
    Default,

    /// <summary>kdump.conf's <c>dracut_args --compress=X</c>.</summary>
    Config,

    /// <summary><c>--compress X</c> on the command line; kept by later builds until something else chooses.</summary>
    Option,
}

/// <summary>The compression an image is built with, who chose it, and what was (not) checked.</summary>
public sealed record CompressionDecision(InitramfsCompression Compression, CompressionSource Source, string Note)
{
    public string Name => InitramfsCompressionNames.Of(Compression);

    /// <summary>The manifest line that records it (an option's choice is kept by later builds).</summary>
    public string ManifestLine => $"compression {Name} " + Source switch
    {
        CompressionSource.Option => "option",
        CompressionSource.Config => "config",
        _ => "default",
    };
}

/// <summary>
/// Decides the capture initramfs' compression: --compress on the command line, else
/// kdump.conf's <c>dracut_args --compress=X</c>, else the one an earlier --compress chose (so
/// `nkdump start` does not undo `nkdump rebuild --compress xz`), else the smallest the kernel can
/// unpack without outside programs: zstd when its config has CONFIG_RD_ZSTD (a smaller image needs
/// a smaller crashkernel=), otherwise gzip. A choice the kernel's config says it cannot unpack is
/// refused; without a config file nothing can be checked, and the note says so.
/// </summary>
internal static class CompressionChoice
{
    /// <summary>The default's preference when the kernel has neither zstd nor gzip support.</summary>
    private static readonly InitramfsCompression[] Preference =
        [InitramfsCompression.Zstd, InitramfsCompression.Gzip, InitramfsCompression.Xz, InitramfsCompression.Lzma,
         InitramfsCompression.Bzip2, InitramfsCompression.Lz4, InitramfsCompression.Lzo];

    /// <param name="requested">--compress on the command line, if given.</param>
    /// <param name="previousManifest">The manifest of the image built before, if any.</param>
    public static CompressionDecision Decide(HostRoot root, string release, KdumpConfig config, InitramfsCompression? requested, string? previousManifest)
    {
        var kernel = KernelBuildConfig.Load(root, release);
        InitramfsCompression compression;
        CompressionSource source;
        if (requested is { } r)
        {
            (compression, source) = (r, CompressionSource.Option);
        }
        else if (config.InitramfsCompression is { } c)
        {
            (compression, source) = (c, CompressionSource.Config);
        }
        else if (PreviousOption(previousManifest) is { } kept && (kernel is null || kernel.CanUnpack(kept)))
        {
            (compression, source) = (kept, CompressionSource.Option);
        }
        else
        {
            compression = kernel is null ? InitramfsCompression.Gzip
                : Preference.FirstOrDefault(kernel.CanUnpack, InitramfsCompression.Gzip);
            source = CompressionSource.Default;
        }

        var name = InitramfsCompressionNames.Of(compression);
        if (kernel is not null && !kernel.CanUnpack(compression))
        {
            var can = InitramfsCompressionNames.All.Where(kernel.CanUnpack).Select(InitramfsCompressionNames.Of).ToList();
            var from = source switch
            {
                CompressionSource.Config => $"dracut_args at {config.File}:{config.InitramfsCompressionLine} asks for {name}",
                CompressionSource.Option => $"--compress {name}",
                _ => $"{name}",
            };
            throw new NkdumpException($"{from}, but kernel {release} cannot unpack a {name} initramfs: {KernelBuildConfig.OptionFor(compression)} is not set in {root.Resolve(kernel.Path)}; "
                + (can.Count > 0 ? $"it can unpack {string.Join(", ", can)}" : "it unpacks no compressed initramfs"));
        }

        var note = kernel is null
            ? $"no kernel config for {release} under {root} (/boot/config-{release}): cannot check that the capture kernel unpacks {name}"
            : $"kernel {release} has {KernelBuildConfig.OptionFor(compression)} ({kernel.Path})";
        return new CompressionDecision(compression, source, note);
    }

    /// <summary>The compression an earlier --compress chose, from its manifest line "compression NAME option".</summary>
    private static InitramfsCompression? PreviousOption(string? manifest)
    {
        foreach (var line in (manifest ?? "").Split('\n'))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "compression" && parts[2] == "option" && InitramfsCompressionNames.TryParse(parts[1], out var c))
            {
                return c;
            }
        }

        return null;
    }
}
