namespace Nkdump.Config;

/// <summary>
/// nkdump's <c>s3 ENDPOINT BUCKET[/PREFIX]</c> target and its companions: <c>s3_region</c> (signatures'
/// scope, default us-east-1), <c>s3_credentials</c> (a file readable only by root holding the access
/// key and secret; never on a command line, in the configuration or in logs) and <c>s3_ca_file</c>
/// (the only CA certificates to trust for an https endpoint; default: the system's bundle).
/// </summary>
public sealed record S3Settings(string Endpoint, string Bucket, string Prefix)
{
    public const string DefaultCredentials = "/etc/nkdump/s3-credentials";
    public const string DefaultRegion = "us-east-1";

    /// <summary>The companion directives, read only with an s3 target.</summary>
    public static IReadOnlyList<string> Directives { get; } = ["s3_region", "s3_credentials", "s3_ca_file"];

    public string Region { get; init; } = DefaultRegion;

    public string CredentialsFile { get; init; } = DefaultCredentials;

    public string? CaFile { get; init; }

    /// <summary>The s3 line's value and its companions; null when the target is not s3.</summary>
    internal static S3Settings? Read(DumpTarget target, List<ConfigLine> lines, string file)
    {
        if (target.Kind != DumpTargetKind.S3)
        {
            var stray = lines.FirstOrDefault(l => Directives.Contains(l.Directive));
            return stray is null ? null : throw new ConfigException("only an 's3' target reads this", file, stray.Line, stray.Directive);
        }

        ConfigException Error(string message) => new(message, file, target.Line, target.Directive);
        var words = target.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2)
        {
            throw Error($"expected 's3 ENDPOINT BUCKET[/PREFIX]' (e.g. 's3 https://s3.example.com crashes/fleet-a'), got '{target.Value}'");
        }

        if (!Uri.TryCreate(words[0], UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https")
            || endpoint.UserInfo.Length > 0 || endpoint.Query.Length > 0)
        {
            throw Error($"'{words[0]}' is not an http:// or https:// endpoint without user or query (credentials go in s3_credentials)");
        }

        var slash = words[1].IndexOf('/');
        var bucket = slash < 0 ? words[1] : words[1][..slash];
        var prefix = slash < 0 ? "" : words[1][(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            throw Error($"'{bucket}' is not a bucket name (3 to 63 of a-z, 0-9, '-' and '.')");
        }

        if (prefix.Split('/').Any(p => p is "." or ".."))
        {
            throw Error($"the prefix '{prefix}' has a '.' or '..' component");
        }

        var settings = new S3Settings(words[0], bucket, prefix.Length == 0 ? "" : prefix + "/");
        foreach (var l in lines)
        {
            ConfigException LineError(string message) => new(message, file, l.Line, l.Directive);
            switch (l.Directive)
            {
                case "s3_region":
                    settings = settings with { Region = l.Value.Contains(' ') ? throw LineError($"one region expected, got '{l.Value}'") : l.Value };
                    break;
                case "s3_credentials":
                    settings = settings with { CredentialsFile = Absolute(l, LineError) };
                    break;
                case "s3_ca_file":
                    settings = settings with { CaFile = Absolute(l, LineError) };
                    break;
            }
        }

        if (endpoint.Scheme == "http" && !endpoint.IsLoopback)
        {
            // Allowed (a store on a private network, the tests' QEMU host), but the dump crosses the network in the clear.
            settings = settings with { PlainHttp = true };
        }

        return settings;
    }

    /// <summary>True for an http:// endpoint off this machine: the dump travels unencrypted (config check warns).</summary>
    public bool PlainHttp { get; init; }

    /// <summary>The value as kdump.conf writes it.</summary>
    public override string ToString() => $"{Endpoint} {Bucket}{(Prefix.Length == 0 ? "" : "/" + Prefix.TrimEnd('/'))}";

    private static string Absolute(ConfigLine l, Func<string, ConfigException> error) =>
        l.Value[0] == '/' && !l.Value.Contains(' ') ? l.Value : throw error($"'{l.Value}' is not an absolute path");
}
