using System.Buffers.Binary;
using System.Text;
using Nkdump.Testing.Builders;

namespace Nkdump.Fuzz.Seeds;

/// <summary>
/// Seeds of the printk targets, as <see cref="SyntheticKernel"/> inputs: a small lockless ring (8
/// descriptors, a 512-byte text ring with a block that wraps) laid out by the real VMCOREINFO of each
/// fixture, and a structured log_buf of the 3.5-5.9 kernels (struct printk_log, and struct log of
/// 3.5-3.10), holding lines of the real kernel log where the fixtures have it.
/// </summary>
internal static class PrintkSeeds
{
    private const ulong Text = SyntheticKernel.Text;


    public static IEnumerable<Seed> Ring(SeedSource source)
    {
        var lines = LogLines(source);
        yield return new Seed("prb-default-layout", RingInput(PrintkRingLayout.Lockless, lines));
        foreach (var (name, text) in RealVmcoreInfos(source))
        {
            var layout = string.Join('\n', text.Split('\n').Where(IsRingLayoutLine));
            if (layout.Length > 0)
            {
                yield return new Seed($"prb-{name}", RingInput(layout, lines));
            }
        }
    }

    public static IEnumerable<Seed> LogBuf(SeedSource source)
    {
        var lines = LogLines(source);
        yield return new Seed("logbuf-printk_log", LogBufInput("printk_log", 24, callerId: true, lines));
        yield return new Seed("logbuf-log-3.5", LogBufInput("log", 16, callerId: false, lines));
    }

    private static bool IsRingLayoutLine(string line) =>
        line.Contains("printk_") || line.Contains("prb_") || line.Contains("atomic_long_t");

    /// <summary>The fixtures' VMCOREINFO texts (the kdump fixture's and each /proc/vmcore's).</summary>
    private static IEnumerable<(string Name, string Text)> RealVmcoreInfos(SeedSource source)
    {
        foreach (var seed in TextSeeds.VmcoreInfo(source).Where(s => !s.Name.EndsWith("-small", StringComparison.Ordinal)))
        {
            yield return (seed.Name, Encoding.ASCII.GetString(seed.Bytes));
        }
    }

    /// <summary>A few lines of the real kernel log (makedumpfile's dmesg of a fixture), or made-up ones.</summary>
    private static string[] LogLines(SeedSource source)
    {
        foreach (var dir in source.FixtureDirs)
        {
            var dmesg = Path.Combine(dir, "expected", "dmesg.makedumpfile.txt");
            if (File.Exists(dmesg))
            {
                return File.ReadLines(dmesg).Take(200).Where(l => l.Length is > 16 and < 100).Select(l => l[(l.IndexOf(']') + 1)..].Trim()).Take(6).ToArray();
            }
        }

        return ["Linux version 6.1.0-fuzz", "Command line: crashkernel=160M", "sysrq: Trigger a crash", "Kernel panic - not syncing: sysrq triggered crash", "CPU: 0 PID: 1 Comm: init", "---[ end Kernel panic ]---"];
    }

    /// <summary>
    /// Memory (offsets from the text address): 0x1000 the prb pointer, 0x2000 struct
    /// printk_ringbuffer, 0x3000 8 descriptors, 0x4000 8 printk_info, 0x5000 the 512-byte text ring.
    /// </summary>
    private static byte[] RingInput(string layout, string[] lines)
    {
        const int CountBits = 3, SizeBits = 9, Count = 1 << CountBits, Size = 1 << SizeBits;
        var blob = new byte[0x5000 + Size];
        BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(0x1000), Text + 0x2000);
        var ring = blob.AsSpan(0x2000);
        BinaryPrimitives.WriteUInt32LittleEndian(ring, CountBits);
        BinaryPrimitives.WriteUInt64LittleEndian(ring[8..], Text + 0x3000);
        BinaryPrimitives.WriteUInt64LittleEndian(ring[16..], Text + 0x4000);
        BinaryPrimitives.WriteUInt32LittleEndian(ring[48..], SizeBits);
        BinaryPrimitives.WriteUInt64LittleEndian(ring[56..], Text + 0x5000);

