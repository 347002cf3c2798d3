using Nkdump.Collector;
using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Formats.Flattened;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Writes the flattened dump straight onto a raw block device, as kdump-utils' dump_raw pipes
/// makedumpfile -F into dd. No log file: a raw device holds one stream. `nkdump savecore` turns it
/// into a vmcore on the next boot.
/// <para>
/// With <c>encrypt</c> the device gets the flattened framing around an age file (not an age stream
/// around a flattened dump): the framing's end marker is in the clear, so savecore (or makedumpfile -R)
/// finds the end without the key and saves vmcore.age, which age decrypts to the very kdump file an
/// unencrypted raw dump reassembles to. The kdump writer seeks in the age file's plaintext; the age
/// writer re-opens a chunk it sealed by reading it back from the device (<see cref="FlattenedWriteStream"/>).
/// </para>
/// </summary>
internal sealed class RawDump(CaptureLog log)
{
    public bool Write(string device, IKernelDump vmcore, CoreCollector collector)
    {
        log.Info($"saving vmcore (flattened) to raw device {device}");
        try
        {
            if (collector.Options is { Encrypt.Count: > 0 })
            {
                WriteEncrypted(device, vmcore, collector);
            }
            else
            {
                CoreCollectorRun.ToStream(collector, vmcore, vmcoreInfo: null, () => new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.None, 1 << 20), log.Console);
            }

            // The collector closed its descriptor; fsync on a new one flushes the device's cache all the same.
            using var sync = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.None, 1);
            sync.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException or CaptureFailedException)
        {
            log.Error($"saving vmcore to {device} failed: {e.Message}");
            return false;
        }

        log.Info($"saving vmcore complete: {device} (run 'nkdump savecore' on the next boot)");
        return true;
    }

    private void WriteEncrypted(string device, IKernelDump vmcore, CoreCollector collector)
    {
        using var raw = new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        var request = CoreCollectorRun.Request(collector, vmcore.Path, device);
        new CollectRunner(request, log.Console, () => throw new InvalidOperationException("no standard output for a raw dump"))
        {
            OpenDumpFile = _ => new FlattenedWriteStream(raw, leaveOpen: true, readBack: true),
        }.Collect(vmcore);
    }
}
