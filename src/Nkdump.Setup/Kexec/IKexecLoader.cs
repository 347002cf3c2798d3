namespace Nkdump.Setup.Kexec;

/// <summary>
/// Loads and unloads the capture kernel. The real one calls kexec_file_load(2); tests and root
/// prefixes use one that loads nothing.
/// </summary>
public interface IKexecLoader
{
    /// <summary>Loads <paramref name="kernel"/> with <paramref name="initramfs"/> into the crash reservation.</summary>
    void LoadCrash(string kernel, string initramfs, string commandLine);

    /// <summary>Unloads the capture kernel (nothing happens when none is loaded).</summary>
    void UnloadCrash();
}

/// <summary>A failed kexec_file_load: the errno and what it means for the user.</summary>
internal sealed class KexecException(int errno, string message) : Formats.NkdumpException(message)
{
    public int Errno { get; } = errno;
}
