using System.Buffers.Binary;
using System.Text;
using Nkdump.Capture.Devices;
using Nkdump.Capture.Machine;
using Nkdump.Capture.Targets;
using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;

namespace Nkdump.Capture;

/// <summary>
/// `nkdump savecore`, on the boot after a capture to a raw target (kdumpctl's save_raw): when the
/// raw device starts with a flattened dump, reassemble it into &lt;path&gt;/127.0.0.1-&lt;date&gt;/vmcore
/// (a new 0700 directory, see <see cref="DumpDirectories"/>; through vmcore-incomplete, synced, 0600,
/// created with O_EXCL), write vmcore-dmesg.txt from it (an optional part), and zero the device's
/// 4096-byte flattened header so that the next boot finds nothing to save (kdumpctl zeroes the first
/// 512 bytes; the whole header is cleared here so that no trace of the signature remains).
/// An encrypted raw capture reassembles to an age file: it is saved as vmcore.age, without a log.
/// Exit status: 0 saved, or nothing to do (no raw target, no dump on the device); 1 failed.
/// A stream cut short (no end marker: the capture did not finish) is kept as vmcore-incomplete
/// and the device is cleared all the same, so that a broken dump is not re-read at every boot.
/// </summary>
public sealed class SaveCoreRunner(CaptureRoot root, string configFile, TimeProvider clock, CaptureLog log)
{
    // struct makedumpfile_header { char signature[16]; /* "makedumpfile" */ int64_t type; int64_t version; },
    // big endian, in a 4096-byte block at the start of the stream (makedumpfile.h, MAX_SIZE_MDF_HEADER).
    private const int HeaderBlockSize = 4096;
    private const int SignatureFieldLength = 16;
    private const int TypeOffset = 16;
    private const int VersionOffset = 24;
    private const long FlatHeaderType = 1;
    private const long FlatHeaderVersion = 1;

    private static ReadOnlySpan<byte> Signature => "makedumpfile"u8;

    public int Run()
    {
        KdumpConfig config;
        try
        {
            config = KdumpConfigParser.Load(configFile);
        }
        catch (ConfigException e)
        {
            log.Error(e.Message);
            return 1;
        }

        if (config.Target.Kind != DumpTargetKind.Raw)
        {
            log.Info($"no raw target in {configFile}: nothing to save");
            return 0;
        }

        var device = new BlockDevices(root).Resolve(config.Target.Value);
        if (device is null)
        {
            log.Error($"raw device {config.Target.Value} not found");
            return 1;
        }

        try
        {
            if (!HasFlattenedHeader(device))
            {
                log.Info($"no dump on {config.Target.Value}");
                return 0;
            }

            return Save(config, device);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException)
        {
            log.Error($"{device}: {e.Message}");
            return 1;
        }
    }

    private int Save(KdumpConfig config, string device)
    {
        string directory;
        DumpNames names;
        try
        {
            names = DumpNames.For(config.DumpLayout, SaveRunner.LocalHost, clock.GetLocalNow().DateTime, network: false);
            directory = DumpDirectories.Create(root.Path, config.Path, names.Directory, log);
        }
        catch (CaptureFailedException e)
        {
            log.Error(e.Message);
            return 1;
        }

        int status;
        using (Store.DumpLock.ForWriter(directory, log))
        {
            status = SaveInto(config, device, directory, names);
        }

        // The boot after a raw capture: savecore, not the boot report, knows that `nkdump test`'s crash was saved.
        OptionalPart.Run(log, "completing the test record", () =>
        {
            if (Store.DumpDirectoryReader.Read(directory) is { } saved
                && Store.TestRecords.Complete(root, [saved], d => d.Saved, clock.GetUtcNow()) is { } test)
            {
                log.Info(Store.TestRecords.Describe(test, null));
            }
        });
        OptionalPart.Run(log, $"writing {CaptureLog.IncidentsFile}", () =>
        {
            if (log.Incidents.Count > 0)
            {
                DirectoryDump.WriteNew(Path.Combine(directory, CaptureLog.IncidentsFile), Encoding.UTF8.GetBytes(log.IncidentsText()));
            }
        });
        return status;
    }

