namespace Nkdump.Config;

/// <summary>
/// The compressions the kernel can unpack an initramfs from (init/Kconfig's CONFIG_RD_*, lib/decompress.c):
/// gzip, bzip2, lzma, xz, lzo, lz4 (legacy frame) and, since Linux 5.9, zstd.
/// </summary>
public enum InitramfsCompression
{
    Gzip,
    Zstd,
    Xz,
    Lz4,
    Lzma,
    Bzip2,
    Lzo,
}

/// <summary>Names of <see cref="InitramfsCompression"/> as users write them (dracut's --compress, nkdump's --compress).</summary>
public static class InitramfsCompressionNames
{
    public static IReadOnlyList<InitramfsCompression> All { get; } =
        [InitramfsCompression.Gzip, InitramfsCompression.Zstd, InitramfsCompression.Xz, InitramfsCompression.Lz4,
         InitramfsCompression.Lzma, InitramfsCompression.Bzip2, InitramfsCompression.Lzo];

    /// <summary>The list for messages: "gzip, zstd, xz, lz4, lzma, bzip2, lzo".</summary>
    public static string List => string.Join(", ", All.Select(Of));

    public static string Of(InitramfsCompression compression) => compression switch
    {
        InitramfsCompression.Gzip => "gzip",
        InitramfsCompression.Zstd => "zstd",
        InitramfsCompression.Xz => "xz",
        InitramfsCompression.Lz4 => "lz4",
        InitramfsCompression.Lzma => "lzma",
        InitramfsCompression.Bzip2 => "bzip2",
        _ => "lzo",
    };

    /// <summary>
    /// A compression by name, or by the compressor program dracut would run for it
    /// (pigz, pbzip2, lzop; a path such as /usr/bin/xz is taken by its last part).
    /// </summary>
    public static bool TryParse(string text, out InitramfsCompression compression)
    {
        var name = text[(text.LastIndexOf('/') + 1)..];
        (var ok, compression) = name switch
        {
            "gzip" or "pigz" => (true, InitramfsCompression.Gzip),
            "zstd" => (true, InitramfsCompression.Zstd),
            "xz" => (true, InitramfsCompression.Xz),
            "lz4" => (true, InitramfsCompression.Lz4),
            "lzma" => (true, InitramfsCompression.Lzma),
            "bzip2" or "pbzip2" => (true, InitramfsCompression.Bzip2),
            "lzo" or "lzop" => (true, InitramfsCompression.Lzo),
            _ => (false, InitramfsCompression.Gzip),
        };
        return ok;
    }
}
