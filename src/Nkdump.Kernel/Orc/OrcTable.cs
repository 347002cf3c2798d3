using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// One ORC table: a sorted array of instruction addresses (stored as s32 offsets relative to
/// each slot, as objtool and sorttable write them) and the parallel array of orc_entry. The
/// kernel's own table lies between __start_orc_unwind_ip/__stop_orc_unwind_ip and
/// __start_orc_unwind; each module has one in its mod_arch_specific.
/// </summary>
public sealed class OrcTable
{
    private readonly ulong[] _ips;
    private readonly byte[] _entries;

    private OrcTable(string name, ulong[] ips, byte[] entries, OrcFormat format)
    {
        Name = name;
        _ips = ips;
        _entries = entries;
        Format = format;
    }

    public string Name { get; }

    public OrcFormat Format { get; }

    public int Count => _ips.Length;

    public ulong FirstIp => _ips.Length == 0 ? 0 : _ips[0];

    public ulong LastIp => _ips.Length == 0 ? 0 : _ips[^1];

    /// <summary>The raw orc_entry array, for tests of the format detection.</summary>
    internal ReadOnlySpan<byte> RawEntries => _entries;

    /// <summary>Reads a table at the given addresses from the crashed kernel's memory.</summary>
    public static OrcTable Read(KernelContext kernel, string name, ulong ipTable, ulong entryTable, long count, OrcFormat format)
    {
        var (ips, entries) = ReadRaw(kernel, name, ipTable, entryTable, count);
        return new OrcTable(name, ips, entries, format);
    }

    /// <summary>A table at the given addresses, its encoding detected from <paramref name="btf"/> and its own entries (<see cref="DetectFormat"/>).</summary>
    public static OrcTable Read(KernelContext kernel, string name, ulong ipTable, ulong entryTable, long count, BtfTypes? btf)
    {
        var (ips, entries) = ReadRaw(kernel, name, ipTable, entryTable, count);
        return new OrcTable(name, ips, entries, DetectFormat(btf, entries, name));
    }

    /// <summary>
    /// The vmlinux table, from the linker symbols; the entry layout from BTF or the entries, the
    /// register numbering from the entries (see <see cref="DetectFormat"/>).
    /// </summary>
    public static OrcTable ReadKernel(KernelContext kernel, BtfTypes? btf)
    {
        var symbols = kernel.Symbols ?? throw new NkdumpException($"ORC needs kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("__start_orc_unwind_ip", out var start) || !symbols.TryGetAddress("__stop_orc_unwind_ip", out var stop)
            || !symbols.TryGetAddress("__start_orc_unwind", out var entryTable))
        {
            throw new NkdumpException("no ORC tables in the kernel (__start_orc_unwind_ip missing: built without CONFIG_UNWINDER_ORC?)");
        }

        if (stop < start || (stop - start) % 4 != 0)
        {
            throw new NkdumpException($"ORC ip table 0x{start:x}..0x{stop:x} is not a whole number of entries");
        }

        return Read(kernel, "vmlinux", start, entryTable, (long)((stop - start) / 4), btf);
    }

    /// <summary>
    /// How a table's entries are encoded. The register numbering comes from the entries
    /// (<see cref="OrcRegisterNumbering.Detect"/>). The bit layout from BTF's struct orc_entry when
    /// there is BTF ("signal" appeared with the typed layout in 6.4, commit fb799447ae29, and "end"
    /// went); else from the entries too: the commonest entry, a call frame based on SP, has type
    /// bits 0 in the old layout (ORC_TYPE_CALL 0) and 2 in the typed one (ORC_TYPE_CALL 2).
    /// </summary>
    public static OrcFormat DetectFormat(BtfTypes? btf, ReadOnlySpan<byte> entries, string table)
    {
        var numbering = OrcRegisterNumbering.Detect(entries, table);
        if (btf?.Find("orc_entry", BtfKind.Struct) is { } entry)
        {
            var type = btf.FindMember(entry.Id, "type");
            if (btf.FindMember(entry.Id, "signal") is not null)
            {
                return new OrcFormat(true, type is { BitfieldSize: > 0 } t ? t.BitfieldSize : 3, numbering);
            }

            if (btf.FindMember(entry.Id, "end") is not null)
            {
                return new OrcFormat(false, type is { BitfieldSize: > 0 } t ? t.BitfieldSize : 2, numbering);
            }
        }

        var sp = numbering.NumberOf(OrcRegister.Sp);
        int legacyCalls = 0, typedCalls = 0;
        for (var at = 0; at + OrcFormat.EntrySize <= entries.Length; at += OrcFormat.EntrySize)
        {
            if ((entries[at + 4] & 0x0f) == sp)
            {
                switch (entries[at + 5] & 0x07)
                {
                    case 0:
                        legacyCalls++;
                        break;
                    case 2:
                        typedCalls++;
                        break;
                }
            }
        }

        return typedCalls > legacyCalls ? new OrcFormat(true, 3, numbering) : new OrcFormat(false, 2, numbering);
    }

    private static (ulong[] Ips, byte[] Entries) ReadRaw(KernelContext kernel, string name, ulong ipTable, ulong entryTable, long count)
    {
        if (count <= 0 || count > InputLimits.Kernel.OrcEntries)
        {
            throw new NkdumpException($"ORC table of {name}: {count} entries is not plausible");
        }

        var raw = kernel.Memory.ReadBytes(ipTable, checked((int)count * 4), $"ORC ip table of {name}");
        var ips = new ulong[count];
        for (var i = 0; i < ips.Length; i++)
        {
            var slot = ipTable + ((ulong)i * 4);
            ips[i] = unchecked(slot + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4)));
        }

        var entries = kernel.Memory.ReadBytes(entryTable, checked((int)count * OrcFormat.EntrySize), $"ORC entries of {name}");
        return (ips, entries);
    }

    /// <summary>The entry covering <paramref name="ip"/>: the last one whose address is at or below it.</summary>
    public bool TryFind(ulong ip, out OrcEntry entry)
    {
        entry = default;
        if (_ips.Length == 0 || ip < _ips[0] || ip > LastIp + (1 << 20))
        {
            return false;
        }

        var index = Array.BinarySearch(_ips, ip);
        if (index < 0)
        {
            index = ~index - 1;
        }
        else
        {
            // Several entries can share an address; the kernel's binary search takes the last one.
            while (index + 1 < _ips.Length && _ips[index + 1] == ip)
            {
                index++;
            }
        }

        if (index < 0)
        {
            return false;
        }

        entry = Format.Decode(_entries.AsSpan(index * OrcFormat.EntrySize, OrcFormat.EntrySize));
        return true;
    }
}
