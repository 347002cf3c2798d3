using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Initramfs;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

/// <summary>
/// Every compression the kernel unpacks, checked by the real decompressor piped into cpio -t, and
/// the choice among them: default by the kernel's config, kdump.conf's dracut_args, --compress.
/// </summary>
public class InitramfsCompressionTests
{
    private const string AllCompressions =
        "CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\nCONFIG_RD_BZIP2=y\nCONFIG_RD_LZMA=y\nCONFIG_RD_XZ=y\nCONFIG_RD_LZO=y\nCONFIG_RD_LZ4=y\nCONFIG_RD_ZSTD=y\n";

    private static InitramfsBuildResult Build(TempRoot t, InitramfsCompression? compression = null, bool force = false, InitramfsCompressor? compressor = null)
    {
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return CaptureInitramfs.Build(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force, compression, compressor);
    }

    /// <summary>The image's names as the real decompressor and cpio see them.</summary>
    private static List<string> ListWithRealTools(string image, string decompressor)
    {
        var result = ExternalTool.Run("bash", ["-c", $"set -o pipefail; {decompressor} '{image}' | cpio -t --quiet"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>
    /// The kernel allocates the frame's window to unpack a zstd image inside the crash reservation:
    /// the frame must ask for 128 KiB, not level 15's default 4 MiB (RFC 8878 3.1.1.1: the window
    /// descriptor follows the frame header descriptor when the single-segment flag is clear).
    /// </summary>
    [Fact]
    public void ZstdImageAsksForASmallWindow()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ext4 UUID=1234\npath /crash\n");
        t.Write($"/boot/config-{FakeSystem.Release}", AllCompressions);
        var image = File.ReadAllBytes(Build(t, InitramfsCompression.Zstd).ImagePath);
        var descriptor = image[4];
        Assert.Equal(0, descriptor & 0x20);
        var exponent = image[5] >> 3;
        var mantissa = image[5] & 7;
        var windowBase = 1L << (10 + exponent);
        Assert.Equal(128 << 10, windowBase + (windowBase / 8 * mantissa));
    }

    [Theory]
    [InlineData(InitramfsCompression.Gzip, "gzip -dc", "1F8B")]
    [InlineData(InitramfsCompression.Zstd, "zstd -dc", "28B52FFD")]
    [InlineData(InitramfsCompression.Xz, "xz -dc", "FD377A585A000001")] // stream flags: CRC32, the check the kernel's xz decoder verifies
    [InlineData(InitramfsCompression.Lz4, "lz4 -dc", "02214C18")] // the legacy frame, the only one the kernel's unlz4 reads
    [InlineData(InitramfsCompression.Lzma, "xz --format=lzma -dc", "5D")]
    [InlineData(InitramfsCompression.Bzip2, "bzip2 -dc", "425A6839")]
    [InlineData(InitramfsCompression.Lzo, "lzop -dc", "894C5A4F")]
    public void EachCompressionUnpacksWithTheRealToolAndHoldsTheImage(InitramfsCompression compression, string decompressor, string magic)
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ext4 UUID=1234\npath /crash\n");
        t.Write($"/boot/config-{FakeSystem.Release}", AllCompressions);
        var result = Build(t, compression);
        Assert.True(result.Rebuilt);
        Assert.Equal(compression, result.Compression!.Compression);
        Assert.StartsWith(magic, Convert.ToHexString(File.ReadAllBytes(result.ImagePath).AsSpan(0, magic.Length / 2)));
        var names = ListWithRealTools(result.ImagePath, decompressor);
        foreach (var expected in new[] { "init", "usr/sbin/nkdump", "etc/kdump.conf", "lib/x86_64-linux-gnu/libc.so.6", "dev/console", $"lib/modules/{FakeSystem.Release}/kernel/fs/ext4/ext4.ko.xz" })
        {
            Assert.Contains(expected, names);
        }

        // The same entries in the same order as the uncompressed archive nkdump writes.
        using var plain = new MemoryStream();
        CaptureInitramfs.WriteCpio(plain, result.Plan);
        File.WriteAllBytes(t.Real("/plain.cpio"), plain.ToArray());
        Assert.Equal(ListWithRealTools(t.Real("/plain.cpio"), "cat"), names);
    }

    [Fact]
    public void DefaultIsZstdWhenTheKernelUnpacksItGzipOtherwiseAndWithoutAConfig()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        var noConfig = Build(t);
        Assert.Equal(InitramfsCompression.Gzip, noConfig.Compression!.Compression);
        Assert.Equal(CompressionSource.Default, noConfig.Compression.Source);
        Assert.Contains("no kernel config", noConfig.Compression.Note);

        t.Write($"/boot/config-{FakeSystem.Release}", AllCompressions);
        var zstd = Build(t);
        Assert.True(zstd.Rebuilt);
        Assert.Equal("the compression changed to zstd", zstd.Reason);
        Assert.Equal(InitramfsCompression.Zstd, zstd.Compression!.Compression);
        Assert.Contains("CONFIG_RD_ZSTD", zstd.Compression.Note);
        Assert.Contains("compression zstd default\n", File.ReadAllText(t.Real(CaptureInitramfs.ManifestPath(FakeSystem.Release))));

        // A 5.4 kernel: no zstd support (Linux 5.9 added it).
        t.Write($"/boot/config-{FakeSystem.Release}", "CONFIG_RD_GZIP=y\nCONFIG_RD_XZ=y\n# CONFIG_RD_ZSTD is not set\n");
        Assert.Equal(InitramfsCompression.Gzip, Build(t).Compression!.Compression);

        t.Write($"/boot/config-{FakeSystem.Release}", "CONFIG_RD_XZ=y\n");
        Assert.Equal(InitramfsCompression.Xz, Build(t).Compression!.Compression);
    }

