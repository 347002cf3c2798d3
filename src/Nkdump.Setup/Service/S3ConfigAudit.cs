using Nkdump.Config;
using Nkdump.Formats.IO;

namespace Nkdump.Setup.Service;

/// <summary>
/// config check's findings for an s3 target: the credentials file exists, is a regular file owned by
/// root and readable by nobody else (it is a secret the initramfs carries); an https CA file exists; an
/// http:// endpoint off this machine sends the dump unencrypted.
/// </summary>
internal static class S3ConfigAudit
{
    private const UnixFileMode NotOwner = (UnixFileMode)0x3F;

    public static void Check(HostRoot root, KdumpConfig config, List<AuditFinding> findings)
    {
        if (config.S3 is not { } s3)
        {
            return;
        }

        var where = config.Where("s3_credentials") == config.File ? config.Where("s3") : config.Where("s3_credentials");
        var status = UnixFileStatus.Stat(root.Resolve(s3.CredentialsFile));
        if (status is null)
        {
            findings.Add(new(true, $"{where}: the S3 credentials file {s3.CredentialsFile} does not exist: write 'aws_access_key_id = …' and 'aws_secret_access_key = …' in it, chmod 600"));
        }
        else if (status.Kind != UnixFileKind.Regular)
        {
            findings.Add(new(true, $"{where}: the S3 credentials file {s3.CredentialsFile} is {status.KindName}"));
        }
        else
        {
            if ((status.Mode & NotOwner) != 0)
            {
                findings.Add(new(false, $"{where}: the S3 credentials file {s3.CredentialsFile} is readable or writable by others (mode {Convert.ToString((int)status.Mode & 0x1FF, 8)}): it is a secret; chmod 600 {s3.CredentialsFile}"));
            }

            if (status.OwnerId != 0)
            {
                findings.Add(new(false, $"{where}: the S3 credentials file {s3.CredentialsFile} is owned by uid {status.OwnerId}, not root: chown root {s3.CredentialsFile}"));
            }
        }

        if (s3.CaFile is { } ca && !File.Exists(root.Resolve(ca)))
        {
            findings.Add(new(true, $"{config.Where("s3_ca_file")}: the CA file {ca} does not exist"));
        }

        if (s3.PlainHttp)
        {
            findings.Add(new(false, $"{config.Where("s3")}: {s3.Endpoint} is plain http: the dump (kernel memory, secrets included) crosses the network unencrypted; use https or 'encrypt'"));
        }
    }
}
