using Nkdump.Formats;

namespace Nkdump.Kernel;

/// <summary>
/// What to use besides the dump: a System.map or a vmlinux (symbols; a vmlinux also gives BTF) for
/// when the dump's own kallsyms or BTF are missing or not trusted, and a VMCOREINFO to use instead
/// of the dump's (the collector's -x or -i).
/// </summary>
public sealed record KernelSessionOptions
{
    public string? SystemMap { get; init; }

    public string? Vmlinux { get; init; }

    public VmcoreInfo? VmcoreInfo { get; init; }

    /// <summary>The keys that open an age-encrypted dump (--identity); null for a dump in the clear.</summary>
    public IReadOnlyList<Formats.Age.AgeIdentity>? Identities { get; init; }

    /// <summary>
    /// Kernel modules' .ko files, or folders to look in (a module's file is NAME.ko there or below,
    /// '-' and '_' alike): their symbols replace the ones the dump keeps for the loaded module of
    /// the same name.
    /// </summary>
    public IReadOnlyList<string> ModuleFiles { get; init; } = [];
}
