using System.Globalization;
using System.Text;
using Nkdump.Analysis.Memory;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Rd(string[] args)
    {
        var physical = false;
        var unit = 8;
        var positionals = new List<string>();
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "-p": physical = true; break;
                case "-8": unit = 1; break;
                case "-16": unit = 2; break;
                case "-32": unit = 4; break;
                case "-64": unit = 8; break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new AnalysisUsageException($"rd: unknown option {arg}");
                    }

                    positionals.Add(arg);
                    break;
            }
        }

        if (positionals.Count is < 1 or > 2)
        {
            throw new AnalysisUsageException("usage: rd [-p] [-8|-16|-32|-64] ADDRESS|SYMBOL [COUNT]");
        }

        var address = physical ? ParseHex(positionals[0]) : ParseAddress(positionals[0]);
        var count = positionals.Count == 2 ? ParseInt(positionals[1], "count") : 1;
        if (count < 1 || (long)count * unit > MemoryReader.MaxBytes)
        {
            throw new AnalysisUsageException($"rd: count must be 1..{MemoryReader.MaxBytes / unit}");
        }

        var read = MemoryReader.Read(Session.Kernel, address, physical, unit, count);
        var symbols = read.Values.Select(v => unit == 8 ? SymbolFor(v) : null).ToList();
        var text = new StringBuilder();
        var perLine = 16 / unit;
        for (var i = 0; i < read.Values.Count; i += perLine)
        {
            text.Append(CultureInfo.InvariantCulture, $"{address + (ulong)(i * unit):x16}:  ");
            var line = read.Values.Skip(i).Take(perLine).ToList();
            foreach (var value in line)
            {
                text.Append(value.ToString("x" + (unit * 2), CultureInfo.InvariantCulture)).Append(' ');
            }

            var bytes = read.Bytes.AsSpan(i * unit, line.Count * unit);
            text.Append(' ', ((perLine - line.Count) * ((unit * 2) + 1)) + 1);
            foreach (var b in bytes)
            {
                text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            var names = symbols.Skip(i).Take(perLine).Where(s => s is not null).ToList();
            if (names.Count > 0)
            {
                text.Append("   ").Append(string.Join(' ', names));
            }

            text.Append('\n');
        }

        if (read.Problem is { } problem)
        {
            text.Append(CultureInfo.InvariantCulture, $"(stopped: {problem})\n");
        }

        var json = new RdJson(Hex(address), physical, unit, read.Values.Select(v => Hex(v)).ToList(), symbols, read.Problem);
        return Output(read.Problem is null, text.ToString(), json, Json.RdJson);
    }

    /// <summary>"&lt;name+0x10&gt;" when a 64-bit value points into a kernel symbol (within 64 KiB of it).</summary>
    private string? SymbolFor(ulong value) =>
        value >= 0xffff800000000000UL && Session.Symbols is { } symbols && symbols.TryResolve(value, out var location) && location.Offset < 0x10000
            ? $"<{location}>"
            : null;

    private CommandOutput Kmem(string[] args)
    {
        if (args is not ["-i"])
        {
            throw new AnalysisUsageException("usage: kmem -i");
        }

        var pageSize = Session.Kernel.Physical.PageSize;
        var lines = MemorySummary.Read(Session.Kernel, Session.Btf);
        var total = lines.FirstOrDefault(l => l.Name == "TOTAL MEM")?.Pages;
        var text = new StringBuilder("                      PAGES        TOTAL      PERCENTAGE\n");
        foreach (var line in lines)
        {
            if (line.Pages is { } pages)
            {
                var percent = total is > 0 && line.Name is not ("TOTAL MEM" or "TOTAL SWAP") ? $"{pages * 100.0 / total.Value,5:0.0}% of TOTAL MEM" : "";
                text.Append(CultureInfo.InvariantCulture, $"{line.Name,-18} {pages,10}  {Bytes(pages * pageSize),11}  {percent}\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"{line.Name,-18} (unknown: {line.Source})\n");
            }
        }

        var json = new KmemJson(pageSize, lines.Select(l => new MemoryLineJson(l.Name, l.Pages, l.Pages * pageSize, l.Source)).ToList());
        return Output(lines.All(l => l.Pages is not null), text.ToString(), json, Json.KmemJson);
    }
}
