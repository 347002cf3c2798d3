using System.Text.Json;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Info;
using Nkdump.Formats.IO;

namespace Nkdump.Cli.Commands;

/// <summary>Verbs that work on a dump file anywhere: info, convert, reassemble (dmesg is with the kernel verbs).</summary>
internal static class DumpFileCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "info",
            "show a dump's format, header, compression, page counts, CPUs and VMCOREINFO",
            "info DUMP [DUMP...] [--json] [--identity FILE]...",
            """
              --json     print the same facts as one JSON object
              --identity FILE   open an age-encrypted dump (vmcore.age) with this age identity or OpenSSH private key

            DUMP is an ELF vmcore, a kdump-compressed file or a flattened file (makedumpfile -F).
            Give every part of a makedumpfile --split set to see it as one dump.
            Pages: present = exist in the crashed machine, dumped = in the file (zero pages
            included), excluded = filtered out by the dump level.
            """,
            Info),
        new Command(
            "convert",
            "rewrite a dump in another format or compression, page contents preserved",
            "convert IN [IN...] OUT [--format kdump|elf|flat] [--compress zlib|lzo|snappy|zstd|none] [--force] [--identity FILE]...",
            """
              --format F     kdump (default), elf, or flat (makedumpfile -F, for pipes)
              --compress C   page compression for kdump and flat: zlib (default), lzo, snappy,
                             zstd or none
              -f, --force    replace OUT if it exists (otherwise refuse)
              --identity FILE   IN is age-encrypted (vmcore.age): open it with this identity; OUT is in the clear

            Every page IN holds is written with the same bytes; excluded pages stay excluded.
            OUT may be '-' (standard output) with --format flat or elf. Several INs are the
            parts of a --split set. OUT is created mode 0600 and never through a symbolic link.
            """,
            Convert),
        new Command(
            "reassemble",
            "turn a flattened dump (makedumpfile -F) into a normal file, like makedumpfile -R",
            "reassemble [IN|-] OUT [--force]",
            """
              -f, --force    replace OUT if it exists (otherwise refuse, as makedumpfile -R does)

            Reads IN (or standard input when IN is '-' or absent) and writes OUT, which must be
            a regular file, created mode 0600 and never through a symbolic link.
            """,
            Reassemble),
    ];

    private static int Info(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--json").Repeatable(IdentityOption.Name).Parse(args);
        if (parsed.Positionals.Count == 0)
        {
            throw new UsageException("expected a dump file");
        }

        using var dump = DumpOpener.Open(parsed.Positionals, IdentityOption.Load(parsed));
        var info = DumpInfo.Describe(dump);
        if (parsed.Has("--json"))
        {
            // Kernel area: the crash summary is added as "crash_summary" (KernelCommands.WithCrashSummary).
            ctx.Out.WriteLine(KernelCommands.WithCrashSummary(JsonSerializer.SerializeToNode(info, DumpInfoJsonContext.Default.DumpInfo), dump));
        }
        else
        {
            ctx.Out.Write(DumpInfoText.Render(info));

            // Kernel area: the crash summary section (KernelCommands.CrashSummarySection).
            ctx.Out.Write(KernelCommands.CrashSummarySection(dump));
        }

        return ExitCodes.Success;
    }

    private static int Convert(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--format", "--compress").Flag("--force", "-f").Repeatable(IdentityOption.Name).Parse(args);
        if (parsed.Positionals.Count < 2)
        {
            throw new UsageException("expected an input dump and an output file");
        }

        var format = parsed.Get("--format") switch
        {
            null or "kdump" => OutputFormat.Kdump,
            "elf" => OutputFormat.Elf,
            "flat" => OutputFormat.Flat,
            var other => throw new UsageException($"unknown format '{other}' (kdump, elf or flat)"),
        };
        var compressName = parsed.Get("--compress") ?? (format == OutputFormat.Elf ? "none" : "zlib");
        if (!PageCodecs.TryParse(compressName, out var compression))
        {
            throw new UsageException($"unknown compression '{compressName}' (zlib, lzo, snappy, zstd or none)");
        }

        if (format == OutputFormat.Elf && compression != PageCompression.None)
        {
            throw new UsageException("ELF output is not compressed; --compress applies to kdump and flat");
        }

        var inputs = parsed.Positionals.Take(parsed.Positionals.Count - 1).ToArray();
        var output = parsed.Positionals[^1];
        if (output == "-" && format == OutputFormat.Kdump)
        {
            throw new UsageException("a kdump-compressed file cannot go to standard output: use --format flat");
        }

        using var dump = DumpOpener.Open(inputs, IdentityOption.Load(parsed));
        ConvertResult result;
        var report = ctx.Out;
        if (output == "-")
        {
            report = ctx.Error;
            using var stdout = ctx.OpenStandardOutput();
            result = DumpConverter.Convert(dump, stdout, format, compression);
        }
        else
        {
            if (inputs.Any(i => Path.GetFullPath(i) == Path.GetFullPath(output)))
            {
                throw new NkdumpException($"{output}: the output would overwrite an input");
            }

            // Created first, outside the try: a file that was there and is refused must not be deleted.
            using var stream = DumpFile.Create(output, Forced(parsed));
            try
            {
                result = DumpConverter.Convert(dump, stream, format, compression);
            }
            catch
            {
                File.Delete(output);
                throw;
            }
        }

        var what = format == OutputFormat.Elf ? "elf" : $"{(format == OutputFormat.Flat ? "flattened" : "kdump-compressed")} ({PageCodecs.Name(compression)})";
        report.WriteLine($"{output}: {what}: {result.PagesWritten} pages written ({result.ZeroPages} zero), {result.ExcludedPages} excluded");
        if (result.PartialPages > 0)
        {
            report.WriteLine($"{output}: {result.PartialPages} of them only partly in the input (ELF segments start or end inside them): the missing bytes are written as zeros");
        }

        if (result.UnreadablePages > 0)
        {
            ctx.Error.WriteLine($"nkdump convert: warning: {result.UnreadablePages} pages of the input were missing or corrupt and are left out");
        }

        return ExitCodes.Success;
    }

    private static int Reassemble(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Flag("--force", "-f").Parse(args);
        parsed.ExpectPositionals(1, 2, "[IN|-] OUT");
        var input = parsed.Positionals.Count == 2 ? parsed.Positionals[0] : "-";
        var output = parsed.Positionals[^1];
        if (output == "-")
        {
            throw new UsageException("OUT must be a regular file (the reassembled dump is written out of order)");
        }

        using var source = input == "-" ? ctx.OpenStandardInput() : OpenInput(input);
        long length;
        using (var target = DumpFile.Create(output, Forced(parsed), bufferSize: 1 << 16))
        {
            try
            {
                length = FlattenedReader.Reassemble(source, target, input == "-" ? "<stdin>" : input);
            }
            catch
            {
                File.Delete(output);
                throw;
            }
        }

        ctx.Out.WriteLine($"{output}: reassembled {length} bytes");
        return ExitCodes.Success;
    }

    private static bool Forced(ParsedArguments parsed) => parsed.Has("--force") || parsed.Has("-f");

    private static FileStream OpenInput(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{path}: cannot open: {e.Message}", e);
        }
    }
}
