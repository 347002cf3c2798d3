using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Testing.Builders;

namespace Nkdump.Fuzz;

/// <summary>
/// A crashed kernel whose VMCOREINFO and memory the fuzzer writes, for the readers that take a
/// kernel's memory (printk rings, kallsyms, ORC). An input is VMCOREINFO text, a NUL, then a blob of
/// memory placed at physical 0x1000000, i.e. at the kernel text address 0xffffffff81000000 (phys_base
/// and KERNELOFFSET 0); the same bytes are in the direct map at 0xffff888001000000. The blob's first
/// page is the top-level page table (SYMBOL(init_top_pgt)), so addresses outside the two linear maps go
/// through page tables the fuzzer writes too. Lines the text leaves out get the defaults below; a line
/// in the text wins (VMCOREINFO's first definition counts). Nothing else is in the dump: a read elsewhere
/// fails as a read of a page that is not in the dump does.
/// </summary>
internal sealed class SyntheticKernel
{
    public const ulong Text = 0xffffffff81000000;
    public const ulong BlobPhysical = 0x1000000;
    public const int PageSize = 4096;

    // KERNEL_IMAGE_SIZE 17 MiB: the text map ends 1 MiB after the blob's start, so a kallsyms search of
    // the image (for symbols, when VMCOREINFO names no tables) reads 1 MiB rather than 64 MiB every run.
    private const string Defaults = "OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\nNUMBER(phys_base)=0\nKERNELOFFSET=0\nSYMBOL(init_top_pgt)=ffffffff81000000\nNUMBER(KERNEL_IMAGE_SIZE)=17825792\n";

    private SyntheticKernel(VmcoreInfo info, SyntheticMemory memory, byte[] blob)
    {
        Info = info;
        Memory = memory;
        Blob = blob;
    }

    public VmcoreInfo Info { get; }

    public SyntheticMemory Memory { get; }

    /// <summary>The memory bytes of the input (for targets that keep a few control words in it).</summary>
    public byte[] Blob { get; }

    /// <summary>Splits an input into its VMCOREINFO text and its memory.</summary>
    public static SyntheticKernel Parse(byte[] input)
    {
        var nul = Array.IndexOf(input, (byte)0);
        var text = nul < 0 ? input : input[..nul];
        var blob = nul < 0 ? [] : input[(nul + 1)..];
        var info = VmcoreInfo.Parse([.. text, (byte)'\n', .. Encoding.ASCII.GetBytes(Defaults)]);
        var pages = (blob.Length + PageSize - 1) / PageSize;
        var firstPfn = BlobPhysical / PageSize;
        var memory = new SyntheticMemory(firstPfn + (ulong)pages + 16, PageSize);
        for (var i = 0; i < pages; i++)
        {
            var page = new byte[PageSize];
            blob.AsSpan(i * PageSize, Math.Min(PageSize, blob.Length - (i * PageSize))).CopyTo(page);
            memory.Add(firstPfn + (ulong)i, page);
        }

        return new SyntheticKernel(info, memory, blob);
    }

    public KernelContext Open() => KernelContext.Open(Memory, Info);

    /// <summary>An input from its parts (for the seeds): VMCOREINFO lines, then the memory.</summary>
    public static byte[] Compose(string vmcoreInfo, byte[] blob) => [.. Encoding.ASCII.GetBytes(vmcoreInfo), 0, .. blob];
}
