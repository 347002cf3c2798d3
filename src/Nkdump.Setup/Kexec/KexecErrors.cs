namespace Nkdump.Setup.Kexec;

/// <summary>
/// What an errno from kexec_file_load means when loading a capture kernel (kernel/kexec_file.c,
/// kernel/kexec_core.c, kernel/kexec_file.c's signature checks): the message a person can act on.
/// </summary>
internal static class KexecErrors
{
    public const int EPERM = 1, E2BIG = 7, ENOEXEC = 8, ENOMEM = 12, EBUSY = 16, EINVAL = 22, ENOSYS = 38,
        ENOPKG = 65, EBADMSG = 74, EADDRNOTAVAIL = 99, ENOKEY = 126, EKEYREJECTED = 129;

    public static string Describe(int errno, string kernel) => errno switch
    {
        EPERM => "not permitted: nkdump must run as root (CAP_SYS_BOOT); otherwise kexec is disabled "
            + "(sysctl kernel.kexec_load_disabled=1) or the kernel is locked down (Secure Boot) and refuses an unsigned or untrusted kernel",
        EKEYREJECTED or EBADMSG or ENOKEY or ENOPKG =>
            $"the kernel's signature check rejected {kernel} (Secure Boot or CONFIG_KEXEC_SIG_FORCE needs a kernel signed with a trusted key)",
        EADDRNOTAVAIL => "the crash reservation has no room for the capture kernel and initramfs: either no memory is reserved "
            + "(add crashkernel= to the kernel command line and reboot: 'nkdump crashkernel reset') or it is too small ('nkdump estimate')",
        ENOMEM => "out of memory while loading: the crash reservation is probably too small for the kernel and initramfs ('nkdump estimate')",
        EBUSY => "the kernel is busy with another kexec operation (another kexec or kdump service may be loading); try again",
        ENOEXEC => $"{kernel} is not a kernel image this kernel can load with kexec_file_load (a bzImage is needed on x86_64)",
        E2BIG => "the capture command line is longer than the kernel accepts",
        EINVAL => "the kernel refused the arguments: the command line, the image or the initramfs is invalid",
        ENOSYS => "this kernel has no kexec_file_load (built without CONFIG_KEXEC_FILE)",
        _ => $"kexec_file_load failed with errno {errno}",
    };
}
