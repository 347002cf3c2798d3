using System.Globalization;

namespace Nkdump.Capture;

/// <summary>
/// kdump_pre, kdump_post and the scripts in /etc/kdump/pre.d and post.d, with kdump-utils' meaning:
/// kdump_pre failing (non-zero) stops the capture and final_action runs; a failing pre.d script is
/// only reported; post.d scripts and then kdump_post get the dump's exit status as their argument and
/// their failures are only reported.
/// </summary>
internal sealed class Hooks(CaptureRoot root, CaptureLog log)
{
    public const string PreDirectory = "/etc/kdump/pre.d";
    public const string PostDirectory = "/etc/kdump/post.d";

    /// <summary>Runs kdump_pre then pre.d; false when kdump_pre failed.</summary>
    public bool RunPre(string? kdumpPre)
    {
        if (kdumpPre is not null)
        {
            var status = Run(kdumpPre, []);
            if (status != 0)
            {
                log.Error($"kdump_pre {kdumpPre} exited with status {status}");
                return false;
            }
        }

        foreach (var script in Scripts(PreDirectory))
        {
            var status = Run(script, []);
            if (status != 0)
            {
                log.Warning($"{script} exited with status {status}");
            }
        }

        return true;
    }

    /// <summary>Runs post.d then kdump_post with the dump's exit status.</summary>
    public void RunPost(string? kdumpPost, int dumpStatus)
    {
        var argument = dumpStatus.ToString(CultureInfo.InvariantCulture);
        foreach (var script in Scripts(PostDirectory).Concat(kdumpPost is null ? [] : [kdumpPost]))
        {
            var status = Run(script, [argument]);
            if (status != 0)
            {
                log.Warning($"{script} exited with status {status}");
            }
        }
    }

    /// <summary>Runs a program (an absolute path inside the capture root); 127 when it cannot start, as a shell says.</summary>
    private int Run(string program, IReadOnlyList<string> arguments)
    {
        var path = root.Resolve(program);
        log.Info($"running {program}{(arguments.Count > 0 ? " " + string.Join(' ', arguments) : "")}");
        return ChildProcess.Run(path, program, arguments, log);
    }

    private IEnumerable<string> Scripts(string directory)
    {
        var path = root.Resolve(directory);
        return Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Select(f => directory + "/" + Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList()
            : [];
    }
}
