using System.Text;
using System.Text.RegularExpressions;
using Nkdump.Formats.IO;

namespace Nkdump.Analysis;

/// <summary>
/// A stable signature for a crash, so that the same bug on many machines groups together:
/// a hash of the panic reason's shape and the top frames of the call trace, with everything that
/// varies between machines (addresses, offsets, module build ids, pids, numbers) normalized away.
/// </summary>
internal static partial class CrashSignature
{
    /// <summary>How many frames from the top of the stack identify a bug.</summary>
    public const int FrameCount = 5;

    public static string Compute(string reason, IEnumerable<string> frames)
    {
        var normalized = new StringBuilder();
        normalized.Append(NormalizeReason(reason)).Append('\n');
        foreach (var frame in frames.Select(NormalizeFrame).Where(f => f.Length > 0).Take(FrameCount))
        {
            normalized.Append(frame).Append('\n');
        }

        // Managed SHA-256: System.Security.Cryptography would need OpenSSL at run time, which a
        // minimal system running the NativeAOT binary may not have.
        var hash = new Sha256();
        hash.Append(Encoding.UTF8.GetBytes(normalized.ToString()));
        return Convert.ToHexStringLower(hash.Finish().AsSpan(0, 8));
    }

    /// <summary>"__crash_kexec+0x5c/0x80 [mod]" → "__crash_kexec": the function is what identifies the bug.</summary>
    public static string NormalizeFrame(string frame)
    {
        var text = frame.Trim();
        var cut = text.IndexOfAny(['+', ' ', '\t']);
        if (cut >= 0)
        {
            text = text[..cut];
        }

        // Compiler clones ("foo.isra.0", "foo.cold") are the same function.
        var dot = text.IndexOf('.');
        return dot > 0 ? text[..dot] : text;
    }

    /// <summary>
    /// The reason without what varies between machines and builds: numbers, and the folders of a
    /// source file ("kernel BUG at /build/dir/nkcrash.c:34!" and 7.x's "kernel BUG at nkcrash.c:34!"
    /// name the same line).
    /// </summary>
    public static string NormalizeReason(string reason) =>
        Numbers().Replace(SourceFolders().Replace(reason.Trim(), ""), "N");

    // A path's folders before "file.c:LINE".
    [GeneratedRegex(@"(?<=\s)[^\s:]*/(?=[^/\s]+:\d)")]
    private static partial Regex SourceFolders();

    // Hex with or without 0x (addresses are printed bare: "address: ffffc90000abc000"), and decimals.
    [GeneratedRegex(@"\b(0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*\b")]
    private static partial Regex Numbers();
}
