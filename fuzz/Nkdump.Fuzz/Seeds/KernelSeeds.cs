using System.Buffers.Binary;
using System.Text;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Seeds of the kallsyms and ORC targets, as <see cref="SyntheticKernel"/> inputs: kallsyms tables laid
/// out as scripts/kallsyms.c lays them out (names compressed with a token table, relative or absolute
/// addresses), named by VMCOREINFO (6.0+) or left to be found by searching; and an ORC table in both
/// entry encodings with a stack to unwind through a call frame and a pt_regs frame.
/// </summary>
internal static class KernelSeeds
{
    private const ulong Text = SyntheticKernel.Text;

    private static readonly (string Name, char Type, uint Offset)[] Symbols =
    [
        ("_stext", 'T', 0), ("startup_64", 'T', 0x40), ("start_kernel", 'T', 0x1000), ("do_one_initcall", 'T', 0x1200),
        ("panic", 'T', 0x2000), ("sysrq_handle_crash", 't', 0x2100), ("_etext", 'T', 0x3000), ("init_task", 'D', 0x4000),
        ("jiffies", 'D', 0x4800), ("init_uts_ns", 'D', 0x4900), ("page_offset_base", 'D', 0x4a00), ("vmemmap_base", 'D', 0x4a08),
        ("vmalloc_base", 'D', 0x4a10), ("__start_BTF", 'R', 0x4c00), ("__stop_BTF", 'R', 0x4d00), ("__start_orc_unwind_ip", 'R', 0x5000),
        ("__stop_orc_unwind_ip", 'R', 0x5100), ("__start_orc_unwind", 'R', 0x5200), ("_end", 'B', 0x8000),
    ];

    /// <summary>Multi-character tokens (byte values 0x80 on); every other byte value stands for its own character.</summary>
    private static readonly string[] LongTokens = ["start_", "_kernel", "init", "sysrq_", "crash", "panic", "jiffies"];

    public static IEnumerable<Seed> Kallsyms(SeedSource source)
    {
        yield return new Seed("kallsyms-relative-vmcoreinfo", KallsymsInput(absolute: false, named: true));
        yield return new Seed("kallsyms-absolute-vmcoreinfo", KallsymsInput(absolute: true, named: true));
        // The search (kernels before 6.0) over the small kernel image of SyntheticKernel.
        yield return new Seed("kallsyms-relative-search", KallsymsInput(absolute: false, named: false));
    }

    public static IEnumerable<Seed> Orc(SeedSource source)
    {
        yield return new Seed("orc-6.1-legacy", OrcInput("6.1.0-56-amd64", typed: false));
        yield return new Seed("orc-6.12-typed", OrcInput("6.12.117+deb12-amd64", typed: true));
    }

