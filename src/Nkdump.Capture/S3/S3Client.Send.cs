using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;

namespace Nkdump.Capture.S3;

public sealed partial class S3Client
{
    /// <summary>Sends one signed request with retries; the answer when it succeeded (2xx).</summary>
    public S3Response Send(HttpMethod method, string? key, IReadOnlyList<KeyValuePair<string, string>> query, ReadOnlyMemory<byte> body, string? contentType = null)
    {
        var delay = Options.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var request = NewRequest(method, key, query, body, contentType);
                using var response = _http.Send(request, HttpCompletionOption.ResponseContentRead);
                var bytes = ReadAll(response);
                if (response.IsSuccessStatusCode)
                {
                    return new S3Response(response.StatusCode, response.Headers, bytes);
                }

                var failure = Failure(method, key, response.StatusCode, bytes);
                if (!Retryable(response.StatusCode) || attempt >= Options.Attempts)
                {
                    throw failure;
                }

                problem = failure.Message;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && attempt < Options.Attempts)
            {
                problem = e is TaskCanceledException ? $"no answer within {Options.RequestTimeout.TotalSeconds:0} s" : e.Message;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                var reason = e is TaskCanceledException ? $"no answer within {Options.RequestTimeout.TotalSeconds:0} s" : e.Message;
                throw new S3Exception($"{method} {Describe(key)} failed after {attempt} tries: {reason}", e);
            }

            Options.Log?.Invoke($"{method} {Describe(key)}: {problem}; try {attempt + 1} of {Options.Attempts} in {delay.TotalSeconds:0.#} s");
            Pause(delay);
            delay *= 2;
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string? key, IReadOnlyList<KeyValuePair<string, string>> query, ReadOnlyMemory<byte> body, string? contentType)
    {
        var path = Location.PathOf(key);
        var queryText = SigV4.CanonicalQuery(query);
        var endpoint = Location.Endpoint;
        var uri = new Uri($"{endpoint.Scheme}://{endpoint.Authority}{path}{(queryText.Length > 0 ? "?" + queryText : "")}");
        var time = _clock.GetUtcNow();
        var payloadHash = body.IsEmpty ? SigV4.EmptyPayloadHash : SigV4.PayloadHash(body.Span);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", uri.Authority),
            new("x-amz-date", SigV4.AmzDate(time)),
            new("x-amz-content-sha256", payloadHash),
        };
        string? md5 = null;
        if (!body.IsEmpty || method == HttpMethod.Put)
        {
            md5 = Convert.ToBase64String(MD5.HashData(body.Span));
            headers.Add(new("content-md5", md5));
        }

        var request = new HttpRequestMessage(method, uri) { Version = HttpVersion.Version11 };
        request.Headers.TryAddWithoutValidation("x-amz-date", SigV4.AmzDate(time));
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        request.Headers.TryAddWithoutValidation("Authorization", _signer.Authorization(method.Method, path, query, headers, payloadHash, time));
        if (md5 is not null || contentType is not null)
        {
            request.Content = new ReadOnlyMemoryContent(body);
            if (md5 is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-MD5", md5);
            }

            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    private static bool Retryable(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static byte[] ReadAll(HttpResponseMessage response)
    {
        using var stream = response.Content.ReadAsStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private string Describe(string? key) => key is null ? $"bucket {Location.Bucket}" : $"{Location.Bucket}/{key}";

    private S3Exception Failure(HttpMethod method, string? key, HttpStatusCode status, byte[] body)
    {
        string? code = null, message = null;
        try
        {
            var root = XDocument.Parse(System.Text.Encoding.UTF8.GetString(body)).Root;
            code = root is null ? null : ChildText(root, "Code");
            message = root is null ? null : ChildText(root, "Message");
        }
        catch (System.Xml.XmlException)
        {
            // not every error (a proxy's, a 503 from a load balancer) comes as S3 XML
        }

        var detail = code is null ? "" : $": {code}{(message is null ? "" : ": " + message)}";
        return new S3Exception($"{method} {Describe(key)}: HTTP {(int)status} {status}{detail}") { Status = (int)status, Code = code };
    }

    private void Pause(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            using var done = new ManualResetEventSlim();
            using var timer = _clock.CreateTimer(_ => done.Set(), null, delay, Timeout.InfiniteTimeSpan);
            done.Wait();
        }
    }
}
