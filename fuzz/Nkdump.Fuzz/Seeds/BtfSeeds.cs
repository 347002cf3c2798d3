using System.Buffers.Binary;
using System.Text;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Seeds of the BTF target: a small blob with one type of every kind (include/uapi/linux/btf.h),
/// laid out as the kernel's .BTF section is, with the structures the analysis layer looks up.
/// </summary>
internal static class BtfSeeds
{
    public static IEnumerable<Seed> All(SeedSource source)
    {
        yield return new Seed("btf-every-kind", Small());
    }

    /// <summary>One type of every kind; the parser's own tests have the exact rules.</summary>
    public static byte[] Small()
    {
        var blob = new BtfBlob();
        var @int = blob.Type("int", 1, 0, 4, [(1u << 24) | 32]);              // 1 INT signed 32
        var ptr = blob.Type("", 2, 0, 3);                                     // 2 PTR -> 3
        blob.Type("list_head", 4, 2, 16, [blob.Name("next"), (uint)ptr, 0, blob.Name("prev"), (uint)ptr, 64]); // 3
        var chr = blob.Type("char", 1, 0, 1, [8]);                            // 4 INT 8
        var comm = blob.Type("", 3, 0, 0, [(uint)chr, (uint)@int, 16]);        // 5 ARRAY char[16]
        blob.Type("task_struct", 4, 3, 64, [blob.Name("tasks"), 3, 0, blob.Name("pid"), (uint)@int, 128, blob.Name("comm"), (uint)comm, 160]); // 6
        var pid = blob.Type("pid_t", 8, 0, (uint)@int);                       // 7 TYPEDEF
        blob.Type("", 10, 0, (uint)pid);                                      // 8 CONST
        blob.Type("state", 6, 2, 4, [blob.Name("RUNNING"), 0, blob.Name("DEAD"), 16]); // 9 ENUM
        // 10 orc_entry (6.4+): s16 sp_offset, s16 bp_offset, sp_reg:4, bp_reg:4, type:3, signal:1 (kind_flag: bitfield sizes).
        blob.Type("orc_entry", 4, 6, 6, [blob.Name("sp_offset"), (uint)@int, 0, blob.Name("bp_offset"), (uint)@int, 16,
            blob.Name("sp_reg"), (uint)@int, (4u << 24) | 32, blob.Name("bp_reg"), (uint)@int, (4u << 24) | 36,
            blob.Name("type"), (uint)@int, (3u << 24) | 40, blob.Name("signal"), (uint)@int, (1u << 24) | 43], kindFlag: true);
        var proto = blob.Type("", 13, 1, (uint)@int, [blob.Name("x"), (uint)@int]); // 11 FUNC_PROTO
        blob.Type("fuzz_fn", 12, 0, (uint)proto);                             // 12 FUNC
        blob.Type("u", 5, 1, 8, [blob.Name("word"), (uint)ptr, 0]);            // 13 UNION
        var variable = blob.Type("jiffies", 14, 0, (uint)@int, [1]);          // 14 VAR
        blob.Type(".data", 15, 1, 8, [(uint)variable, 0, 4]);                 // 15 DATASEC
        blob.Type("double", 16, 0, 8);                                        // 16 FLOAT
        blob.Type("tag", 17, 0, 6, [uint.MaxValue]);                          // 17 DECL_TAG
        blob.Type("user", 18, 0, (uint)@int);                                 // 18 TYPE_TAG
        blob.Type("big", 19, 1, 8, [blob.Name("HUGE"), 1, 2]);                // 19 ENUM64
        blob.Type("fwd", 7, 0, 0);                                            // 20 FWD
        blob.Type("", 9, 0, (uint)@int);                                      // 21 VOLATILE
        blob.Type("", 11, 0, (uint)ptr);                                      // 22 RESTRICT
        blob.Type("module", 4, 2, 32, [blob.Name("list"), 3, 0, blob.Name("name"), (uint)comm, 128]); // 23
        return blob.Build();
    }

    /// <summary>Writes btf_header, the type records and the string section.</summary>
    private sealed class BtfBlob
    {
        private readonly MemoryStream _types = new();
        private readonly MemoryStream _strings = NewStrings();
        private int _count;

        /// <summary>The string section starts with the empty name at offset 0.</summary>
        private static MemoryStream NewStrings()
        {
            var strings = new MemoryStream();
            strings.WriteByte(0);
            return strings;
        }

        public uint Name(string name)
        {
            var offset = (uint)_strings.Length;
            _strings.Write(Encoding.ASCII.GetBytes(name + "\0"));
            return offset;
        }

        /// <summary>Adds a btf_type (name, kind, vlen, size or type) and its trailing words; returns its id.</summary>
        public int Type(string name, int kind, int vlen, uint sizeOrType, uint[]? trailing = null, bool kindFlag = false)
        {
            var nameOffset = name.Length == 0 ? 0 : Name(name);
            Span<byte> word = stackalloc byte[4];
            foreach (var value in new[] { nameOffset, (uint)((kindFlag ? 1u << 31 : 0) | ((uint)kind << 24) | (uint)vlen), sizeOrType }.Concat(trailing ?? []))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(word, value);
                _types.Write(word);
            }

            return ++_count;
        }

        public byte[] Build()
        {
            var header = new byte[24];
            BinaryPrimitives.WriteUInt16LittleEndian(header, 0xeb9f);
            header[2] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 24);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)_types.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)_types.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)_strings.Length);
            return [.. header, .. _types.ToArray(), .. _strings.ToArray()];
        }
    }
}
