using Nkdump.Formats;

namespace Nkdump.Capture.S3;

/// <summary>An access key and its secret. The secret never appears in ToString, logs or messages.</summary>
public sealed class S3Credentials(string accessKey, string secretKey)
{
    public string AccessKey { get; } = accessKey;

    internal string SecretKey { get; } = secretKey;

    public override string ToString() => $"access key {AccessKey}";

    /// <summary>
    /// Reads a credentials file: AWS's shared credentials format (aws_access_key_id = …,
    /// aws_secret_access_key = … under [default] or no section) or s3cmd's (access_key, secret_key).
    /// Only the first section (or [default]) counts; comments start with # or ;.
    /// </summary>
    public static S3Credentials Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new S3Exception($"cannot read the S3 credentials file {path}: {e.Message}");
        }

        return Parse(text, path);
    }

    public static S3Credentials Parse(string text, string path)
    {
        string? access = null, secret = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (access is not null && secret is not null)
                {
                    break; // the first complete section wins
                }

                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new S3Exception($"{path}:{lineNumber}: expected 'name = value'");
            }

            var name = line[..equals].Trim().ToLowerInvariant();
            var value = line[(equals + 1)..].Trim();
            switch (name)
            {
                case "aws_access_key_id" or "access_key":
                    access = value;
                    break;
                case "aws_secret_access_key" or "secret_key":
                    secret = value;
                    break;
            }
        }

        if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret))
        {
            throw new S3Exception($"{path}: no access key and secret (aws_access_key_id and aws_secret_access_key, or access_key and secret_key)");
        }

        return new S3Credentials(access, secret);
    }
}
