using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;


namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Reads the kernel's own symbol table (kallsyms) out of a dump. The table addresses are in
/// VMCOREINFO since 6.0 (commit 5fd8fea935a1 "vmcoreinfo: include kallsyms symbols"). Layout
/// (scripts/kallsyms.c): kallsyms_names is a run of entries, each a length (one byte, or two when
/// the first has bit 7 set: 7 + 7 bits, 6.1+ "big" symbols) followed by that many token indices;
/// each index selects a NUL-terminated string in kallsyms_token_table at kallsyms_token_index[i].
/// The expanded name's first character is the nm type letter. Addresses come in one of the
/// <see cref="KallsymsAddressEncoding"/> forms, chosen as drgn and makedumpfile do: the one that
/// gives _stext the address VMCOREINFO states.
/// </summary>
internal static class KallsymsReader
{
    /// <summary>KSYM_NAME_LEN is 512 since 6.1; compressed names are never longer.</summary>
    private const int MaxCompressedLength = 0x3fff;

    public static bool IsAvailable(VmcoreInfo info) => KallsymsTables.FromVmcoreInfo(info) is not null;

    /// <summary>
    /// Reads every symbol from the tables VMCOREINFO names (6.0+), or else from tables found by
    /// <see cref="KallsymsSearch"/> in the kernel image; throws <see cref="NkdumpException"/> naming
    /// what is missing or unreadable.
    /// </summary>
    public static SymbolTable Read(KernelMemory memory, VmcoreInfo info, X86_64Layout? layout = null)
    {
        if (KallsymsTables.FromVmcoreInfo(info) is { } tables)
        {
            return Read(memory, info, tables);
        }

        var problems = new List<string>();
        foreach (var candidate in KallsymsSearch.Find(memory, info, layout))
        {
            try
            {
                var table = Read(memory, info, candidate);
                if (Plausible(table, layout))
                {
                    return table;
                }

                problems.Add($"{candidate.Source}: addresses outside the kernel image");
            }
            catch (NkdumpException e)
            {
                problems.Add(e.Message);
            }
        }

        throw new NkdumpException("VMCOREINFO does not name the kallsyms tables (kernels before 6.0) and a search of the kernel image found none" +
            (problems.Count > 0 ? $" that decode ({problems[0]})" : ""));
    }

    /// <summary>Tables found by a search must put (nearly) all text symbols inside the kernel image.</summary>
    private static bool Plausible(SymbolTable table, X86_64Layout? layout)
    {
        var size = layout?.KernelImageSize ?? X86_64Constants.DefaultKernelImageSize;
        var text = table.Symbols.Where(s => s.Type is 't' or 'T').ToList();
        return text.Count > 0 && text.Count(s => s.Address - X86_64Constants.StartKernelMap < size) >= text.Count * 9 / 10;
    }

    /// <summary>Reads every symbol from the given table addresses.</summary>
    public static SymbolTable Read(KernelMemory memory, VmcoreInfo info, KallsymsTables tables)
    {
        var count = memory.ReadUInt32(tables.NumSyms, "kallsyms_num_syms");
        if (count is 0 or > InputLimits.Kernel.KallsymsSymbols)
        {
            throw new NkdumpException($"kallsyms_num_syms is {count}: not a plausible symbol count (corrupt kallsyms tables?)");
        }

        var tokens = ReadTokens(memory, tables);
        var names = ReadNames(memory, tables, count);
        var decoded = DecodeNames(names, count, tokens);
        var addresses = ReadAddresses(memory, tables, count);
        var encoding = ChooseEncoding(info, decoded, addresses);

        var symbols = new KernelSymbol[count];
        for (var i = 0; i < count; i++)
        {
            var (name, type) = decoded[i];
            symbols[i] = new KernelSymbol(name, addresses.Resolve(i, encoding), type);
        }

        return new SymbolTable($"kallsyms in the dump ({tables.Source}, {encoding} addresses)", symbols);
    }

    internal static string[] ReadTokens(KernelMemory memory, KallsymsTables tables)
    {
        var tokenIndex = memory.ReadBytes(tables.TokenIndex, 256 * 2, "kallsyms_token_index");
        var lastToken = BinaryPrimitives.ReadUInt16LittleEndian(tokenIndex.AsSpan(255 * 2));
        var tokenTable = new byte[lastToken + 256];
        var read = memory.TryReadPrefix(tables.TokenTable, tokenTable, out var failure);
        if (read <= lastToken)
        {
            throw new KernelReadException("kallsyms_token_table", failure);
        }

        var tokens = new string[256];
        for (var i = 0; i < 256; i++)
        {
            var start = BinaryPrimitives.ReadUInt16LittleEndian(tokenIndex.AsSpan(i * 2));
            var end = start < read ? tokenTable.AsSpan(start, read - start).IndexOf((byte)0) : -1;
            if (end < 0)
            {
                throw new NkdumpException($"kallsyms_token_table: token {i} at offset {start} has no terminating NUL (corrupt table?)");
            }

            tokens[i] = Encoding.Latin1.GetString(tokenTable, start, end);
        }

        return tokens;
    }

