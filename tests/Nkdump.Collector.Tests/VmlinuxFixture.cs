using System.Buffers.Binary;
using Nkdump.Formats.Elf;
using Nkdump.Testing;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Test inputs for -x: the 6.1 fixture kernel's vmlinux (with .BTF, without symbols) taken out of
/// its Debian package's vmlinuz, with the fixture's System.map beside it, and the fixture's vmcore
/// without its VMCOREINFO note. Both are made once in the test cache.
/// </summary>
internal static class VmlinuxFixture
{
    public const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>vmlinux-RELEASE in its own folder next to System.map-RELEASE.</summary>
    public static string Vmlinux()
    {
        var release = QemuGuest.KernelRelease;
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
            // The bzImage setup header (Documentation/arch/x86/boot.rst, protocol 2.08+): setup_sects
            // at 0x1f1; payload_offset and payload_length at 0x248 and 0x24c, from the protected-mode
            // code that follows the (setup_sects + 1) * 512 bytes of setup. Debian's 6.1 payload is xz
            // (CONFIG_KERNEL_XZ) followed by the 4-byte uncompressed size, hence --single-stream.
            var image = File.ReadAllBytes(QemuGuest.KernelImage());
            var setupSects = image[0x1f1] == 0 ? 4 : image[0x1f1];
            var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
            var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24c));
            var start = ((setupSects + 1) * 512) + (int)payloadOffset;
            var payload = Path.Combine(work, "payload.xz");
            File.WriteAllBytes(payload, image.AsSpan(start, (int)payloadLength).ToArray());
            var unpacked = Path.Combine(work, $"vmlinux-{release}");
            var result = ExternalTool.Run("sh", ["-c", $"xz -dc --single-stream '{payload}' > '{unpacked}'"]);
            Assert.True(result.ExitCode == 0, "unpacking the vmlinuz payload: " + result);
            File.Delete(payload);
            File.Copy(Fixtures.SystemMap(Fixture), Path.Combine(work, $"System.map-{release}"));
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

    /// <summary>
    /// The fixture's /proc/vmcore with its PT_NOTE cut before the VMCOREINFO note (the last one, as
    /// the kernel writes them): a dump like one from a kernel without VMCOREINFO.
    /// </summary>
    public static string VmcoreWithoutVmcoreInfo()
    {
        var source = Fixtures.ElfVmcore(Fixture);
        var target = Path.Combine(RepoPaths.Cache, $"{Fixture}.vmcore.elf.no-vmcoreinfo");
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
        File.Copy(source, temporary);
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