    /// <summary>
    /// Memory (offsets from _stext = the text address): 0x1000 kallsyms_offsets or kallsyms_addresses,
    /// then kallsyms_relative_base, kallsyms_num_syms, kallsyms_names, kallsyms_token_table and
    /// kallsyms_token_index, in the 6.1 order.
    /// </summary>
    private static byte[] KallsymsInput(bool absolute, bool named)
    {
        var blob = new byte[0x3000];
        var span = blob.AsSpan();
        var count = Symbols.Length;
        const int Addresses = 0x1000;
        var relativeBase = Addresses + (absolute ? count * 8 : (count * 4 + 7) & ~7);
        var numSyms = relativeBase + 8;
        var names = numSyms + 8;
        for (var i = 0; i < count; i++)
        {
            if (absolute)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[(Addresses + (i * 8))..], Text + Symbols[i].Offset);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[(Addresses + (i * 4))..], Symbols[i].Offset);
            }
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[relativeBase..], Text);
        BinaryPrimitives.WriteUInt32LittleEndian(span[numSyms..], (uint)count);
        var at = names;
        foreach (var (name, type, _) in Symbols)
        {
            var encoded = Compress(type + name);
            blob[at++] = (byte)encoded.Length;
            encoded.CopyTo(blob, at);
            at += encoded.Length;
        }

        var tokenTable = (at + 7) & ~7;
        var tokens = Enumerable.Range(0, 256).Select(b => b >= 0x80 && b - 0x80 < LongTokens.Length ? LongTokens[b - 0x80] : b is >= 0x21 and < 0x7f ? ((char)b).ToString() : "?").ToArray();
        var tokenIndex = tokenTable;
        var offsets = new ushort[256];
        for (var t = 0; t < 256; t++)
        {
            offsets[t] = (ushort)(tokenIndex - tokenTable);
            var bytes = Encoding.ASCII.GetBytes(tokens[t] + "\0");
            bytes.CopyTo(blob, tokenIndex);
            tokenIndex += bytes.Length;
        }

        tokenIndex = (tokenIndex + 7) & ~7;
        for (var t = 0; t < 256; t++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[(tokenIndex + (t * 2))..], offsets[t]);
        }

        var info = new StringBuilder($"SYMBOL(_stext)={Text:x}\n");
        if (named)
        {
            info.Append($"SYMBOL(kallsyms_names)={Text + (ulong)names:x}\nSYMBOL(kallsyms_num_syms)={Text + (ulong)numSyms:x}\n")
                .Append($"SYMBOL(kallsyms_token_table)={Text + (ulong)tokenTable:x}\nSYMBOL(kallsyms_token_index)={Text + (ulong)tokenIndex:x}\n")
                .Append(absolute ? $"SYMBOL(kallsyms_addresses)={Text + Addresses:x}\n" : $"SYMBOL(kallsyms_offsets)={Text + Addresses:x}\nSYMBOL(kallsyms_relative_base)={Text + (ulong)relativeBase:x}\n");
        }

        return SyntheticKernel.Compose(info.ToString(), blob);
    }

    /// <summary>A name as token indices: the long tokens where they occur, single characters elsewhere.</summary>
    private static byte[] Compress(string name)
    {
        var result = new List<byte>();
        for (var i = 0; i < name.Length;)
        {
            var token = Array.FindIndex(LongTokens, t => string.CompareOrdinal(name, i, t, 0, t.Length) == 0);
            if (token >= 0)
            {
                result.Add((byte)(0x80 + token));
                i += LongTokens[token].Length;
            }
            else
            {
                result.Add((byte)name[i++]);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// Memory (offsets from the text address): 0x1000 the registers (user_regs_struct), 0x2000 the ip
    /// table (3 entries, s32 relative to each slot), 0x2100 the orc_entry array, 0x3000 the stack. The
    /// unwind: a call frame (CFA = sp + 16), then a frame whose CFA holds a struct pt_regs, then the end.
    /// </summary>
    private static byte[] OrcInput(string release, bool typed)
    {
        var blob = new byte[0x4000];
        var span = blob.AsSpan();
        ulong function1 = Text + 0x10000, function2 = Text + 0x20000, function3 = Text + 0x30000;
        ulong stack = Text + 0x3000;
        // Registers (user_regs_struct order): rbp at 4, rip at 16, rsp at 19.
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x1000 + (4 * 8))..], stack + 0x200);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x1000 + (16 * 8))..], function1 + 0x10);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x1000 + (19 * 8))..], stack);
        ulong[] ips = [function1, function2, function3];
        for (var i = 0; i < ips.Length; i++)
        {
            var slot = Text + 0x2000 + (ulong)(i * 4);
            BinaryPrimitives.WriteInt32LittleEndian(span[(0x2000 + (i * 4))..], (int)(long)(ips[i] - slot));
        }

        // sp_reg SP (5); legacy type CALL 0 / REGS 1, end bit 4; typed CALL 2 / REGS 3 / END_OF_STACK 1.
        WriteEntry(span[0x2100..], 16, 0, 5, typed ? 2 : 0);
        WriteEntry(span[0x2106..], 8, 0, 5, typed ? 3 : 1);
        WriteEntry(span[0x210c..], 0, 0, 0, typed ? 1 : 4);
        // The call frame's return address (just below the CFA), into function 2.
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x3000 + 8)..], function2 + 0x20);
        // Function 2's CFA (sp + 8 = stack + 24) holds a pt_regs whose rip is in function 3 (rip at 128, rsp at 152).
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x3000 + 24 + 128)..], function3 + 0x30);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(0x3000 + 24 + 152)..], stack + 0x400);
        var info = $"OSRELEASE={release}\nSYMBOL(__start_orc_unwind_ip)={Text + 0x2000:x}\nSYMBOL(__stop_orc_unwind_ip)={Text + 0x200c:x}\nSYMBOL(__start_orc_unwind)={Text + 0x2100:x}\n";
        return SyntheticKernel.Compose(info, blob);
    }

    private static void WriteEntry(Span<byte> entry, short spOffset, short bpOffset, int spReg, int typeBits)
    {
        BinaryPrimitives.WriteInt16LittleEndian(entry, spOffset);
        BinaryPrimitives.WriteInt16LittleEndian(entry[2..], bpOffset);
        entry[4] = (byte)spReg;
        entry[5] = (byte)typeBits;
    }
}
