using Nkdump.Formats;

namespace Nkdump.Capture.S3;

/// <summary>An S3 request failed, or the store's answer made no sense.</summary>
public sealed class S3Exception : NkdumpException
{
    public S3Exception(string message)
        : base(message)
    {
    }

    public S3Exception(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? Status { get; init; }

    /// <summary>S3's error code (NoSuchKey, AccessDenied…), when the server sent one.</summary>
    public string? Code { get; init; }
}
