using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Import;

/// <summary>Which tool's configuration `nkdump config import` reads.</summary>
public enum ImportSource
{
    KdumpTools,
    KdumpUtils,
}

/// <summary>
/// `nkdump config import`: the equivalent kdump.conf of a kdump-tools or kdump-utils setup. The
/// result is checked by nkdump's own parser before anything is written; an existing kdump.conf is
/// kept as kdump.conf.nkdump-import-bak (an older backup is never overwritten: the import stops).
/// </summary>
public sealed class ConfigImport(HostRoot root)
{
    public const string BackupSuffix = ".nkdump-import-bak";

    /// <summary>The source on this root: kdump-tools when /etc/default/kdump-tools exists, else kdump-utils when /etc/sysconfig/kdump does.</summary>
    public ImportSource Detect() =>
        File.Exists(root.Resolve(KdumpToolsImport.DefaultsFile)) ? ImportSource.KdumpTools
        : File.Exists(root.Resolve(KdumpUtilsImport.SysconfigFile)) ? ImportSource.KdumpUtils
        : throw new NkdumpException($"nothing to import: neither {root.Resolve(KdumpToolsImport.DefaultsFile)} (kdump-tools) nor {root.Resolve(KdumpUtilsImport.SysconfigFile)} (kdump-utils) exists");

    /// <summary>Reads the source and converts it; the text is valid kdump.conf (else a <see cref="ConfigException"/>).</summary>
    public ImportResult Convert(ImportSource source)
    {
        ImportResult result;
        if (source == ImportSource.KdumpTools)
        {
            var file = KdumpToolsImport.DefaultsFile;
            var text = Read(file) ?? throw new NkdumpException($"{root.Resolve(file)} does not exist: kdump-tools is not configured here");
            result = KdumpToolsImport.Convert(text, file);
        }
        else
        {
            var conf = Read(KdumpConfig.DefaultFile);
            var sysconfig = Read(KdumpUtilsImport.SysconfigFile);
            if (conf is null && sysconfig is null)
            {
                throw new NkdumpException($"neither {root.Resolve(KdumpConfig.DefaultFile)} nor {root.Resolve(KdumpUtilsImport.SysconfigFile)} exists: kdump-utils is not configured here");
            }

            result = KdumpUtilsImport.Convert(conf, KdumpConfig.DefaultFile, sysconfig, KdumpUtilsImport.SysconfigFile);
        }

        KdumpConfigParser.Parse(result.Text, $"{KdumpConfig.DefaultFile} (imported)");
        return result;
    }

    /// <summary>Writes the imported kdump.conf; returns the backup's path when an existing file was kept.</summary>
    public string? Write(ImportResult result)
    {
        var target = root.Resolve(KdumpConfig.DefaultFile);
        string? backup = null;
        if (File.Exists(target))
        {
            backup = target + BackupSuffix;
            if (Path.Exists(backup))
            {
                throw new NkdumpException($"{backup} exists from an earlier import: move it away first (the import never overwrites a backup)");
            }

            File.Copy(target, backup);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        AtomicFile.WriteText(target, result.Text, mode: (UnixFileMode)0x1A4);
        return backup;
    }

    private string? Read(string path) =>
        File.Exists(root.Resolve(path)) ? InputFile.ReadAllText(root.Resolve(path), InputLimits.SystemText, path) : null;
}
