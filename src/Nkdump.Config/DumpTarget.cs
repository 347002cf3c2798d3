namespace Nkdump.Config;

/// <summary>Where a dump goes, as kdump.conf's target directives say.</summary>
public enum DumpTargetKind
{
    /// <summary>No target directive: the file system that holds <c>path</c> on the running system.</summary>
    RootFileSystem,

    /// <summary><c>raw DEVICE</c>: the dump is written (flattened) straight onto a block device.</summary>
    Raw,

    /// <summary><c>nfs server:/export</c>.</summary>
    Nfs,

    /// <summary><c>ssh user@host</c>: the dump is streamed (flattened) to a remote machine.</summary>
    Ssh,

    /// <summary>nkdump's <c>s3 ENDPOINT BUCKET[/PREFIX]</c>: the dump is uploaded (flattened) to an S3-compatible object store.</summary>
    S3,

    /// <summary><c>FSTYPE DEVICE</c>: a local file system (ext2/3/4, xfs, btrfs, minix) or a virtiofs tag.</summary>
    FileSystem,
}

/// <summary>
/// The dump target: its kind, the value after the directive (device, UUID=…, LABEL=…, server:/export,
/// user@host) and, for file systems, the type.
/// </summary>
public sealed record DumpTarget(DumpTargetKind Kind, string Directive, string Value, int Line)
{
    /// <summary>The target used when kdump.conf names none.</summary>
    public static DumpTarget Default { get; } = new(DumpTargetKind.RootFileSystem, "", "", 0);

    /// <summary>The file-system type to mount (ext4, xfs, nfs, virtiofs…), or null for raw, ssh and the default.</summary>
    public string? FileSystemType => Kind switch
    {
        DumpTargetKind.FileSystem => Directive,
        DumpTargetKind.Nfs => "nfs",
        _ => null,
    };

    /// <summary>raw and ssh targets receive a stream, so the collector must write the flattened format.</summary>
    public bool NeedsFlattened => Kind is DumpTargetKind.Raw or DumpTargetKind.Ssh or DumpTargetKind.S3;

    /// <summary>The local file systems kdump-utils supports as <c>FSTYPE DEVICE</c> directives.</summary>
    public static IReadOnlySet<string> FileSystemDirectives { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "virtiofs" };
}
