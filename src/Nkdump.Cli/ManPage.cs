namespace Nkdump.Cli;

/// <summary>
/// nkdump(8) in roff, written from the command table (`nkdump help --man`, run by the package
/// build): every verb with its synopsis, summary and options, so the page cannot drift from the code.
/// </summary>
internal static class ManPage
{
    public static void Write(TextWriter w)
    {
        w.WriteLine($".TH NKDUMP 8 \"\" \"nkdump {CommandLine.Version}\" \"System Administration\"");
        w.WriteLine(".SH NAME");
        w.WriteLine(@"nkdump \- the Linux kdump system: set up, capture, collect and analyze kernel crash dumps");
        w.WriteLine(".SH SYNOPSIS");
        w.WriteLine(@".B nkdump
\fICOMMAND\fR [\fIOPTIONS\fR] [\fIARGS\fR]
.br
.B kdumpctl
\fIVERB\fR
.br
.B kdump\-config
\fIVERB\fR");
        w.WriteLine(".SH DESCRIPTION");
        w.WriteLine(Escape("nkdump loads a capture kernel (kexec_file_load) into the memory reserved with crashkernel=; after a kernel panic the capture kernel runs nkdump from its own initramfs and saves the dead kernel's memory as /etc/kdump.conf says. The same program reads the saved dumps."));
        w.WriteLine(".PP");
        w.WriteLine(Escape("Run as kdumpctl or kdump-config (the package installs both as symbolic links), nkdump accepts those programs' verbs and prints the lines scripts look for: " + string.Join(", ", KdumpctlPersonality.Verbs) + " (kdumpctl); " + string.Join(", ", KdumpConfigPersonality.Verbs) + " (kdump-config)."));
        w.WriteLine(".SH COMMANDS");
        foreach (var command in CommandTable.All)
        {
            w.WriteLine(".TP");
            w.WriteLine($@"\fBnkdump {Escape(command.Usage)}\fR");
            w.WriteLine(Escape(command.Summary));
            if (command.Help.Length > 0)
            {
                w.WriteLine(".RS");
                w.WriteLine(".nf");
                foreach (var line in command.Help.TrimEnd('\n').Split('\n'))
                {
                    w.WriteLine(Escape(line));
                }

                w.WriteLine(".fi");
                w.WriteLine(".RE");
            }
        }

        w.WriteLine(".SH EXIT STATUS");
        w.WriteLine(Escape("0 success, 1 failure, 2 usage error; status exits 3 when kdump is not operational, like kdumpctl."));
        w.WriteLine(".SH FILES");
        w.WriteLine(@".TP
.I /etc/kdump.conf
the configuration, see \fBkdump.conf\fR(5)
.TP
.I /var/lib/nkdump
the capture initramfs of each kernel
.TP
.I /var/crash
the dumps");
        w.WriteLine(".SH SEE ALSO");
        w.WriteLine(@".BR kdump.conf (5),
.BR crash (8),
.BR makedumpfile (8)");
    }

    /// <summary>roff-safe text: backslashes and hyphens escaped, a leading '.' or '\'' kept from being a request.</summary>
    internal static string Escape(string text)
    {
        var escaped = text.Replace("\\", "\\e").Replace("-", "\\-");
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
