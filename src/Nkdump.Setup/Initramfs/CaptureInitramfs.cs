namespace Nkdump.Setup.Initramfs;

/// <summary>Where the capture initramfs and its manifest live (paths inside the root).</summary>
public static partial class CaptureInitramfs
{
    public const string Directory = "/var/lib/nkdump";

    /// <summary>The image for a kernel release: /var/lib/nkdump/initramfs-RELEASE.img.</summary>
    public static string ImagePath(string release) => $"{Directory}/initramfs-{release}.img";

    /// <summary>The checksums of the inputs the image was built from, beside it.</summary>
    public static string ManifestPath(string release) => $"{Directory}/initramfs-{release}.manifest";
}
