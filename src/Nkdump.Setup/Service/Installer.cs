using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Service;

/// <summary>
/// `nkdump install` / `uninstall`: puts the binary, the systemd unit (with the kdump.service alias
/// when no other kdump service exists) and a default kdump.conf (only when there is none) under the
/// root, and records each in a manifest; uninstall removes exactly the recorded files that are still
/// as installed, and says which it kept because they were changed since.
/// </summary>
public sealed class Installer(HostRoot root, TextWriter log)
{
    public const string ManifestPath = "/var/lib/nkdump/install-manifest";
    public const string BinaryPath = "/usr/sbin/nkdump";
    public const string ConfigPath = "/etc/kdump.conf";

    /// <summary>The default kdump.conf: kdump-utils' effective defaults, written out.</summary>
    public const string DefaultConfig =
        "# kdump.conf for nkdump; see kdump.conf(5). 'nkdump config show' prints the effective settings.\n"
        + "# One dump target at most, e.g.:\n"
        + "#   ext4 UUID=...        xfs LABEL=...        nfs server:/export        ssh user@host\n"
        + "#   raw /dev/sdX\n"
        + "auto_reset_crashkernel yes\n"
        + "path /var/crash\n"
        + "core_collector makedumpfile -l --message-level 7 -d 31\n"
        + "# filter zero,cache,cache_private,user,free    (nkdump: sets the collector's dump level)\n"
        + "# dracut_args --compress=xz    (nkdump reads only the capture initramfs' compression from it;\n"
        + "#                               default zstd when the kernel has CONFIG_RD_ZSTD, else gzip)\n"
        + "# keep_dumps 5            (nkdump: at most 5 dumps stay; older ones are removed, oldest first, by the\n"
        + "#                          capture kernel before it saves a new one, and by 'nkdump prune')\n"
        + "# keep_free_space 2G      (nkdump: old dumps are removed until 2G stay free besides the new dump)\n"
        + "# report_hook /usr/local/sbin/crash-mail   (nkdump: run at boot by 'nkdump report' for each new dump,\n"
        + "#                          the triage JSON on its stdin, NKDUMP_DUMP and NKDUMP_SIGNATURE set)\n"
        + "# failure_action reboot\n"
        + "# final_action reboot\n";

    public void Install(string binarySource)
    {
        if (!File.Exists(binarySource))
        {
            throw new NkdumpException($"{binarySource} does not exist");
        }

        var previous = ReadManifest();
        var entries = new List<ManifestEntry>();
        var alias = !SystemdUnit.UnitDirectories.Any(d => Path.Exists(root.Resolve($"{d}/{SystemdUnit.AliasName}")))
            || previous.Any(e => e.Path == $"{SystemdUnit.Directory}/{SystemdUnit.AliasName}");

        // Check everything before writing anything: no half-installed system.
        var unitPath = $"{SystemdUnit.Directory}/{SystemdUnit.Name}";
        foreach (var path in new[] { BinaryPath, unitPath })
        {
            var real = root.Resolve(path);
            if (File.Exists(real) && !previous.Any(e => e.Path == path && e.Hash == Hash(real)))
            {
                throw new NkdumpException($"{real} exists and was not installed by nkdump (or was changed since): remove it first");
            }
        }

        // Directories that do not exist yet are nkdump's too (kept from an earlier install).
        var created = previous.Where(e => e.Kind == "dir").ToList();
        foreach (var path in new[] { BinaryPath, unitPath, ConfigPath, ManifestPath })
        {
            for (var dir = Path.GetDirectoryName(path); dir is { Length: > 1 } && !Directory.Exists(root.Resolve(dir)); dir = Path.GetDirectoryName(dir))
            {
                if (!created.Any(e => e.Path == dir))
                {
                    created.Add(new ManifestEntry("dir", "-", dir));
                }
            }
        }

        entries.Add(WriteFile(BinaryPath, InputFile.ReadAllBytes(binarySource, InputLimits.InitramfsInput, "the nkdump binary"), 0x1ED));
        entries.Add(WriteFile(unitPath, System.Text.Encoding.UTF8.GetBytes(SystemdUnit.Text(alias)), 0x1A4));
        if (alias)
        {
            var link = $"{SystemdUnit.Directory}/{SystemdUnit.AliasName}";
            var real = root.Resolve(link);
            if (!Path.Exists(real))
            {
                File.CreateSymbolicLink(real, SystemdUnit.Name);
            }

            entries.Add(new ManifestEntry("link", SystemdUnit.Name, link));
            log.WriteLine($"installed {link} -> {SystemdUnit.Name} (no other kdump service is installed)");
        }
        else
        {
            log.WriteLine($"another {SystemdUnit.AliasName} is installed: enable {SystemdUnit.Name} instead");
        }

        var previousConfig = previous.FirstOrDefault(e => e.Path == ConfigPath);
        if (!File.Exists(root.Resolve(ConfigPath)))
        {
            entries.Add(WriteFile(ConfigPath, System.Text.Encoding.UTF8.GetBytes(DefaultConfig), 0x1A4));
        }
        else if (previousConfig is not null)
        {
            entries.Add(previousConfig);
        }
        else
        {
            log.WriteLine($"kept the existing {root.Resolve(ConfigPath)}");
        }

        entries.AddRange(created);
        StateDirectory.Ensure(root);
        AtomicFile.WriteText(root.Resolve(ManifestPath), string.Concat(entries.Select(e => $"{e.Kind} {e.Hash} {e.Path}\n")));
        log.WriteLine($"installed {root.Resolve(BinaryPath)} and {root.Resolve(unitPath)}; enable with: systemctl enable --now {(alias ? SystemdUnit.AliasName : SystemdUnit.Name)}");
    }

