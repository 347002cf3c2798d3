using System.IO.Compression;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Initramfs;

/// <summary>The outcome of <see cref="CaptureInitramfs.Build"/>.</summary>
public sealed record InitramfsBuildResult(bool Rebuilt, string ImagePath, string Reason, InitramfsPlan Plan);

/// <summary>
/// Builds the capture initramfs: a gzip-compressed cpio newc archive (gzip because every kernel
/// with initramfs support has CONFIG_RD_GZIP, and .NET compresses it without outside tools).
/// Like kdumpctl, it is rebuilt only when an input changed: a manifest beside the image lists every
/// entry with the SHA-256 of its bytes, and a build whose manifest matches the stored one does nothing.
/// </summary>
public static partial class CaptureInitramfs
{
    /// <summary>Bumped whenever the image layout changes, so old images are rebuilt.</summary>
    public const int FormatVersion = 1;

    /// <param name="force">Rebuild even when the manifest matches (the `rebuild` verb, force_rebuild 1).</param>
    public static InitramfsBuildResult Build(HostRoot root, InitramfsInputs inputs, bool force)
    {
        var plan = new InitramfsPlanner(root).Plan(inputs);
        var manifest = Manifest(inputs.Release, plan);
        var image = root.Resolve(ImagePath(inputs.Release));
        var manifestFile = root.Resolve(ManifestPath(inputs.Release));
        string reason;
        if (force)
        {
            reason = "rebuild requested";
        }
        else if (!File.Exists(image))
        {
            reason = "no image yet";
        }
        else if (!File.Exists(manifestFile) || File.ReadAllText(manifestFile) != manifest)
        {
            reason = "an input changed";
        }
        else
        {
            return new InitramfsBuildResult(false, image, "inputs unchanged", plan);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        using (var buffer = new MemoryStream())
        {
            using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                WriteCpio(gzip, plan);
            }

            AtomicFile.Write(image, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), mode: UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // The manifest goes last: an interrupted build leaves a manifest that does not match.
        AtomicFile.WriteText(manifestFile, manifest);
        return new InitramfsBuildResult(true, image, reason, plan);
    }

    /// <summary>True when the stored image was built from exactly these inputs.</summary>
    public static bool IsCurrent(HostRoot root, InitramfsInputs inputs)
    {
        var manifestFile = root.Resolve(ManifestPath(inputs.Release));
        return File.Exists(root.Resolve(ImagePath(inputs.Release))) && File.Exists(manifestFile)
            && File.ReadAllText(manifestFile) == Manifest(inputs.Release, new InitramfsPlanner(root).Plan(inputs));
    }

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

    /// <summary>One line per entry: kind, mode, path, and the SHA-256 of its bytes or its link target.</summary>
    public static string Manifest(string release, InitramfsPlan plan)
    {
        var text = new StringBuilder();
        text.Append($"nkdump-initramfs {FormatVersion} gzip {release}\n");
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
            using var file = File.OpenRead(path);
            return Sha256.HashHex(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"cannot read {path} for the capture initramfs: {e.Message}", e);
        }
    }
}
