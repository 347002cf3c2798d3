using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Boot;

/// <summary>One Boot Loader Specification entry file and its kernel options.</summary>
internal sealed record BootLoaderEntry(string Path, string Text, int OptionsLine, string? Options)
{
    /// <summary>The entry's options take them from GRUB's environment (RHEL 8's <c>$kernelopts</c>): only grubby can edit them.</summary>
    public bool UsesVariables => Options?.Contains('$') ?? false;

    /// <summary>The file with crashkernel=VALUE in its options line (an options line is added when there is none).</summary>
    public string WithCrashkernel(string value)
    {
        var lines = Text.Split('\n').ToList();
        if (OptionsLine < 0)
        {
            var at = lines.Count > 0 && lines[^1].Length == 0 ? lines.Count - 1 : lines.Count;
            lines.Insert(at, $"options crashkernel={value}");
            return string.Join('\n', lines);
        }

        var edited = KernelCommandLineText.SetCrashkernel(Options!, value);
        if (ReferenceEquals(edited, Options))
        {
            return Text;
        }

        var line = lines[OptionsLine];
        var start = line.IndexOf("options", StringComparison.Ordinal) + "options".Length;
        var separator = line[start..].Length - line[start..].TrimStart().Length;
        lines[OptionsLine] = line[..(start + Math.Max(separator, 1))] + edited;
        return string.Join('\n', lines);
    }
}

/// <summary>
/// The Boot Loader Specification Type #1 entries (/boot/loader/entries/*.conf and the same under
/// /efi and /boot/efi), which grubby edits on Fedora and RHEL and kernel-install writes for systemd-boot.
/// </summary>
internal static class BootLoaderEntries
{
    public static readonly string[] Directories = ["/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"];

    public static IReadOnlyList<BootLoaderEntry> Find(HostRoot root)
    {
        var entries = new List<BootLoaderEntry>();
        foreach (var dir in Directories)
        {
            var real = root.Resolve(dir);
            if (!Directory.Exists(real))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(real, "*.conf").Order(StringComparer.Ordinal))
            {
                string text;
                try
                {
                    text = InputFile.ReadAllText(file, InputLimits.BootLoaderEntry, "a boot loader entry");
                }
                catch (IOException)
                {
                    continue; // larger than any entry, or not a regular file: not an entry
                }

                entries.Add(Parse($"{dir}/{Path.GetFileName(file)}", text));
            }
        }

        return entries;
    }

    /// <summary>Reads an entry: "key value" lines; the kernel's parameters are on the (last) options line.</summary>
    public static BootLoaderEntry Parse(string path, string text)
    {
        var lines = text.Split('\n');
        var optionsLine = -1;
        string? options = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            if (line.StartsWith("options", StringComparison.Ordinal) && (line.Length == 7 || line[7] is ' ' or '\t'))
            {
                optionsLine = i;
                options = line[7..].Trim();
            }
        }

        return new BootLoaderEntry(path, text, optionsLine, options);
    }
}
