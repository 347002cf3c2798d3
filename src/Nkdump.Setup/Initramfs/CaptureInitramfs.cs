namespace Nkdump.Setup.Initramfs;

/// <summary>Where the capture initramfs and its manifest live (paths inside the root).</summary>
public static partial class CaptureInitramfs
{
    public const string StateDirectory = Files.StateDirectory.Path;

    /// <summary>The image for a kernel release: /var/lib/nkdump/initramfs-RELEASE.img.</summary>
    public static string ImagePath(string release) => $"{StateDirectory}/initramfs-{release}.img";

    /// <summary>The checksums of the inputs the image was built from, beside it.</summary>
    public static string ManifestPath(string release) => $"{StateDirectory}/initramfs-{release}.manifest";
}