    private int SaveInto(KdumpConfig config, string device, string directory, DumpNames names)
    {
        var incomplete = Path.Combine(directory, names.VmcoreIncomplete);
        log.Info($"saving the dump on {config.Target.Value} to {incomplete}");
        try
        {
            using (var input = new FileStream(device, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            using (var output = DumpFile.Create(incomplete, overwrite: false, bufferSize: 1 << 20))
            {
                var length = FlattenedReader.Reassemble(input, output, device);
                output.Flush(flushToDisk: true);
                log.Info($"reassembled {length} bytes");
            }
        }
        catch (DumpFormatException e)
        {
            log.Error($"the dump on {config.Target.Value} is damaged or cut short: {e.Message}; what it holds is kept as {incomplete}");
            Consume(device);
            return 1;
        }

        // An encrypted capture (kdump.conf's encrypt) put an age file inside the framing: it is saved as
        // it is, under the encrypted name; its log needs the identity, which this machine need not hold.
        var encrypted = DumpOpener.IsEncrypted(incomplete);
        var vmcore = Path.Combine(directory, encrypted ? names.Vmcore + DumpEncryption.Suffix : names.Vmcore);
        File.Move(incomplete, vmcore);
        NativeCalls.SyncDirectory(directory);
        log.Info($"saving vmcore complete: {vmcore}");
        if (encrypted)
        {
            log.Info($"the dump is age-encrypted: no {names.Dmesg} (read it with 'nkdump dmesg --identity FILE {vmcore}')");
        }
        else
        {
            OptionalPart.Run(log, $"saving {names.Dmesg}", () => WriteDmesg(directory, names.Dmesg, vmcore));
        }

        Consume(device);
        return 0;
    }

    private void WriteDmesg(string directory, string dmesgName, string vmcore)
    {
        DumpFacts facts;
        try
        {
            using var dump = DumpOpener.Open(vmcore);
            facts = DumpFacts.Read(dump);
        }
        catch (Exception e) when (e is IOException or NkdumpException)
        {
            log.Error($"no {dmesgName}: {e.Message}");
            return;
        }

        if (facts.Dmesg is null)
        {
            log.Error($"no {dmesgName}: {facts.DmesgProblem}");
            return;
        }

        DirectoryDump.WriteNew(Path.Combine(directory, dmesgName), Encoding.UTF8.GetBytes(facts.Dmesg));
        if (facts.DmesgProblem is not null)
        {
            log.Warning($"the log may be partial: {facts.DmesgProblem}");
        }

        log.Info($"saving {dmesgName} complete");
    }

    /// <summary>Zeroes the flattened header on the device and syncs it.</summary>
    private void Consume(string device)
    {
        using var file = new FileStream(device, FileMode.Open, FileAccess.Write, FileShare.None, 1);
        file.Write(new byte[HeaderBlockSize]);
        file.Flush(flushToDisk: true);
        log.Info($"cleared the dump header on {device}: the next boot will not save it again");
    }

    /// <summary>
    /// The device starts with a flattened header: "makedumpfile" NUL-padded to 16 bytes, then big-endian
    /// type and version, both 1 (makedumpfile's struct makedumpfile_header).
    /// </summary>
    public static bool HasFlattenedHeader(string device)
    {
        using var file = File.OpenHandle(device, FileMode.Open, FileAccess.Read);
        Span<byte> header = stackalloc byte[VersionOffset + sizeof(long)];
        if (RandomAccess.Read(file, header, 0) < header.Length)
        {
            return false;
        }

        return header[..Signature.Length].SequenceEqual(Signature)
            && header[Signature.Length..SignatureFieldLength].IndexOfAnyExcept((byte)0) < 0
            && BinaryPrimitives.ReadInt64BigEndian(header[TypeOffset..]) == FlatHeaderType
            && BinaryPrimitives.ReadInt64BigEndian(header[VersionOffset..]) == FlatHeaderVersion;
    }
}
