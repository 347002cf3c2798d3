namespace Nkdump.Setup.Initramfs;

/// <summary>
/// A dm-crypt device (LUKS) under a dump target or the root file system, found in sysfs: the
/// device or any device below it (an LVM volume on LUKS, LUKS on md) is a dm-N whose dm/uuid starts
/// with "CRYPT-" ("CRYPT-LUKS2-&lt;uuid&gt;-&lt;name&gt;" for LUKS2). The capture kernel can open it only
/// with the volume key, and nkdump never writes a key or passphrase into the initramfs: the one
/// safe way is the kernel's own hand-over (CONFIG_CRASH_DM_CRYPT, Linux 6.16+, x86_64): the first
/// kernel names the keyring keys in /sys/kernel/config/crash_dm_crypt_keys before
/// kexec_file_load, which copies them into the reserved memory and passes dmcryptkeys= to the
/// capture kernel, whose user space writes to .../restore to get them back in its keyring for
/// cryptsetup. nkdump does not do that hand-over yet, so such a target is refused with the reason.
/// </summary>
internal sealed record EncryptedVolume(string Device, string MapperName, string Kind)
{
    public const string KernelOption = "CONFIG_CRASH_DM_CRYPT";
    private const int MaxDepth = 8;

    /// <summary>The encrypted device under a kdump.conf device value, or null when nothing under it is dm-crypt.</summary>
    public static EncryptedVolume? Find(HostRoot root, string deviceValue) =>
        BlockDeviceSysfs.Find(root, deviceValue) is { } name ? Below(root, name, 0) : null;

    private static EncryptedVolume? Below(HostRoot root, string name, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        var uuid = root.TryReadText($"/sys/class/block/{name}/dm/uuid")?.Trim();
        if (uuid is not null && uuid.StartsWith("CRYPT-", StringComparison.Ordinal))
        {
            var kind = uuid.Split('-') is { Length: > 2 } parts ? parts[1] : "dm-crypt";
            return new EncryptedVolume(name, root.TryReadText($"/sys/class/block/{name}/dm/name")?.Trim() ?? name, kind);
        }

        return BlockDeviceSysfs.Slaves(root, name).Select(s => Below(root, s, depth + 1)).FirstOrDefault(v => v is not null);
    }

    /// <summary>Why the capture cannot use this device with kernel <paramref name="release"/> (whose config is <paramref name="config"/>, null when none is installed).</summary>
    public string Refusal(string release, KernelBuildConfig? config)
    {
        var what = $"the dump target or root file system is on the {Kind} encrypted device {MapperName} ({Device})";
        var kernel = config is null
            ? $"no kernel config of {release} is installed to tell whether it has {KernelOption}"
            : config.IsEnabled(KernelOption)
                ? $"the capture kernel {release} has {KernelOption}, but nkdump does not hand the volume key over through /sys/kernel/config/crash_dm_crypt_keys yet"
                : $"the capture kernel {release} is built without {KernelOption} (Linux 6.16+, x86_64), the only way to give it the volume key ({config.Path})";
        return $"{what}: {kernel}; nkdump never writes a key or passphrase into the initramfs. Dump to an unencrypted file system or raw device, or over ssh or NFS";
    }
}