    private static byte[] ReadNames(KernelMemory memory, KallsymsTables tables, uint count)
    {
        // The names end before the next kallsyms table in memory (their order changed across versions),
        // else allow the worst case; read what is readable, decoding checks it was enough.
        var namesAddress = tables.Names;
        ulong limit = namesAddress + Math.Min((ulong)count * 64, 64UL << 20);
        foreach (var other in new[] { tables.TokenTable, tables.TokenIndex, tables.Offsets ?? 0, tables.RelativeBase ?? 0, tables.Addresses ?? 0, tables.NumSyms, tables.Markers ?? 0 })
        {
            if (other > namesAddress && other < limit)
            {
                limit = other;
            }
        }

        var names = new byte[limit - namesAddress];
        var read = memory.TryReadPrefix(namesAddress, names, out var failure);
        if (read == 0)
        {
            throw new KernelReadException("kallsyms_names", failure);
        }

        Array.Resize(ref names, read);
        return names;
    }

    internal static (string Name, char Type)[] DecodeNames(byte[] names, uint count, string[] tokens)
    {
        var result = new (string, char)[count];
        var builder = new StringBuilder(64);
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            if (position >= names.Length)
            {
                throw new NkdumpException($"kallsyms_names ends after {i} of {count} symbols (truncated or unreadable)");
            }

            int length = names[position++];
            if ((length & 0x80) != 0)
            {
                if (position >= names.Length || (names[position] & 0x80) != 0)
                {
                    throw new NkdumpException($"kallsyms_names: bad length at symbol {i} (byte offset {position - 1})");
                }

                length = (length & 0x7f) | (names[position++] << 7);
            }

            if (length == 0 || length > MaxCompressedLength || position + length > names.Length)
            {
                throw new NkdumpException($"kallsyms_names: symbol {i} at byte offset {position} has length {length}: corrupt or truncated table");
            }

            builder.Clear();
            for (var t = 0; t < length; t++)
            {
                builder.Append(tokens[names[position + t]]);
            }

            position += length;
            if (builder.Length < 2)
            {
                throw new NkdumpException($"kallsyms_names: symbol {i} expands to \"{builder}\", not a type letter and a name (corrupt token table?)");
            }

            result[i] = (builder.ToString(1, builder.Length - 1), builder[0]);
        }

        return result;
    }

    private static KallsymsAddresses ReadAddresses(KernelMemory memory, KallsymsTables tables, uint count)
    {
        if (tables.Offsets is { } offsetsAddress)
        {
            var raw = memory.ReadBytes(offsetsAddress, checked((int)count * 4), "kallsyms_offsets");
            ulong? relativeBase = tables.RelativeBase is { } rb ? memory.ReadPointer(rb, "kallsyms_relative_base") : null;
            return new KallsymsAddresses(raw, null, offsetsAddress, relativeBase);
        }

        var absolute = memory.ReadBytes(tables.Addresses ?? throw new NkdumpException("kallsyms: neither kallsyms_offsets nor kallsyms_addresses is known"),
            checked((int)count * 8), "kallsyms_addresses");
        return new KallsymsAddresses(null, absolute, 0, null);
    }

    private static KallsymsAddressEncoding ChooseEncoding(VmcoreInfo info, (string Name, char Type)[] names, KallsymsAddresses addresses)
    {
        if (!addresses.HasOffsets)
        {
            return KallsymsAddressEncoding.Absolute;
        }

        var candidates = addresses.HasRelativeBase
            ? new[] { KallsymsAddressEncoding.AbsolutePercpu, KallsymsAddressEncoding.RelativeBase, KallsymsAddressEncoding.PlaceRelative }
            : new[] { KallsymsAddressEncoding.PlaceRelative };
        var stextIndex = Array.FindIndex(names, n => n.Name == "_stext");
        if (info.Symbol("_stext") is { } stext && stextIndex >= 0)
        {
            foreach (var candidate in candidates)
            {
                if (addresses.Resolve(stextIndex, candidate) == stext)
                {
                    return candidate;
                }
            }

            throw new NkdumpException($"kallsyms: no known address encoding gives _stext its VMCOREINFO address 0x{stext:x}");
        }

        // Without _stext to check against: a negative offset only makes sense with absolute per-cpu symbols.
        return addresses.HasRelativeBase
            ? addresses.AnyNegativeOffset ? KallsymsAddressEncoding.AbsolutePercpu : KallsymsAddressEncoding.RelativeBase
            : KallsymsAddressEncoding.PlaceRelative;
    }

    /// <summary>The raw address table and how to turn an entry into an address.</summary>
    private sealed class KallsymsAddresses(byte[]? offsets, byte[]? absolute, ulong offsetsAddress, ulong? relativeBase)
    {
        public bool HasOffsets => offsets is not null;

        public bool HasRelativeBase => relativeBase is not null;

        public bool AnyNegativeOffset
        {
            get
            {
                for (var i = 0; offsets is not null && i < offsets.Length; i += 4)
                {
                    if (BinaryPrimitives.ReadInt32LittleEndian(offsets.AsSpan(i)) < 0)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        public ulong Resolve(int index, KallsymsAddressEncoding encoding)
        {
            if (encoding == KallsymsAddressEncoding.Absolute)
            {
                return BinaryPrimitives.ReadUInt64LittleEndian(absolute.AsSpan(index * 8));
            }

            var offset = BinaryPrimitives.ReadInt32LittleEndian(offsets.AsSpan(index * 4));
            var rb = relativeBase ?? 0;
            return unchecked(encoding switch
            {
                KallsymsAddressEncoding.AbsolutePercpu => offset >= 0 ? (ulong)offset : rb - 1 - (ulong)(long)offset,
                KallsymsAddressEncoding.RelativeBase => rb + (uint)offset,
                _ => offsetsAddress + ((ulong)index * 4) + (ulong)(long)offset,
            });
        }
    }
}
