using System.Buffers.Binary;
using Nkdump.Formats.Elf;
using Nkdump.Testing;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Test inputs for -x: each fixture kernel's vmlinux (with .BTF, without symbols) taken out of the
/// vmlinuz in its Debian package (apt-get download linux-image-RELEASE-unsigned, as the QEMU tests
/// do), with the fixture's System.map beside it, and the fixture's vmcore without its VMCOREINFO
/// note. All are made once in the test cache.
/// </summary>
internal static class VmlinuxFixture
{
    /// <summary>The kernel release, from the fixture's System.map-RELEASE.</summary>
    public static string Release(string fixture) => Path.GetFileName(Fixtures.SystemMap(fixture))["System.map-".Length..];

    /// <summary>vmlinux-RELEASE in its own folder next to System.map-RELEASE.</summary>
    public static string Vmlinux(string fixture)
    {
        var release = Release(fixture);
        var folder = Path.Combine(RepoPaths.Cache, $"vmlinux-{release}");
        var vmlinux = Path.Combine(folder, $"vmlinux-{release}");
        if (File.Exists(vmlinux))
        {
            return vmlinux;
        }

        var work = $"{folder}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(work);
        try
        {
            var image = File.ReadAllBytes(KernelImage(release, work));

            // The bzImage setup header (Documentation/arch/x86/boot.rst, protocol 2.08+): setup_sects
            // at 0x1f1; payload_offset and payload_length at 0x248 and 0x24c, from the protected-mode
            // code that follows the (setup_sects + 1) * 512 bytes of setup. The payload ends with the
            // 4-byte uncompressed size (scripts/Makefile.lib's size_append), which is cut off here.
            var setupSects = image[0x1f1] == 0 ? 4 : image[0x1f1];
            var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
            var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24c));
            var start = ((setupSects + 1) * 512) + (int)payloadOffset;
            var payload = image.AsSpan(start, (int)payloadLength - 4);
            var tool = payload.StartsWith((ReadOnlySpan<byte>)[0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]) ? "xz"
                : payload.StartsWith((ReadOnlySpan<byte>)[0x28, 0xb5, 0x2f, 0xfd]) ? "zstd"
                : throw new InvalidOperationException($"{fixture}: the vmlinuz payload is neither xz nor zstd (CONFIG_KERNEL_XZ / CONFIG_KERNEL_ZSTD, what Debian uses)");
            var compressed = Path.Combine(work, "payload");
            File.WriteAllBytes(compressed, payload.ToArray());
            var unpacked = Path.Combine(work, $"vmlinux-{release}");
            var result = ExternalTool.Run("sh", ["-c", $"{tool} -dc '{compressed}' > '{unpacked}'"]);
            Assert.True(result.ExitCode == 0, "unpacking the vmlinuz payload: " + result);
            foreach (var other in Directory.GetFiles(work).Where(f => f != unpacked))
            {
                File.Delete(other);
            }

            foreach (var other in Directory.GetDirectories(work))
            {
                Directory.Delete(other, recursive: true);
            }

            File.Copy(Fixtures.SystemMap(fixture), Path.Combine(work, $"System.map-{release}"));
            try
            {
                Directory.Move(work, folder);
            }
            catch (IOException) when (File.Exists(vmlinux))
            {
                // Another test process made it first.
            }

            return vmlinux;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>The kernel package's vmlinuz: the QEMU tests' cached one for their kernel, else downloaded into <paramref name="work"/>.</summary>
    private static string KernelImage(string release, string work)
    {
        if (release == QemuGuest.KernelRelease)
        {
            return QemuGuest.KernelImage();
        }

        var download = ExternalTool.Run("apt-get", ["download", $"linux-image-{release}-unsigned"], TimeSpan.FromMinutes(10), work);
        Assert.True(download.ExitCode == 0, "apt-get download: " + download);
        var deb = Directory.GetFiles(work, "*.deb").Single();
        var unpack = ExternalTool.Run("sh", ["-c", $"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{work}' ./boot/vmlinuz-{release}"], TimeSpan.FromMinutes(5));
        Assert.True(unpack.ExitCode == 0, "unpacking the kernel package: " + unpack);
        File.Delete(deb);
        return Path.Combine(work, "boot", $"vmlinuz-{release}");
    }

    /// <summary>
    /// The fixture's /proc/vmcore with its PT_NOTE cut before the VMCOREINFO note (the last one, as
    /// the kernel writes them): a dump like one from a kernel without VMCOREINFO.
    /// </summary>
    public static string VmcoreWithoutVmcoreInfo(string fixture)
    {
        var source = Fixtures.ElfVmcore(fixture);
        var target = Path.Combine(RepoPaths.Cache, $"{fixture}.vmcore.elf.no-vmcoreinfo");
        if (File.Exists(target))
        {
            return target;
        }

        long phdrAt;
        ulong cutSize;
        using (var elf = ElfVmcore.Open(source))
        {
            Assert.Equal("VMCOREINFO", elf.Notes[^1].Name);
            var noteIndex = elf.Segments.ToList().FindIndex(s => s.IsNote);
            Assert.Equal(1, elf.Segments.Count(s => s.IsNote));
            phdrAt = 64 + (noteIndex * 56);
            var vmcoreinfo = elf.Notes[^1];
            cutSize = 12 + 12 + (((ulong)vmcoreinfo.Descriptor.Length + 3) & ~3UL); // Elf64_Nhdr, "VMCOREINFO\0" padded, descriptor padded
        }

        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        // A sparse copy, as zstd wrote the source: the zero pages take no disk space.
        var copy = ExternalTool.Run("cp", ["--sparse=always", source, temporary]);
        Assert.True(copy.ExitCode == 0, "copying the vmcore: " + copy);
        using (var file = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            var field = new byte[8];
            file.Position = phdrAt + 32; // p_filesz
            file.ReadExactly(field);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(field) - cutSize;
            BinaryPrimitives.WriteUInt64LittleEndian(field, size);
            file.Position = phdrAt + 32;
            file.Write(field);
            file.Position = phdrAt + 40; // p_memsz
            file.Write(field);
        }

        using (var stripped = ElfVmcore.Open(temporary))
        {
            Assert.Null(stripped.VmcoreInfo);
            Assert.True(stripped.Notes.Count > 0, "the CPU notes stay");
        }

        File.Move(temporary, target, overwrite: true);
        return target;
    }
}
