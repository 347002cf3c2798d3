using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nkdump.Capture.S3;

/// <summary>
/// The objects of one crash in a bucket, under PREFIX/HOST-YYYY-MM-DD-HH:MM:SS/ (the name a local dump
/// directory has): uploaded first the small ones a fleet owner reads (the log, crash.json), then the
/// dump, last the marker that says the dump is whole. A crash without the marker has no complete dump,
/// whatever else is there (the upload failed or is still under way).
/// </summary>
public static class FleetObjects
{
    public const string Dmesg = "vmcore-dmesg.txt";
    public const string Crash = "crash.json";
    public const string Vmcore = "vmcore.flat";
    public const string Complete = "vmcore.complete.json";
}

/// <summary>crash.json: what groups crashes (the triage signature) and what a person sees first; the full triage report inside.</summary>
public sealed record CrashRecord(
    string Host, string Signature, string? Panic, string? Kernel, string? CrashTime, string Saved, JsonElement? Triage);

/// <summary>The marker written after the dump's upload completed: its object, bytes, SHA-256 and parts.</summary>
/// <param name="StoppedBy">Set when the capture budget stopped the collector: the dump is whole as a file but lacks pages (the most important are in).</param>
public sealed record CompleteRecord(string Object, long Bytes, string Sha256, int Parts, int PartSize, string Completed, string? StoppedBy);

/// <summary>What a crashed kernel's triage gives the upload (made by the command layer, which knows the analysis code).</summary>
public sealed record CrashReport(string Signature, string? Panic, string? Kernel, string? NodeName, string? CrashTime, string TriageJson);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(CrashRecord))]
[JsonSerializable(typeof(CompleteRecord))]
public sealed partial class FleetJsonContext : JsonSerializerContext;
