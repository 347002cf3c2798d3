using System.Globalization;
using System.Text;
using Nkdump.Formats.Notes;
using Nkdump.Kernel;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Stacks;

namespace Nkdump.Analysis.Commands;

/// <summary>
/// A stack as bt prints it: crash's frame lines ("#N [sp] func+0xoff/0xsize [module] at ip"),
/// inside the kernel's stack markers (&lt;IRQ&gt; … &lt;/IRQ&gt;, &lt;TASK&gt; … &lt;/TASK&gt;), with
/// the registers an interrupt, exception or system call saved printed where and as the kernel's own
/// Call Trace prints them ("RIP: 0010:func+0x1d/0x20 [mod]", "Code:", "RSP: 0018:… EFLAGS: …").
/// </summary>
internal static class StackText
{
    /// <summary>show_opcodes(): 42 bytes before the instruction pointer, 21 after it (OPCODE_BUFSIZE 64).</summary>
    private const int CodeBefore = 42;
    private const int CodeLength = 64;

    public static void Append(StringBuilder text, TaskStack stack, KernelSession session)
    {
        var frames = stack.Trace?.Frames ?? [];
        StackArea? open = null;
        foreach (var frame in frames)
        {
            // A user-space frame is the end of the task stack, not a stack of its own.
            var area = frame.Source == FrameSource.UserSpace ? open : stack.AreaOf(frame.Sp);
            if (area != open)
            {
                if (open is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $" </{open.Name}>\n");
                }

                if (area is not null)
                {
                    text.Append(CultureInfo.InvariantCulture, $" <{area.Name}>\n");
                }

                open = area;
            }

            if (frame.PtRegs is not null)
            {
                AppendRegisters(text, frame, session);
            }

            AppendFrame(text, frame);
        }

        if (open is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" </{open.Name}>\n");
        }
    }

    private static void AppendFrame(StringBuilder text, StackFrame frame)
    {
        var note = frame.Source switch
        {
            FrameSource.UserSpace => "  (user space)",
            FrameSource.FramePointer => "  (frame pointer)",
            FrameSource.StackScan => "  (stack scan)",
            _ => "",
        };
        text.Append(CultureInfo.InvariantCulture, $" #{frame.Index,-2} [{frame.Sp,16:x}] {frame.Describe()} at {frame.Ip:x}{note}\n");
        if (frame.Note is { } why)
        {
            text.Append(CultureInfo.InvariantCulture, $"     (found by a stack scan: {why})\n");
        }
    }

    /// <summary>
    /// The saved registers the way __show_regs() prints them inside a trace: the interrupted RIP
    /// with its code bytes, then RSP and EFLAGS (ORIG_RAX for a system call), then the general
    /// registers three to a line; an iret frame alone (a partial pt_regs) gives the first lines only.
    /// </summary>
    private static void AppendRegisters(StringBuilder text, StackFrame frame, KernelSession session)
    {
        var r = frame.Registers;
        var cs = r.Get(X86_64Register.Cs) ?? 0;
        var user = (cs & 3) == 3;
        var where = user ? $"0x{frame.Ip:x}" : session.Symbolize(frame.Ip) ?? $"0x{frame.Ip:x}";
        text.Append(CultureInfo.InvariantCulture, $"     RIP: {cs:x4}:{where}\n");
        if (!user)
        {
            text.Append("     ").Append(CodeLine(session, frame.Ip)).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"     RSP: {r.Get(X86_64Register.Ss) ?? 0:x4}:{frame.Sp:x16} EFLAGS: {r.Get(X86_64Register.Eflags) ?? 0:x8}");
        if (user && r.Get(X86_64Register.OrigRax) is { } orig)
        {
            text.Append(CultureInfo.InvariantCulture, $" ORIG_RAX: {orig:x16}");
        }

        text.Append('\n');
        if (!r.IsKnown(X86_64Register.Rax))
        {
            return;
        }

        (string Name, X86_64Register Register)[][] lines =
        [
            [("RAX", X86_64Register.Rax), ("RBX", X86_64Register.Rbx), ("RCX", X86_64Register.Rcx)],
            [("RDX", X86_64Register.Rdx), ("RSI", X86_64Register.Rsi), ("RDI", X86_64Register.Rdi)],
            [("RBP", X86_64Register.Rbp), ("R08", X86_64Register.R8), ("R09", X86_64Register.R9)],
            [("R10", X86_64Register.R10), ("R11", X86_64Register.R11), ("R12", X86_64Register.R12)],
            [("R13", X86_64Register.R13), ("R14", X86_64Register.R14), ("R15", X86_64Register.R15)],
        ];
        foreach (var line in lines)
        {
            text.Append("    ");
            foreach (var (name, register) in line)
            {
                text.Append(CultureInfo.InvariantCulture, $" {name}: {r.Get(register) ?? 0:x16}");
            }

            text.Append('\n');
        }
    }

    /// <summary>"Code: 0f 1f … &lt;eb&gt; ed …", or the kernel's words when the bytes are not in the dump.</summary>
    private static string CodeLine(KernelSession session, ulong ip)
    {
        var start = ip - CodeBefore;
        var bytes = new byte[CodeLength];
        if (!session.Kernel.Memory.TryRead(start, bytes, out _))
        {
            return $"Code: Unable to access opcode bytes at 0x{start:x}.";
        }

        var line = new StringBuilder("Code:");
        for (var i = 0; i < bytes.Length; i++)
        {
            line.Append(i == CodeBefore ? " <" : " ").Append(bytes[i].ToString("x2", CultureInfo.InvariantCulture)).Append(i == CodeBefore ? ">" : "");
        }

        return line.ToString();
    }
}
