using System.ComponentModel;
using System.Diagnostics;
using System.IO.Compression;
using Nkdump.Config;
using Nkdump.Formats;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// Compresses a cpio archive the way the kernel's initramfs unpacker reads it (lib/decompress_*.c).
/// gzip and zstd are done in-process; the others run the host's compressor as dracut does, with
/// options chosen for the capture kernel: small dictionaries (it unpacks in a small reservation),
/// CRC32 for xz (the kernel's xz decoder checks no SHA-256), the legacy frame for lz4 (the only one
/// unlz4 reads). The legacy lz4 frame has no end mark: unlz4 reads on into whatever follows, so an
/// lz4 image must be the last part of a concatenated initramfs (nkdump's image is a single part).
/// All seven, concatenated in one initrd, were unpacked by Debian's 6.1.0-56 and 6.12.117 kernels
/// under QEMU.
/// </summary>
internal sealed class InitramfsCompressor(string? searchPath = null)
{
    /// <summary>zstd level: dracut's -15; level 19 gains little on binaries and is several times slower.</summary>
    public const int ZstdLevel = 15;

    /// <summary>log2 of the zstd window: 128 KiB, what the capture kernel must allocate to unpack it.</summary>
    public const int ZstdWindowLog = 17;

    private readonly string _searchPath = searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The program and arguments that compress stdin to stdout, or null for the in-process ones.</summary>
    public static IReadOnlyList<string>? ExternalCommand(InitramfsCompression compression) => compression switch
    {
        InitramfsCompression.Xz => ["xz", "--check=crc32", "--lzma2=preset=9,dict=1MiB", "-c"],
        InitramfsCompression.Lzma => ["lzma", "--lzma1=preset=9,dict=1MiB", "-c"],
        InitramfsCompression.Bzip2 => ["bzip2", "-9", "-c"],
        InitramfsCompression.Lz4 => ["lz4", "-l", "-9", "-c"],
        InitramfsCompression.Lzo => ["lzop", "-9", "-c"],
        _ => null,
    };

    /// <summary>The Debian/Fedora package that has each external compressor, for the error message.</summary>
    private static string PackageOf(string program) => program switch
    {
        "xz" or "lzma" => "xz-utils (xz on Fedora)",
        "lzop" => "lzop",
        "lz4" => "lz4",
        _ => program,
    };

    public byte[] Compress(InitramfsCompression compression, ReadOnlySpan<byte> cpio)
    {
        switch (compression)
        {
            case InitramfsCompression.Gzip:
                {
                    using var buffer = new MemoryStream();
                    using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
                    {
                        gzip.Write(cpio);
                    }

                    return buffer.ToArray();
                }

            case InitramfsCompression.Zstd:
                {
                    using var zstd = new Compressor(ZstdLevel);
                    // A checksum, as the zstd program writes by default; the kernel verifies it.
                    zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);

                    // The kernel's unpacker (lib/decompress_unzstd.c) allocates a workspace the size
                    // of the frame's window inside the small crash reservation: level 15's 4 MiB
                    // window made the smallest working crashkernel= 8 MiB larger than gzip's
                    // (docs/BENCHMARKS.md, issue 7). 128 KiB keeps the image smaller than gzip's.
                    zstd.SetParameter(ZSTD_cParameter.ZSTD_c_windowLog, ZstdWindowLog);
                    return zstd.Wrap(cpio).ToArray();
                }

            default:
                return RunExternal(ExternalCommand(compression)!, cpio.ToArray(), compression);
        }
    }

    /// <summary>The full path of a program on the search path, or null.</summary>
    public string? Find(string program) =>
        _searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private byte[] RunExternal(IReadOnlyList<string> command, byte[] input, InitramfsCompression compression)
    {
        var name = InitramfsCompressionNames.Of(compression);
        var program = Find(command[0])
            ?? throw new NkdumpException($"a {name} initramfs needs the '{command[0]}' program, which is not on the PATH ({_searchPath}): install {PackageOf(command[0])}, or choose gzip or zstd, which nkdump compresses itself");
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new NkdumpException($"cannot start {program}");
        }
        catch (Win32Exception e)
        {
            throw new NkdumpException($"cannot start {program} to compress the capture initramfs: {e.Message}", e);
        }

        using (process)
        {
            using var output = new MemoryStream();
            var stdout = process.StandardOutput.BaseStream.CopyToAsync(output);
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.BaseStream.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The compressor quit early; its exit code and message say why.
            }

            stdout.GetAwaiter().GetResult();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new NkdumpException($"{string.Join(' ', command)} failed with exit {process.ExitCode}: {stderr.Result.Trim()}");
            }

            return output.ToArray();
        }
    }
}
