using Nkdump.Setup;
using Nkdump.Setup.Import;

namespace Nkdump.Cli.Commands;

/// <summary>`nkdump config import`: kdump-tools' or kdump-utils' settings as /etc/kdump.conf.</summary>
internal static class HostConfigImport
{
    public static int Run(CommandContext ctx, ParsedArguments parsed)
    {
        var import = new ConfigImport(new HostRoot(HostCommandSupport.Root(parsed)));
        var source = parsed.Get("--from") switch
        {
            null => import.Detect(),
            "kdump-tools" => ImportSource.KdumpTools,
            "kdump-utils" => ImportSource.KdumpUtils,
            var other => throw new UsageException($"--from: '{other}' is not kdump-tools or kdump-utils"),
        };
        var result = import.Convert(source);
        foreach (var line in result.NotCarried)
        {
            ctx.Error.WriteLine($"nkdump config import: not carried over: {line}");
        }

        if (parsed.Has("--dry-run"))
        {
            ctx.Out.Write(result.Text);
            return ExitCodes.Success;
        }

        var backup = import.Write(result);
        ctx.Out.WriteLine($"wrote /etc/kdump.conf from {result.Source} ({result.NotCarried.Count} setting(s) not carried over)"
            + (backup is null ? "" : $"; the previous kdump.conf is kept as {backup}"));
        ctx.Out.WriteLine("check it with 'nkdump config check', then 'systemctl restart nkdump'");
        return ExitCodes.Success;
    }
}
