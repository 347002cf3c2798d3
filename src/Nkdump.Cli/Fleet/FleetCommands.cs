using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nkdump.Capture.S3;
using Nkdump.Config;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;

namespace Nkdump.Cli.Fleet;

/// <summary>`nkdump fleet list|show|get`: the crashes an s3 target's machines uploaded, grouped by triage signature.</summary>
internal static class FleetCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "fleet",
            "crashes of many machines in an S3 bucket, grouped by signature (list, show, get)",
            "fleet list|show SIGNATURE|get CRASH [--output DIR] [STORE OPTIONS] [--json]",
            """
              fleet list               one line per crash signature: crashes, complete dumps, hosts,
                                       kernels, first and last seen, the panic
              fleet show SIGNATURE     the crashes of a signature (a unique start of it is enough)
              fleet get CRASH          download a crash (its key prefix, as show prints it): the dump is
                                       checked against its SHA-256, rebuilt as OUT/vmcore (kdump-compressed)
                                       beside vmcore-dmesg.txt and crash.json; open it like a local dump
                                       (nkdump triage OUT/vmcore)
            Store options (default: kdump.conf's s3 target and companions):
              --config FILE            kdump.conf to take them from (default /etc/kdump.conf)
              --endpoint URL           http:// or https:// endpoint
              --bucket BUCKET[/PREFIX] the bucket and the key prefix of the crashes
              --region REGION          (default us-east-1)
              --credentials FILE       aws_access_key_id / aws_secret_access_key (a reading key: the
                                       capture's key should be write-only)
              --ca-file FILE           the only CA certificates to trust
              --output DIR             where get writes (default ./NAME of the crash)
              --json                   machine-readable output
            """,
            Run),
    ];

    private static int Run(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--endpoint", "--bucket", "--region", "--credentials", "--ca-file", "--output").Flag("--json").Parse(args);
        parsed.ExpectPositionals(1, 2, "list | show SIGNATURE | get CRASH");
        var verb = parsed.Positionals[0];
        using var client = Client(parsed, out var prefix);
        var store = new FleetStore(client, prefix);
        var json = parsed.Has("--json");
        switch (verb)
        {
            case "list":
                parsed.ExpectPositionals(1, 1, "list");
                return List(ctx, store, json);
            case "show":
                parsed.ExpectPositionals(2, 2, "show SIGNATURE");
                return Show(ctx, store, parsed.Positionals[1], json);
            case "get":
                parsed.ExpectPositionals(2, 2, "get CRASH");
                return Get(ctx, client, prefix, parsed.Positionals[1], parsed.Get("--output"));
            default:
                throw new UsageException($"'{verb}' is not list, show or get");
        }
    }

    private static int List(CommandContext ctx, FleetStore store, bool json)
    {
        var groups = FleetStore.Group(store.Crashes());
        if (json)
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(groups, FleetCliJsonContext.Default.IReadOnlyListFleetGroup));
            return ExitCodes.Success;
        }

        ctx.Out.WriteLine($"{"SIGNATURE",-16}  {"CRASHES",7}  {"DUMPS",5}  {"HOSTS",-20}  {"KERNELS",-20}  {"FIRST SEEN",-20}  {"LAST SEEN",-20}  PANIC");
        foreach (var g in groups)
        {
            ctx.Out.WriteLine($"{g.Signature,-16}  {g.Count,7}  {g.CompleteDumps,5}  {Short(g.Hosts),-20}  {Short(g.Kernels),-20}  {g.FirstSeen,-20}  {g.LastSeen,-20}  {g.Panic}");
        }

        ctx.Out.WriteLine($"{groups.Sum(g => g.Count)} crash(es), {groups.Count} signature(s)");
        return ExitCodes.Success;
    }

    private static int Show(CommandContext ctx, FleetStore store, string signature, bool json)
    {
        var crashes = store.Crashes();
        var matching = crashes.Where(c => c.Signature.StartsWith(signature, StringComparison.Ordinal)).ToList();
        var signatures = matching.Select(c => c.Signature).Distinct().ToList();
        if (signatures.Count != 1)
        {
            ctx.Error.WriteLine(signatures.Count == 0 ? $"nkdump fleet: no crash with signature {signature}" : $"nkdump fleet: '{signature}' starts {signatures.Count} signatures: {string.Join(", ", signatures)}");
            return ExitCodes.Failure;
        }

        if (json)
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(matching.Select(c => new FleetCrashJson(c.Directory, c.Record, c.Complete, c.Problem)).ToList(), FleetCliJsonContext.Default.ListFleetCrashJson));
            return ExitCodes.Success;
        }

        ctx.Out.WriteLine($"signature {signatures[0]}: {matching.Count} crash(es)");
        ctx.Out.WriteLine($"panic: {matching.Select(c => c.Record?.Panic).FirstOrDefault(p => p is not null) ?? "(unknown)"}");
        foreach (var c in matching.OrderBy(c => c.Seen, StringComparer.Ordinal))
        {
            var dump = c.Complete is { } m ? $"dump {m.Bytes} bytes{(m.StoppedBy is null ? "" : $" (stopped by {m.StoppedBy})")}" : c.Problem;
            ctx.Out.WriteLine($"  {c.Directory}  host {c.Record?.Host ?? "?"}  kernel {c.Record?.Kernel ?? "?"}  seen {c.Seen}  {dump}");
        }

        return ExitCodes.Success;
    }

    private static int Get(CommandContext ctx, S3Client client, string prefix, string crash, string? output)
    {
        var directory = crash.TrimEnd('/') + "/";
        if (!directory.StartsWith(prefix, StringComparison.Ordinal))
        {
            directory = prefix + directory;
        }

        var markerBytes = client.GetObject(directory + FleetObjects.Complete);
        var marker = markerBytes is null ? null : JsonSerializer.Deserialize(markerBytes, FleetJsonContext.Default.CompleteRecord);
        if (marker is null)
        {
            ctx.Error.WriteLine($"nkdump fleet: {directory} has no complete dump ({FleetObjects.Complete} is missing): its upload failed or is under way");
            return ExitCodes.Failure;
        }

        var name = directory.TrimEnd('/');
        output ??= name[(name.LastIndexOf('/') + 1)..];
        Directory.CreateDirectory(output);
        var flat = Path.Combine(output, FleetObjects.Vmcore);
        using (var file = DumpFile.Create(flat, overwrite: false, bufferSize: 1 << 20))
        {
            if (!client.GetObjectTo(directory + FleetObjects.Vmcore, file))
            {
                throw new S3Exception($"{directory}{FleetObjects.Vmcore} is missing though its marker is there");
            }
        }

        using (var check = File.OpenRead(flat))
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(check));
            if (sha256 != marker.Sha256 || check.Length != marker.Bytes)
            {
                ctx.Error.WriteLine($"nkdump fleet: {flat} does not match its marker ({check.Length} bytes, sha256 {sha256}; expected {marker.Bytes}, {marker.Sha256})");
                return ExitCodes.Failure;
            }
        }

        var vmcore = Path.Combine(output, "vmcore");
        using (var source = File.OpenRead(flat))
        using (var target = DumpFile.Create(vmcore, overwrite: false, bufferSize: 1 << 16))
        {
            FlattenedReader.Reassemble(source, target, flat);
        }

        File.Delete(flat);
        foreach (var small in new[] { FleetObjects.Dmesg, FleetObjects.Crash })
        {
            if (client.GetObject(directory + small) is { } bytes)
            {
                File.WriteAllBytes(Path.Combine(output, small), bytes);
            }
        }

        ctx.Out.WriteLine($"{vmcore}: {new FileInfo(vmcore).Length} bytes (sha256 of the upload checked); read it with nkdump triage {vmcore}");
        return ExitCodes.Success;
    }

    private static S3Client Client(ParsedArguments parsed, out string prefix)
    {
        string endpoint, bucketAndPrefix;
        string region = parsed.Get("--region") ?? S3Settings.DefaultRegion, credentials = parsed.Get("--credentials") ?? S3Settings.DefaultCredentials;
        var caFile = parsed.Get("--ca-file");
        if (parsed.Get("--endpoint") is { } given)
        {
            endpoint = given;
            bucketAndPrefix = parsed.Get("--bucket") ?? throw new UsageException("--endpoint needs --bucket");
        }
        else
        {
            var config = KdumpConfigParser.Load(parsed.Get("--config") ?? KdumpConfig.DefaultFile);
            var s3 = config.S3 ?? throw new UsageException($"{config.File} has no s3 target: give --endpoint and --bucket");
            endpoint = s3.Endpoint;
            bucketAndPrefix = parsed.Get("--bucket") ?? s3.Bucket + "/" + s3.Prefix;
            region = parsed.Get("--region") ?? s3.Region;
            credentials = parsed.Get("--credentials") ?? s3.CredentialsFile;
            caFile ??= s3.CaFile;
        }

        var slash = bucketAndPrefix.IndexOf('/');
        var bucket = slash < 0 ? bucketAndPrefix : bucketAndPrefix[..slash];
        prefix = slash < 0 ? "" : bucketAndPrefix[(slash + 1)..].Trim('/');
        prefix = prefix.Length == 0 ? "" : prefix + "/";
        return new S3Client(new S3Location(S3Location.ParseEndpoint(endpoint), bucket, region), S3Credentials.Read(credentials), new S3ClientOptions { CaFile = caFile, Attempts = 3 });
    }

    private static string Short(IReadOnlyList<string> items) => items.Count <= 2 ? string.Join(",", items) : $"{items[0]},{items[1]},+{items.Count - 2}";
}

/// <summary>One crash as `fleet show --json` prints it.</summary>
internal sealed record FleetCrashJson(string Directory, CrashRecord? Crash, CompleteRecord? Complete, string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<FleetGroup>))]
[JsonSerializable(typeof(List<FleetCrashJson>))]
internal sealed partial class FleetCliJsonContext : JsonSerializerContext;
