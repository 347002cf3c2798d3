using Nkdump.Formats;
using Nkdump.Formats.Age;

namespace Nkdump.Config;

/// <summary>
/// nkdump's <c>encrypt RECIPIENT…</c>: the dump (and, unless <c>encrypt_dmesg 0</c>, the kernel log)
/// is written in the age format to these public keys. A recipient is an "age1…" key, or an OpenSSH
/// public key written as its type and base64 ("ssh-ed25519 AAAA…", "ssh-rsa AAAA…"), without the comment.
/// </summary>
public static class EncryptDirective
{
    /// <summary>The recipients of an <c>encrypt</c> value, each checked as age would; <paramref name="error"/> makes the message a config error.</summary>
    public static IReadOnlyList<string> Parse(string value, Func<string, Exception> error)
    {
        var words = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var recipients = new List<string>();
        for (var i = 0; i < words.Length; i++)
        {
            var recipient = words[i];
            if (AgeRecipient.IsSecretKey(recipient))
            {
                throw error($"word {i + 1}: {AgeRecipient.SecretKeyMessage}");
            }

            if (recipient is "ssh-ed25519" or "ssh-rsa")
            {
                recipient = i + 1 < words.Length ? $"{recipient} {words[++i]}" : throw error($"'{recipient}' needs its base64 key after it");
            }
            else if (!recipient.StartsWith("age1", StringComparison.Ordinal))
            {
                throw error($"'{recipient}' is not a recipient: give age1… keys or 'ssh-ed25519 KEY' / 'ssh-rsa KEY' (no comments)");
            }

            try
            {
                _ = AgeRecipient.Parse(recipient);
            }
            catch (NkdumpException e)
            {
                throw error(e.Message);
            }

            recipients.Add(recipient);
        }

        return recipients;
    }
}
