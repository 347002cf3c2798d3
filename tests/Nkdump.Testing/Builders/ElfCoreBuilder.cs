using System.Buffers.Binary;
using System.Text;

namespace Nkdump.Testing.Builders;

/// <summary>
/// Builds small ELF64 x86_64 core files for tests, independently of nkdump's own writer:
/// PT_LOAD segments by physical address (optionally with a zero tail), notes, and the PN_XNUM
/// escape for more than 65,535 program headers.
/// </summary>
internal sealed class ElfCoreBuilder
{
    private readonly List<(ulong Paddr, ulong Vaddr, byte[] Data, ulong MemSize)> _loads = [];
    private readonly List<(string Name, uint Type, byte[] Desc)> _notes = [];

    /// <summary>Writes e_phnum = PN_XNUM and the real count in section header 0, whatever the count.</summary>
    public bool ForceExtendedNumbering { get; set; }

    /// <summary>e_machine: 62 (EM_X86_64) unless a test wants a core of another machine (183 is EM_AARCH64).</summary>
    public ushort Machine { get; set; } = 62;

    public ElfCoreBuilder Load(ulong paddr, byte[] data, ulong? memSize = null, ulong vaddr = 0)
    {
        _loads.Add((paddr, vaddr, data, memSize ?? (ulong)data.Length));
        return this;
    }

    public ElfCoreBuilder Note(string name, uint type, byte[] desc)
    {
        _notes.Add((name, type, desc));
        return this;
    }

    public ElfCoreBuilder VmcoreInfo(string text) => Note("VMCOREINFO", 0, Encoding.ASCII.GetBytes(text));

    /// <summary>An NT_PRSTATUS note (336 bytes) with the given pid and registers (user_regs_struct order).</summary>
    public ElfCoreBuilder Prstatus(int pid, ulong[] registers)
    {
        var desc = new byte[336];
        BinaryPrimitives.WriteInt32LittleEndian(desc.AsSpan(32), pid);
        for (var i = 0; i < Math.Min(27, registers.Length); i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(112 + (i * 8)), registers[i]);
        }

        return Note("CORE", 1, desc);
    }

    public byte[] Build()
    {
        var notes = new MemoryStream(ElfFileBuilder.Notes([.. _notes]));
        var phnum = _loads.Count + 1;
        var extended = ForceExtendedNumbering || phnum >= 0xffff;
        var phoff = 64L;
        var shoff = extended ? phoff + (phnum * 56L) : 0;
        var dataStart = phoff + (phnum * 56L) + (extended ? 64 : 0);
        var output = new MemoryStream();
        var ehdr = new byte[64];
        ehdr[0] = 0x7f;
        "ELF"u8.CopyTo(ehdr.AsSpan(1));
        ehdr[4] = 2;
        ehdr[5] = 1;
        ehdr[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(16), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(ehdr.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(ehdr.AsSpan(32), (ulong)phoff);
        BinaryPrimitives.WriteUInt64LittleEndian(ehdr.AsSpan(40), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(56), extended ? (ushort)0xffff : (ushort)phnum);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(60), extended ? (ushort)1 : (ushort)0);
        output.Write(ehdr);

        var offset = dataStart;
        output.Write(Phdr(4, (ulong)offset, 0, 0, (ulong)notes.Length, (ulong)notes.Length));
        offset += notes.Length;
        foreach (var (paddr, vaddr, data, memSize) in _loads)
        {
            output.Write(Phdr(1, (ulong)offset, vaddr, paddr, (ulong)data.Length, memSize));
            offset += data.Length;
        }

        if (extended)
        {
            var shdr = new byte[64];
            BinaryPrimitives.WriteUInt32LittleEndian(shdr.AsSpan(44), (uint)phnum);
            output.Write(shdr);
        }

        notes.Position = 0;
        notes.CopyTo(output);
        foreach (var load in _loads)
        {
            output.Write(load.Data);
        }

        return output.ToArray();
    }

    private static byte[] Phdr(uint type, ulong offset, ulong vaddr, ulong paddr, ulong filesz, ulong memsz)
    {
        var ph = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, type);
        BinaryPrimitives.WriteUInt32LittleEndian(ph.AsSpan(4), 4);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(8), offset);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(16), vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(24), paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(32), filesz);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(40), memsz);
        return ph;
    }
}
