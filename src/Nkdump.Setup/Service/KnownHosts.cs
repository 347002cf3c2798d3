using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Setup.Boot;

namespace Nkdump.Setup.Service;

/// <summary>
/// Whether an ssh known_hosts file holds a key for a server, looked up as ssh does (sshd(8), "SSH_KNOWN_HOSTS
/// FILE FORMAT"): comma-separated host patterns with * and ? wildcards, "!" negations, "[host]:port"
/// for a port other than 22, @revoked lines ignored. Hashed names (|1|salt|hash, HMAC-SHA1) are left to
/// <c>ssh-keygen -F</c>: nkdump carries no SHA-1 and does not load OpenSSL.
/// </summary>
public static class KnownHosts
{
    /// <summary>The name ssh looks up for <paramref name="host"/> on <paramref name="port"/>.</summary>
    public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>True: a plain entry names it; false: none does and none is hashed; null: only hashed entries could (ask ssh-keygen).</summary>
    public static bool? Knows(string text, string name)
    {
        var hashed = false;
        foreach (var raw in text.Split('\n'))
        {
            var fields = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith('#'))
            {
                continue;
            }

            if (fields[0].StartsWith('@'))
            {
                if (fields[0] == "@revoked")
                {
                    continue;
                }

                fields = fields[1..]; // @cert-authority: a CA for the hosts that follow
            }

            if (fields.Length < 3)
            {
                continue;
            }

            var patterns = fields[0].Split(',');
            hashed |= patterns.Any(p => p.StartsWith("|1|", StringComparison.Ordinal));
            if (patterns.Any(p => p.StartsWith('!') && Glob(p[1..], name)))
            {
                continue;
            }

            if (patterns.Any(p => !p.StartsWith('!') && !p.StartsWith('|') && Glob(p, name)))
            {
                return true;
            }
        }

        return hashed ? null : false;
    }

    /// <summary>Asks <c>ssh-keygen -F NAME -f FILE</c> (which reads hashed entries too); null when it cannot be run.</summary>
    public static bool? AskSshKeygen(CommandRunner runner, string file, string name)
    {
        try
        {
            var output = new StringWriter();
            var status = runner(["ssh-keygen", "-F", name, "-f", file], output);
            return status == 0 && output.ToString().Contains(' ', StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// The port ssh uses for <paramref name="host"/> by an ssh client configuration's text: the first
    /// "Port" in the global part or in a "Host" block whose patterns match (ssh's first-value rule); 22 without one.
    /// </summary>
    public static int Port(string? sshConfig, string host)
    {
        var applies = true;
        foreach (var raw in (sshConfig ?? "").Split('\n'))
        {
            var words = raw.Trim().Split([' ', '\t', '='], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || words[0].StartsWith('#'))
            {
                continue;
            }

            if (words[0].Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                var patterns = words[1..];
                applies = !patterns.Any(p => p.StartsWith('!') && Glob(p[1..], host)) && patterns.Any(p => !p.StartsWith('!') && Glob(p, host));
            }
            else if (words[0].Equals("Match", StringComparison.OrdinalIgnoreCase))
            {
                applies = false; // Match blocks need ssh's own evaluation
            }
            else if (applies && words[0].Equals("Port", StringComparison.OrdinalIgnoreCase) && int.TryParse(words[1], out var port) && port is > 0 and < 65536)
            {
                return port;
            }
        }

        return 22;
    }

    /// <summary>ssh's pattern match: * any run of characters, ? one character, the rest literal (host names compare without case).</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Reads a known_hosts or ssh config file within its limit; null when it does not exist.</summary>
    public static string? TryRead(string path) => InputFile.TryReadAllText(path, InputLimits.KnownHosts, Path.GetFileName(path));
}
