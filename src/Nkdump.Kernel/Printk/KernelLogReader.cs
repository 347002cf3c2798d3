using Nkdump.Formats;

namespace Nkdump.Kernel.Printk;

/// <summary>Reads the kernel log with whichever buffer the kernel had, from VMCOREINFO alone.</summary>
public static class KernelLogReader
{
    public static KernelLog Read(KernelContext kernel)
    {
        var info = kernel.VmcoreInfo;
        if (info.Symbol("prb") is not null)
        {
            return LocklessRingBufferReader.Read(kernel);
        }

        if (info.Symbol("log_buf") is not null)
        {
            if (info.Symbol("log_end") is not null)
            {
                throw new NkdumpException("this kernel (before 3.5) keeps its log as a plain byte buffer (SYMBOL(log_end)), which nkdump does not read");
            }

            return StructuredLogBufReader.Read(kernel);
        }

        throw new NkdumpException("VMCOREINFO has neither SYMBOL(prb) (5.10+) nor SYMBOL(log_buf) (3.5-5.9): cannot find the kernel log");
    }
}
