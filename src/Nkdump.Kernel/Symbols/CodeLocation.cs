using System.Globalization;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// A code address named the way the kernel's stack traces name it (%pS / %pB, sprint_symbol()):
/// "function+0xoffset/0xsize", with " [module]" for a module's code. <see cref="Size"/> is the
/// distance to the next symbol, as kallsyms computes it (0 when unknown: then no "/0x…" is printed).
/// </summary>
public readonly record struct CodeLocation(string Function, ulong FunctionAddress, ulong Offset, ulong Size, string? Module)
{
    public override string ToString()
    {
        var text = Size == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Function}+0x{Offset:x}")
            : string.Create(CultureInfo.InvariantCulture, $"{Function}+0x{Offset:x}/0x{Size:x}");
        return Module is null ? text : $"{text} [{Module}]";
    }
}
