using System.Globalization;
using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Reads a System.map ("ADDRESS TYPE NAME" per line, as nm prints it). Its addresses are the
/// link-time ones: pass the dump's KERNELOFFSET to relocate kernel addresses (those in the text
/// map, at or above __START_KERNEL_map); absolute and per-cpu values are not moved.
/// </summary>
public static class SystemMapReader
{
    public static SymbolTable Read(string path, ulong kernelOffset = 0)
    {
        try
        {
            // Bounded and regular files only: a FIFO or /dev/zero named as the map must fail, not hang or exhaust memory.
            using var reader = new StringReader(InputFile.ReadAllText(path, InputLimits.SystemMap, "the System.map"));
            return Read(reader, path, kernelOffset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{path}: cannot read: {e.Message}", e);
        }
    }

    public static SymbolTable Read(TextReader reader, string source, ulong kernelOffset = 0)
    {
        var symbols = new List<KernelSymbol>(200_000);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || parts[1].Length != 1 ||
                !ulong.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
            {
                throw new NkdumpException($"{source}:{lineNumber}: not a System.map line (\"ADDRESS TYPE NAME\"): {line}");
            }

            symbols.Add(new KernelSymbol(parts[2], Relocate(address, kernelOffset), parts[1][0]));
        }

        return new SymbolTable(source, symbols);
    }

    /// <summary>KASLR moves the kernel image only: addresses in the text map, not per-cpu offsets or absolute values.</summary>
    public static ulong Relocate(ulong address, ulong kernelOffset) =>
        address >= Memory.X86_64Constants.StartKernelMap ? unchecked(address + kernelOffset) : address;
}