        // Ids from 10 on (so they wrap round the 8 descriptors), text positions from 3 wraps of the ring
        // on, so that one block crosses the end and is stored at the start instead.
        ulong id = 10, lpos = (3 * Size) + 300;
        ulong tail = id;
        foreach (var (line, i) in lines.Select((l, i) => (l, i)))
        {
            var text = Encoding.ASCII.GetBytes(line);
            var block = (ulong)((8 + text.Length + 7) & ~7);
            ulong begin = lpos, next, at;
            if ((lpos % Size) + block > Size)
            {
                (next, at) = (((lpos / Size) + 1) * Size + block, 0);
            }
            else
            {
                (next, at) = (lpos + block, lpos % Size);
            }

            BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(0x5000 + (int)at), id);
            text.CopyTo(blob.AsSpan(0x5000 + (int)at + 8));
            var desc = blob.AsSpan(0x3000 + (int)(id % Count * 24), 24);
            BinaryPrimitives.WriteUInt64LittleEndian(desc, (2UL << 62) | id); // finalized
            BinaryPrimitives.WriteUInt64LittleEndian(desc[8..], begin);
            BinaryPrimitives.WriteUInt64LittleEndian(desc[16..], next);
            var info = blob.AsSpan(0x4000 + (int)(id % Count * 88), 88);
            BinaryPrimitives.WriteUInt64LittleEndian(info, 100 + (ulong)i);
            BinaryPrimitives.WriteUInt64LittleEndian(info[8..], 1_000_000_000UL * (ulong)(i + 1));
            BinaryPrimitives.WriteUInt16LittleEndian(info[16..], (ushort)text.Length);
            info[19] = (byte)((i % 8) << 5);
            BinaryPrimitives.WriteUInt32LittleEndian(info[20..], 0x80000000u | (uint)i);
            Encoding.ASCII.GetBytes(i == 2 ? "pci" : "").CopyTo(info[24..]);
            Encoding.ASCII.GetBytes(i == 2 ? "+pci:0000:00:1f.2" : "").CopyTo(info[40..]);
            lpos = next;
            id++;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(ring[24..], id - 1); // head_id
        BinaryPrimitives.WriteUInt64LittleEndian(ring[32..], tail);   // tail_id
        BinaryPrimitives.WriteUInt64LittleEndian(ring[64..], lpos);    // head_lpos
        return SyntheticKernel.Compose($"SYMBOL(prb)={Text + 0x1000:x}\n{layout}\n", blob);
    }

    /// <summary>
    /// Memory: 0x1000 log_buf (pointer), 0x1008 log_buf_len, 0x100c log_first_idx, 0x1010
    /// log_next_idx; the 1 KiB buffer at 0x2000, its records wrapping at an end marker (len 0).
    /// </summary>
    private static byte[] LogBufInput(string type, int headerSize, bool callerId, string[] lines)
    {
        const int Length = 1024;
        var blob = new byte[0x2000 + Length];
        BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(0x1000), Text + 0x2000);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(0x1008), Length);
        var buffer = blob.AsSpan(0x2000, Length);
        // The oldest records from 600 on, the end marker where the next would not fit, the newest from 0.
        var position = 600;
        var first = position;
        foreach (var (line, i) in lines.Select((l, i) => (l, i)))
        {
            var text = Encoding.ASCII.GetBytes(line);
            var dict = i == 1 ? Encoding.ASCII.GetBytes("SUBSYSTEM=pci\0DEVICE=+pci:0000:00:1f.2") : [];
            var length = (headerSize + text.Length + dict.Length + 3) & ~3;
            if (position + length + headerSize > Length)
            {
                position = 0; // the zero len left here marks the wrap
            }

            var record = buffer.Slice(position, length);
            BinaryPrimitives.WriteUInt64LittleEndian(record, 1_000_000UL * (ulong)(i + 1));
            BinaryPrimitives.WriteUInt16LittleEndian(record[8..], (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(record[10..], (ushort)text.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(record[12..], (ushort)dict.Length);
            record[14] = 0;
            record[15] = (byte)((i % 8) << 5);
            if (callerId)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(record[16..], (uint)(i + 1));
            }

            text.CopyTo(record[headerSize..]);
            dict.CopyTo(record[(headerSize + text.Length)..]);
            position += length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(0x100c), (uint)first);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(0x1010), (uint)position);
        var info = new StringBuilder()
            .Append($"SYMBOL(log_buf)={Text + 0x1000:x}\nSYMBOL(log_buf_len)={Text + 0x1008:x}\n")
            .Append($"SYMBOL(log_first_idx)={Text + 0x100c:x}\nSYMBOL(log_next_idx)={Text + 0x1010:x}\n")
            .Append($"SIZE({type})={headerSize}\nOFFSET({type}.ts_nsec)=0\nOFFSET({type}.len)=8\nOFFSET({type}.text_len)=10\n");
        if (callerId)
        {
            info.Append($"OFFSET({type}.caller_id)=16\n");
        }

        return SyntheticKernel.Compose(info.ToString(), blob);
    }
}
