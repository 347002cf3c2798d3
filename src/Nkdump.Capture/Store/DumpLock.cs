using System.Runtime.InteropServices;

namespace Nkdump.Capture.Store;

/// <summary>
/// The lock that says "a dump is being written here": `save` and `savecore` hold an exclusive
/// flock(2) on the dump directory itself from the moment they create it until the vmcore is
/// final, and `rm`, `prune` and retention take the same lock (without waiting) before they remove
/// a directory. The kernel drops a flock when its holder dies, so a vmcore-incomplete whose lock
/// can be taken was left by a writer that is gone (a capture cut short, a reboot): it may be
/// removed; one whose lock is held may not. No lock file is needed, and none can be left behind.
/// NFS emulates flock with its byte-range locks (Linux 2.6.12 and later), so this holds there too.
/// </summary>
public sealed partial class DumpLock : IDisposable
{
    private const int OpenReadOnly = 0, OpenDirectory = 0x10000, OpenCloseOnExec = 0x80000;
    private const int LockExclusive = 2, LockNonBlocking = 4;
    private const int EWOULDBLOCK = 11;

    private int _descriptor;

    private DumpLock(int descriptor) => _descriptor = descriptor;

    /// <summary>Takes the lock on <paramref name="directory"/>; null when another process holds it.</summary>
    /// <exception cref="IOException">The directory cannot be opened or locked for another reason.</exception>
    public static DumpLock? TryTake(string directory)
    {
        var descriptor = OpenNative(directory, OpenReadOnly | OpenDirectory | OpenCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"{directory}: cannot open: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        if (FlockNative(descriptor, LockExclusive | LockNonBlocking) == 0)
        {
            return new DumpLock(descriptor);
        }

        var errno = Marshal.GetLastPInvokeError();
        CloseNative(descriptor);
        return errno == EWOULDBLOCK ? null
            : throw new IOException($"{directory}: cannot lock: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>
    /// The writer's lock on a new dump directory (nobody else knows it yet, so it is free). A file
    /// system without locks (an NFS export without lock support) costs only this protection: logged, null.
    /// </summary>
    internal static DumpLock? ForWriter(string directory, CaptureLog log)
    {
        try
        {
            return TryTake(directory);
        }
        catch (IOException e)
        {
            log.Info($"the dump directory cannot be locked ({e.Message}): rm and prune cannot tell it is being written");
            return null;
        }
    }

    /// <summary>Whether a live process holds the lock on <paramref name="directory"/> (it is being written).</summary>
    public static bool IsHeld(string directory)
    {
        using var taken = TryTake(directory);
        return taken is null;
    }

    public void Dispose()
    {
        if (_descriptor >= 0)
        {
            CloseNative(_descriptor); // closing the last descriptor releases the flock
            _descriptor = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockNative(int descriptor, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int descriptor);
}
