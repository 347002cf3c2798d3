using Nkdump.Config;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The options a kernel release was built with, from the config file distributions install beside
/// it (/boot/config-RELEASE on Debian and Fedora; /lib/modules/RELEASE/config on some). Used to
/// refuse an initramfs compression the capture kernel could not unpack.
/// </summary>
internal sealed class KernelBuildConfig
{
    private readonly HashSet<string> _enabled;

    private KernelBuildConfig(string path, HashSet<string> enabled)
    {
        Path = path;
        _enabled = enabled;
    }

    /// <summary>Where the file was found, inside the root.</summary>
    public string Path { get; }

    /// <summary>The config of <paramref name="release"/> under the root, or null when none is installed.</summary>
    public static KernelBuildConfig? Load(HostRoot root, string release)
    {
        var path = root.FirstExisting($"/boot/config-{release}", $"/lib/modules/{release}/config", $"/usr/lib/modules/{release}/config");
        if (path is null)
        {
            return null;
        }

        var real = root.Resolve(path);
        var enabled = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in InputFile.ReadLines(real, InputLimits.KernelBuildConfig, "the kernel config"))
            {
                // "CONFIG_RD_ZSTD=y"; unset options appear as "# CONFIG_RD_ZSTD is not set".
                var eq = line.IndexOf('=');
                if (line.StartsWith("CONFIG_", StringComparison.Ordinal) && eq > 0 && line[(eq + 1)..] is "y" or "m")
                {
                    enabled.Add(line[..eq]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Formats.NkdumpException($"cannot read the kernel config {real}: {e.Message}", e);
        }

        return new KernelBuildConfig(path, enabled);
    }

    public bool IsEnabled(string option) => _enabled.Contains(option);

    /// <summary>The option that lets the kernel unpack an initramfs of this compression (init/Kconfig's RD_*).</summary>
    public static string OptionFor(InitramfsCompression compression) =>
        "CONFIG_RD_" + InitramfsCompressionNames.Of(compression).ToUpperInvariant();

    public bool CanUnpack(InitramfsCompression compression) => IsEnabled(OptionFor(compression));
}
