using System.Runtime.InteropServices;

namespace Nkdump.Cli.Commands;

/// <summary>
/// Waits until what nkdump wrote to a terminal has left it. `nkdump test` says what it does and
/// then crashes the kernel: the panic's messages go to the console straight from the kernel, while
/// our lines may still sit in the tty's output buffer (on a 115200-baud serial console, for
/// hundreds of milliseconds) and would come out in the middle of the kernel's Call Trace, or not at
/// all. tcdrain(3) on standard output returns at once when it is not a terminal.
/// </summary>
internal static partial class TerminalDrain
{
    public static void StandardOutput() => _ = Tcdrain(1);

    [LibraryImport("libc", EntryPoint = "tcdrain")]
    private static partial int Tcdrain(int fd);
}
