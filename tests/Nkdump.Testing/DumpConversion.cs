using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;

namespace Nkdump.Testing;

/// <summary>
/// <see cref="DumpConverter.Convert"/> as `nkdump convert` calls it: the header facts and the ELF
/// layout from a kernel session over the input.
/// </summary>
public static class DumpConversion
{
    public static ConvertResult Convert(IKernelDump input, Stream output, OutputFormat format, PageCompression compression)
    {
        var kernel = KernelSession.For(input);
        return DumpConverter.Convert(input, output, format, compression, kernel.KdumpHeaderFacts(), kernel.ElfVirtualLayout());
    }
}
