using System.Buffers.Binary;
using Nkdump.Formats;
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
    /// <summary>vmlinux has about 400k entries; a bigger table is damage.</summary>
    public const int MaxEntries = 8 * 1024 * 1024;

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

    /// <summary>Reads a table at the given addresses from the crashed kernel's memory.</summary>
    public static OrcTable Read(KernelContext kernel, string name, ulong ipTable, ulong entryTable, long count, OrcFormat format)
    {
        if (count <= 0 || count > MaxEntries)
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
        return new OrcTable(name, ips, entries, format);
    }

    /// <summary>The vmlinux table, from the linker symbols; the entry layout from BTF or the release.</summary>
    public static OrcTable ReadKernel(KernelContext kernel, BtfTypes? btf)
    {
        var symbols = kernel.Symbols ?? throw new NkdumpException($"ORC needs kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("__start_orc_unwind_ip", out var start) || !symbols.TryGetAddress("__stop_orc_unwind_ip", out var stop)
            || !symbols.TryGetAddress("__start_orc_unwind", out var entries))
        {
            throw new NkdumpException("no ORC tables in the kernel (__start_orc_unwind_ip missing: built without CONFIG_UNWINDER_ORC?)");
        }

        if (stop < start || (stop - start) % 4 != 0)
        {
            throw new NkdumpException($"ORC ip table 0x{start:x}..0x{stop:x} is not a whole number of entries");
        }

        return Read(kernel, "vmlinux", start, entries, (long)((stop - start) / 4), DetectFormat(btf, kernel.VmcoreInfo.OsRelease));
    }

    /// <summary>
    /// The orc_entry layout: BTF's struct orc_entry says it directly ("signal" appeared with the typed
    /// layout in 6.4, "end" was dropped); without BTF the kernel release decides.
    /// </summary>
    public static OrcFormat DetectFormat(BtfTypes? btf, string? release)
    {
        if (btf?.Find("orc_entry", BtfKind.Struct) is { } entry)
        {
            var type = btf.FindMember(entry.Id, "type");
            if (btf.FindMember(entry.Id, "signal") is not null)
            {
                return type is { BitfieldSize: > 0 } t ? new OrcFormat(true, t.BitfieldSize) : OrcFormat.Typed;
            }

            if (btf.FindMember(entry.Id, "end") is not null)
            {
                return type is { BitfieldSize: > 0 } t ? new OrcFormat(false, t.BitfieldSize) : OrcFormat.Legacy;
            }
        }

        return ReleaseAtLeast(release, 6, 4) ? OrcFormat.Typed : OrcFormat.Legacy;
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

    private static bool ReleaseAtLeast(string? release, int major, int minor)
    {
        if (release is null)
        {
            return false;
        }

        var parts = release.Split('.', 3);
        return parts.Length >= 2 && int.TryParse(parts[0], out var a) && int.TryParse(new string(parts[1].TakeWhile(char.IsDigit).ToArray()), out var b)
            && (a > major || (a == major && b >= minor));
    }
}
