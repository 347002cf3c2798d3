using System.Security.Cryptography;

namespace Nkdump.Capture.S3;

/// <summary>
/// A write-only stream that uploads what it is given as one object, in parts of
/// <see cref="PartSize"/> bytes (a multipart upload): memory stays at one part whatever the dump's
/// size, and a failed part is retried by the client alone. Nothing is visible in the bucket until
/// <see cref="Complete"/>; <see cref="Abort"/> drops the parts (disposing does neither: the collector
/// disposes its output when it ends, well or not), so
/// a broken upload never looks like a dump. The whole stream's SHA-256 is kept for the marker object.
/// </summary>
public sealed class S3UploadStream : Stream
{
    /// <summary>16 MiB: small beside a capture kernel's memory, large enough that 10,000 parts hold 156 GiB.</summary>
    public const int DefaultPartSize = 16 << 20;

    /// <summary>S3's floor for every part but the last.</summary>
    public const int MinimumPartSize = 5 << 20;

    /// <summary>S3's ceiling on parts of one upload.</summary>
    public const int MaximumParts = 10_000;

    private readonly S3Client _client;
    private readonly string _key;
    private readonly byte[] _buffer;
    private readonly List<string> _etags = [];
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _filled;
    private string? _uploadId;
    private bool _finished;

    public S3UploadStream(S3Client client, string key, int partSize = DefaultPartSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, MinimumPartSize);
        _client = client;
        _key = key;
        _buffer = new byte[partSize];
    }

    /// <summary>The part size that lets <paramref name="upperBound"/> bytes fit in S3's 10,000 parts (at least 16 MiB, whole MiB).</summary>
    public static int PartSizeFor(long upperBound)
    {
        var needed = (upperBound / (MaximumParts - 100)) + 1; // a margin: the bound is an estimate
        var size = Math.Max(DefaultPartSize, (needed + (1 << 20) - 1) & ~((1L << 20) - 1));
        return (int)Math.Min(size, 1L << 30);
    }

    public int PartSize => _buffer.Length;

    /// <summary>Bytes written so far.</summary>
    public long Written { get; private set; }

    public int PartsUploaded => _etags.Count;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => Written;

    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _sha256.AppendData(data);
        Written += data.Length;
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _buffer.Length - _filled);
            data[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            data = data[take..];
            if (_filled == _buffer.Length)
            {
                UploadBufferedPart();
            }
        }
    }

    /// <summary>Nothing to do: parts go up when full, the rest at <see cref="Complete"/>.</summary>
    public override void Flush()
    {
    }

    /// <summary>Uploads what is left and makes the object appear; the SHA-256 of all bytes (lower-case hex).</summary>
    public string Complete()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_uploadId is null)
        {
            // Smaller than one part: a single PUT, which the store verifies the same way.
            _client.PutObject(_key, _buffer.AsMemory(0, _filled));
        }
        else
        {
            if (_filled > 0)
            {
                UploadBufferedPart();
            }

            _client.CompleteMultipartUpload(_key, _uploadId, _etags);
        }

        _finished = true;
        var sha256 = Convert.ToHexStringLower(_sha256.GetHashAndReset());
        _sha256.Dispose();
        return sha256;
    }

    /// <summary>Gives the upload up: the store drops the parts. Best effort (the store may be what failed); the error, if any, is returned.</summary>
    public string? Abort()
    {
        if (_finished)
        {
            return null;
        }

        _finished = true;
        _sha256.Dispose();
        if (_uploadId is null)
        {
            return null;
        }

        try
        {
            _client.AbortMultipartUpload(_key, _uploadId);
            return null;
        }
        catch (S3Exception e)
        {
            return e.Message;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void UploadBufferedPart()
    {
        if (_etags.Count >= MaximumParts)
        {
            throw new S3Exception($"{_key}: more than {MaximumParts} parts of {PartSize} bytes; the dump is larger than its bound");
        }

        _uploadId ??= _client.CreateMultipartUpload(_key);
        _etags.Add(_client.UploadPart(_key, _uploadId, _etags.Count + 1, _buffer.AsMemory(0, _filled)));
        _filled = 0;
    }
}
