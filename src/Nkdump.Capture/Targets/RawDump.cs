using Nkdump.Config;
using Nkdump.Formats;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Writes the flattened dump straight onto a raw block device, as kdump-utils' dump_raw pipes
/// makedumpfile -F into dd. No log file: a raw device holds one stream. `nkdump savecore` turns it
/// into a vmcore on the next boot.
/// </summary>
internal sealed class RawDump(CaptureLog log)
{
    public bool Write(string device, IKernelDump vmcore, CoreCollector collector)
    {
        log.Info($"saving vmcore (flattened) to raw device {device}");
        try
        {
            CoreCollectorRun.ToStream(collector, vmcore, vmcoreInfo: null, () => new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.None, 1 << 20), log.Console);

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
}