    /// <summary>Removes what the manifest lists, then the manifest. Returns the paths kept because they changed.</summary>
    public IReadOnlyList<string> Uninstall()
    {
        if (!File.Exists(root.Resolve(ManifestPath)))
        {
            throw new NkdumpException($"{root.Resolve(ManifestPath)} does not exist: nothing was installed by 'nkdump install' here");
        }

        var kept = new List<string>();
        var entries = ReadManifest();
        foreach (var entry in entries.Where(e => e.Kind != "dir"))
        {
            var real = root.Resolve(entry.Path);
            var info = new FileInfo(real);
            if (entry.Kind == "link")
            {
                if (info.LinkTarget == entry.Hash)
                {
                    info.Delete();
                    log.WriteLine($"removed {real}");
                }

                continue;
            }

            if (!info.Exists)
            {
                continue;
            }

            if (Hash(real) != entry.Hash)
            {
                kept.Add(real);
                log.WriteLine($"kept {real}: it was changed after install");
                continue;
            }

            info.Delete();
            log.WriteLine($"removed {real}");
        }

        File.Delete(root.Resolve(ManifestPath));

        // Directories install created, deepest first, when nothing else was put in them since.
        foreach (var dir in entries.Where(e => e.Kind == "dir").OrderByDescending(e => e.Path.Length))
        {
            var real = root.Resolve(dir.Path);
            if (Directory.Exists(real) && !Directory.EnumerateFileSystemEntries(real).Any())
            {
                Directory.Delete(real);
            }
        }

        return kept;
    }

    private ManifestEntry WriteFile(string path, byte[] content, int mode)
    {
        var real = root.Resolve(path);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        AtomicFile.Write(real, content, mode: (UnixFileMode)mode);
        return new ManifestEntry("file", Sha256.HashHex(content), path);
    }

    private List<ManifestEntry> ReadManifest()
    {
        var text = root.TryReadText(ManifestPath);
        if (text is null)
        {
            return [];
        }

        var entries = new List<ManifestEntry>();
        var number = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            number++;
            var parts = line.Split(' ', 3);
            if (parts.Length != 3 || parts[0] is not ("file" or "link" or "dir") || !parts[2].StartsWith('/') || parts[2].Split('/').Contains(".."))
            {
                throw new NkdumpException($"{root.Resolve(ManifestPath)}:{number}: not a manifest line: '{line}'");
            }

            entries.Add(new ManifestEntry(parts[0], parts[1], parts[2]));
        }

        return entries;
    }

    private static string Hash(string path)
    {
        using var file = InputFile.OpenRegular(path, "an installed file");
        return Sha256.HashHex(file);
    }

    /// <summary>A manifest line: "file SHA256 PATH", "link TARGET PATH" or "dir - PATH".</summary>
    private sealed record ManifestEntry(string Kind, string Hash, string Path);
}
