using System.Runtime.InteropServices;
using Org.BouncyCastle.Crypto.Prng;

namespace Nkdump.Formats.Age;

/// <summary>
/// Random bytes from the kernel (getrandom(2)), for keys and nonces. Not .NET's RandomNumberGenerator:
/// on Linux it calls OpenSSL's RAND_bytes, and the capture initramfs has no libssl (the runtime
/// aborts with "No usable version of libssl was found", which the e2e encrypt case showed). Also the
/// generator for BouncyCastle's RSA blinding when an ssh-rsa identity decrypts (on the host).
/// </summary>
internal sealed partial class SystemRandom : IRandomGenerator
{
    public static void Fill(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint got;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    got = GetRandom(p, (nuint)buffer.Length, 0);
                }
            }

            if (got < 0)
            {
                const int EINTR = 4;
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                {
                    continue;
                }

                throw new NkdumpException($"getrandom failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            buffer = buffer[(int)got..];
        }
    }

    public void AddSeedMaterial(byte[] seed)
    {
    }

    public void AddSeedMaterial(ReadOnlySpan<byte> seed)
    {
    }

    public void AddSeedMaterial(long seed)
    {
    }

    public void NextBytes(byte[] bytes) => Fill(bytes);

    public void NextBytes(byte[] bytes, int start, int len) => Fill(bytes.AsSpan(start, len));

    public void NextBytes(Span<byte> bytes) => Fill(bytes);

    // ssize_t getrandom(void *buf, size_t buflen, unsigned int flags); blocks only until the pool is first initialized.
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);
}
