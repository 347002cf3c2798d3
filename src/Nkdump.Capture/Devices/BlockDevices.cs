namespace Nkdump.Capture.Devices;

/// <summary>
/// Finds the device a kdump.conf target names: a path (/dev/vdb1, /dev/disk/by-…), UUID=, LABEL=
/// or PARTUUID=. The /dev/disk/by-* links are tried first (present when udev ran); then every block
/// device in /sys/class/block is probed for its superblock, because the capture initramfs has only
/// devtmpfs, which creates /dev/NAME but none of udev's links.
/// </summary>
internal sealed class BlockDevices(CaptureRoot root)
{
    /// <summary>The device node for <paramref name="spec"/> (a path under the root), or null when there is none.</summary>
    public string? Resolve(string spec)
    {
        var (kind, value) = Split(spec);
        if (kind is null)
        {
            var path = root.Resolve(spec);
            return File.Exists(path) ? path : null; // true for device nodes too: anything but a directory
        }

        var link = root.Resolve($"/dev/disk/by-{kind}/{value}");
        if (File.Exists(link))
        {
            return link;
        }

        if (kind == "partuuid")
        {
            return null; // partition-table UUIDs need a partition-table reader; udev's link is the only source here
        }

        foreach (var device in Candidates())
        {
            var identity = Superblock.Probe(device);
            if (identity is not null && (kind == "uuid"
                    ? string.Equals(identity.Uuid, value, StringComparison.OrdinalIgnoreCase)
                    : identity.Label == value))
            {
                return device;
            }
        }

        return null;
    }

    /// <summary>The device nodes of the block devices the kernel knows, in name order.</summary>
    public IEnumerable<string> Candidates()
    {
        var sysBlock = root.Resolve("/sys/class/block");
        if (!Directory.Exists(sysBlock))
        {
            yield break;
        }

        foreach (var name in Directory.EnumerateFileSystemEntries(sysBlock).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            var node = root.Resolve("/dev/" + name);
            if (File.Exists(node))
            {
                yield return node;
            }
        }
    }

    /// <summary>("uuid", value), ("label", value), ("partuuid", value) or (null, spec) for a path.</summary>
    public static (string? Kind, string Value) Split(string spec)
    {
        foreach (var (prefix, kind) in new[] { ("UUID=", "uuid"), ("LABEL=", "label"), ("PARTUUID=", "partuuid") })
        {
            if (spec.StartsWith(prefix, StringComparison.Ordinal))
            {
                var value = spec[prefix.Length..].Trim('"');
                return (kind, kind == "label" ? value : value.ToLowerInvariant());
            }
        }

        return (null, spec);
    }
}
