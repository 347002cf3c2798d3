using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
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
public static class KallsymsReader
{
    /// <summary>No real kernel comes near this many symbols (~200k on a distribution kernel).</summary>
    public const uint MaxSymbols = 4_000_000;

    /// <summary>KSYM_NAME_LEN is 512 since 6.1; compressed names are never longer.</summary>
    private const int MaxCompressedLength = 0x3fff;

    public static bool IsAvailable(VmcoreInfo info) =>
        info.Symbol("kallsyms_names") is not null && info.Symbol("kallsyms_num_syms") is not null &&
        info.Symbol("kallsyms_token_table") is not null && info.Symbol("kallsyms_token_index") is not null &&
        (info.Symbol("kallsyms_offsets") is not null || info.Symbol("kallsyms_addresses") is not null);

    /// <summary>Reads every symbol; throws <see cref="NkdumpException"/> naming what is missing or unreadable.</summary>
    public static SymbolTable Read(KernelMemory memory, VmcoreInfo info)
    {
        ulong Require(string name) => info.Symbol(name)
            ?? throw new NkdumpException($"VMCOREINFO has no SYMBOL({name}) (kernels before 6.0 do not export the kallsyms tables)");

        var namesAddress = Require("kallsyms_names");
        var count = memory.ReadUInt32(Require("kallsyms_num_syms"), "kallsyms_num_syms");
        if (count is 0 or > MaxSymbols)
        {
            throw new NkdumpException($"kallsyms_num_syms is {count}: not a plausible symbol count (corrupt kallsyms tables?)");
        }

        var tokenIndex = memory.ReadBytes(Require("kallsyms_token_index"), 256 * 2, "kallsyms_token_index");
        var lastToken = BinaryPrimitives.ReadUInt16LittleEndian(tokenIndex.AsSpan(255 * 2));
        var tokenTable = memory.ReadBytes(Require("kallsyms_token_table"), lastToken + 256, "kallsyms_token_table");
        var tokens = new string[256];
        for (var i = 0; i < 256; i++)
        {
            var start = BinaryPrimitives.ReadUInt16LittleEndian(tokenIndex.AsSpan(i * 2));
            var end = start < tokenTable.Length ? tokenTable.AsSpan(start).IndexOf((byte)0) : -1;
            if (end < 0)
            {
                throw new NkdumpException($"kallsyms_token_table: token {i} at offset {start} has no terminating NUL (corrupt table?)");
            }

            tokens[i] = Encoding.Latin1.GetString(tokenTable, start, end);
        }

        var names = ReadNames(memory, info, namesAddress, count);
        var addresses = ReadAddresses(memory, info, count);
        var decoded = DecodeNames(names, count, tokens);
        var encoding = ChooseEncoding(info, decoded, addresses);

        var symbols = new KernelSymbol[count];
        for (var i = 0; i < count; i++)
        {
            var (name, type) = decoded[i];
            symbols[i] = new KernelSymbol(name, addresses.Resolve(i, encoding), type);
        }

        return new SymbolTable($"kallsyms in the dump ({encoding} addresses)", symbols);
    }

    private static byte[] ReadNames(KernelMemory memory, VmcoreInfo info, ulong namesAddress, uint count)
    {
        // The names end before the next kallsyms table in memory (their order changed across versions),
        // else allow the worst case; read what is readable, decoding checks it was enough.
        ulong limit = namesAddress + Math.Min((ulong)count * 64, 64UL << 20);
        foreach (var other in new[] { "kallsyms_markers", "kallsyms_token_table", "kallsyms_token_index", "kallsyms_offsets", "kallsyms_relative_base", "kallsyms_num_syms", "kallsyms_seqs_of_names", "kallsyms_addresses" })
        {
            if (info.Symbol(other) is { } a && a > namesAddress && a < limit)
            {
                limit = a;
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

    private static (string Name, char Type)[] DecodeNames(byte[] names, uint count, string[] tokens)
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
            var expanded = builder.ToString();
            result[i] = (expanded[1..], expanded[0]);
        }

        return result;
    }

    private static KallsymsAddresses ReadAddresses(KernelMemory memory, VmcoreInfo info, uint count)
    {
        if (info.Symbol("kallsyms_offsets") is { } offsetsAddress)
        {
            var raw = memory.ReadBytes(offsetsAddress, checked((int)count * 4), "kallsyms_offsets");
            ulong? relativeBase = info.Symbol("kallsyms_relative_base") is { } rb ? memory.ReadPointer(rb, "kallsyms_relative_base") : null;
            return new KallsymsAddresses(raw, null, offsetsAddress, relativeBase);
        }

        var absolute = memory.ReadBytes(info.Symbol("kallsyms_addresses")!.Value, checked((int)count * 8), "kallsyms_addresses");
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
