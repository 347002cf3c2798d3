using System.Text;
using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Initramfs;

/// <summary>The outcome of <see cref="CaptureInitramfs.Build"/>.</summary>
public sealed record InitramfsBuildResult(bool Rebuilt, string ImagePath, string Reason, InitramfsPlan Plan, CompressionDecision? Compression = null);

/// <summary>
/// Builds the capture initramfs: a cpio newc archive compressed as <see cref="CompressionChoice"/>
/// decides (zstd or gzip by default, both done in-process). Like kdumpctl, it is rebuilt only when
/// an input changed: a manifest beside the image names the compression and lists every entry with
/// the SHA-256 of its bytes, and a build whose manifest matches the stored one does nothing.
/// </summary>
public static partial class CaptureInitramfs
{
    /// <summary>Bumped whenever the image layout changes, so old images are rebuilt.</summary>
    public const int FormatVersion = 2;

    /// <param name="force">Rebuild even when the manifest matches (the `rebuild` verb, force_rebuild 1).</param>
    /// <param name="compression">--compress from the command line, if given.</param>
    /// <param name="compressor">Runs the compression (tests give it a search path).</param>
    internal static InitramfsBuildResult Build(HostRoot root, InitramfsInputs inputs, bool force, InitramfsCompression? compression = null, InitramfsCompressor? compressor = null)
    {
        var manifestFile = root.Resolve(ManifestPath(inputs.Release));
        var previous = File.Exists(manifestFile) ? InputFile.ReadAllText(manifestFile, InputLimits.SystemText, "the initramfs manifest") : null;
        var decision = CompressionChoice.Decide(root, inputs.Release, inputs.Config, compression, previous);
        var plan = new InitramfsPlanner(root).Plan(inputs);
        var manifest = Manifest(inputs.Release, plan, decision);
        var image = root.Resolve(ImagePath(inputs.Release));
        string reason;
        if (force)
        {
            reason = "rebuild requested";
        }
        else if (!File.Exists(image))
        {
            reason = "no image yet";
        }
        else if (previous is null)
        {
            reason = "no manifest of the old image";
        }
        else if (CompressionLine(previous) != decision.ManifestLine)
        {
            reason = $"the compression changed to {decision.Name}";
        }
        else if (previous != manifest)
        {
            reason = "an input changed";
        }
        else
        {
            return new InitramfsBuildResult(false, image, "inputs unchanged", plan, decision);
        }

        Files.StateDirectory.Ensure(root);
        byte[] cpio;
        using (var buffer = new MemoryStream())
        {
            WriteCpio(buffer, plan);
            cpio = buffer.ToArray();
        }

        var compressed = (compressor ?? new InitramfsCompressor()).Compress(decision.Compression, cpio);
        AtomicFile.Write(image, compressed, mode: UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // The manifest goes last: an interrupted build leaves a manifest that does not match.
        AtomicFile.WriteText(manifestFile, manifest);
        return new InitramfsBuildResult(true, image, reason, plan, decision);
    }

    /// <summary>True when the stored image was built from exactly these inputs (and the compression that would be chosen now).</summary>
    internal static bool IsCurrent(HostRoot root, InitramfsInputs inputs, InitramfsCompression? compression = null)
    {
        var manifestFile = root.Resolve(ManifestPath(inputs.Release));
        if (!File.Exists(root.Resolve(ImagePath(inputs.Release))) || !File.Exists(manifestFile))
        {
            return false;
        }

        var previous = InputFile.ReadAllText(manifestFile, InputLimits.SystemText, "the initramfs manifest");
        var decision = CompressionChoice.Decide(root, inputs.Release, inputs.Config, compression, previous);
        return previous == Manifest(inputs.Release, new InitramfsPlanner(root).Plan(inputs), decision);
    }

    private static string? CompressionLine(string manifest) =>
        manifest.Split('\n').FirstOrDefault(l => l.StartsWith("compression ", StringComparison.Ordinal));

    /// <summary>Writes the plan as an uncompressed cpio newc archive.</summary>
    public static void WriteCpio(Stream output, InitramfsPlan plan)
    {
        var cpio = new CpioNewcWriter(output);
        foreach (var e in plan.Entries)
        {
            switch (e.Kind)
            {
                case InitramfsEntryKind.Directory: cpio.AddDirectory(e.Path, e.Permissions); break;
                case InitramfsEntryKind.Symlink: cpio.AddSymlink(e.Path, e.Target!); break;
                case InitramfsEntryKind.CharDevice: cpio.AddCharDevice(e.Path, e.Permissions, e.Major, e.Minor); break;
                case InitramfsEntryKind.File when e.Content is not null: cpio.AddFile(e.Path, e.Content, e.Permissions); break;
                default: cpio.AddFile(e.Path, e.Source!, e.Permissions); break;
            }
        }

        cpio.Finish();
    }

    /// <summary>A header, the compression, then one line per entry: kind, mode, path, and the SHA-256 of its bytes or its link target.</summary>
    public static string Manifest(string release, InitramfsPlan plan, CompressionDecision compression)
    {
        var text = new StringBuilder();
        text.Append($"nkdump-initramfs {FormatVersion} {release}\n");
        text.Append(compression.ManifestLine).Append('\n');
        foreach (var e in plan.Entries)
        {
            var what = e.Kind switch
            {
                InitramfsEntryKind.File => e.Content is not null ? Sha256.HashHex(e.Content) : HashFile(e.Source!),
                InitramfsEntryKind.Symlink => "-> " + e.Target,
                InitramfsEntryKind.CharDevice => $"c {e.Major}:{e.Minor}",
                _ => "dir",
            };
            text.Append($"{e.Kind.ToString().ToLowerInvariant()} {Convert.ToString(e.Permissions, 8)} {e.Path} {what}\n");
        }

        return text.ToString();
    }

    private static string HashFile(string path)
    {
        try
        {
            using var file = InputFile.OpenRegular(path, "an input of the capture initramfs");
            return Sha256.HashHex(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"cannot read {path} for the capture initramfs: {e.Message}", e);
        }
    }
}
