using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel.Btf;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests.Btf;

/// <summary>BTF from a vmlinux's .BTF section, on a small hand-built ELF file.</summary>
public class BtfVmlinuxTests
{
    [Fact]
    public void ReadsTheBtfSectionOfAnElfFile()
    {
        var blob = new BtfBlob();
        var intId = blob.Int("int", 4, signed: true);
        blob.Struct("task_struct", 8, kindFlag: false, ("pid", intId, 0, 0), ("tgid", intId, 32, 0));
        using var temp = new TempDirectory();
        var path = temp.File("vmlinux");
        File.WriteAllBytes(path, Elf(blob.Build(), btfOffsetOverride: null));

        var btf = BtfLoader.FromVmlinux(path);
        Assert.Equal(4, btf.OffsetOf("task_struct.tgid"));
        Assert.EndsWith(".BTF", btf.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ASectionOutsideTheFileOrNoSectionIsAClearError()
    {
        var blob = new BtfBlob();
        blob.Int("int", 4, signed: true);
        using var temp = new TempDirectory();
        var path = temp.File("vmlinux");
        File.WriteAllBytes(path, Elf(blob.Build(), btfOffsetOverride: 1UL << 40));
        var e = Assert.Throws<DumpFormatException>(() => BtfLoader.FromVmlinux(path));
        Assert.Contains("outside the file", e.Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, Elf(blob.Build(), btfOffsetOverride: null, sectionName: ".data"));
        Assert.Contains("no .BTF section", Assert.Throws<NkdumpException>(() => BtfLoader.FromVmlinux(path)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<DumpFormatException>(() => BtfLoader.FromVmlinux(path));
    }

    /// <summary>ELF64: header, .shstrtab, the BTF section, then 3 section headers (null, .shstrtab, BTF).</summary>
    private static byte[] Elf(byte[] btf, ulong? btfOffsetOverride, string sectionName = ".BTF")
    {
        var names = Encoding.ASCII.GetBytes($"\0.shstrtab\0{sectionName}\0");
        var namesAt = 64;
        var btfAt = namesAt + names.Length;
        var shoff = btfAt + btf.Length;
        var file = new byte[shoff + (3 * 64)];
        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;
        file[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), 1);
        names.CopyTo(file, namesAt);
        btf.CopyTo(file, btfAt);
        void Section(int index, uint name, ulong offset, ulong size)
        {
            var h = file.AsSpan(shoff + (index * 64));
            BinaryPrimitives.WriteUInt32LittleEndian(h, name);
            BinaryPrimitives.WriteUInt64LittleEndian(h[24..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(h[32..], size);
        }

        Section(1, 1, (ulong)namesAt, (ulong)names.Length);
        Section(2, 11, btfOffsetOverride ?? (ulong)btfAt, (ulong)btf.Length);
        return file;
    }
}