    [Fact]
    public void ACompressionTheKernelCannotUnpackIsRefusedNamingTheOption()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\ndracut_args --compress=lz4\n");
        t.Write($"/boot/config-{FakeSystem.Release}", "CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n# CONFIG_RD_LZ4 is not set\n");
        var fromConfig = Assert.Throws<NkdumpException>(() => Build(t));
        Assert.Contains("kdump.conf:2", fromConfig.Message);
        Assert.Contains("CONFIG_RD_LZ4 is not set", fromConfig.Message);
        Assert.Contains("gzip, zstd", fromConfig.Message);
        Assert.False(File.Exists(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release))));

        var fromOption = Assert.Throws<NkdumpException>(() => Build(t, InitramfsCompression.Bzip2));
        Assert.Contains("--compress bzip2", fromOption.Message);
        Assert.Contains("CONFIG_RD_BZIP2", fromOption.Message);

        // --compress overrides kdump.conf.
        Assert.Equal(InitramfsCompression.Gzip, Build(t, InitramfsCompression.Gzip).Compression!.Compression);
    }

    [Fact]
    public void DracutArgsCompressionIsUsedAndChangingItRebuilds()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\ndracut_args --compress xz\n");
        t.Write($"/boot/config-{FakeSystem.Release}", AllCompressions);
        var xz = Build(t);
        Assert.Equal(InitramfsCompression.Xz, xz.Compression!.Compression);
        Assert.Equal(CompressionSource.Config, xz.Compression.Source);
        Assert.False(Build(t).Rebuilt);

        File.WriteAllText(t.Real("/etc/kdump.conf"), "path /var/crash\ndracut_args --compress=bzip2\n");
        var bzip2 = Build(t);
        Assert.True(bzip2.Rebuilt);
        Assert.Equal("the compression changed to bzip2", bzip2.Reason);
        Assert.Contains("BZh9", File.ReadAllText(bzip2.ImagePath)[..4]);

        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        Assert.True(CaptureInitramfs.IsCurrent(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf"))));
        Assert.False(CaptureInitramfs.IsCurrent(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), InitramfsCompression.Gzip));
    }

    [Fact]
    public void ACommandLineChoiceIsKeptByLaterBuildsUntilSomethingElseChooses()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        t.Write($"/boot/config-{FakeSystem.Release}", AllCompressions);
        Assert.Equal(InitramfsCompression.Lz4, Build(t, InitramfsCompression.Lz4, force: true).Compression!.Compression);

        // `nkdump start` (no --compress) finds the image current: it does not undo the user's choice.
        var again = Build(t);
        Assert.False(again.Rebuilt);
        Assert.Equal(CompressionSource.Option, again.Compression!.Source);
        File.AppendAllText(t.Real("/etc/kdump.conf"), "final_action poweroff\n");
        Assert.Equal(InitramfsCompression.Lz4, Build(t).Compression!.Compression);

        File.AppendAllText(t.Real("/etc/kdump.conf"), "dracut_args --zstd\n");
        var configured = Build(t);
        Assert.True(configured.Rebuilt);
        Assert.Equal(InitramfsCompression.Zstd, configured.Compression!.Compression);
    }

    [Fact]
    public void AMissingCompressorProgramIsAClearError()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        Directory.CreateDirectory(t.Real("/empty-path"));
        var e = Assert.Throws<NkdumpException>(() => Build(t, InitramfsCompression.Lzo, compressor: new InitramfsCompressor(t.Real("/empty-path"))));
        Assert.Contains("'lzop'", e.Message);
        Assert.Contains("install lzop", e.Message);
        Assert.Contains("gzip or zstd", e.Message);
        Assert.False(File.Exists(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release))));

        // gzip and zstd need no program at all.
        Assert.True(Build(t, InitramfsCompression.Zstd, compressor: new InitramfsCompressor(t.Real("/empty-path"))).Rebuilt);
    }
}
