using System.Text;

namespace Nkdump.Config;

/// <summary>
/// kdump-utils' <c>dracut_args</c>: extra dracut options for the capture initramfs. nkdump builds
/// its image itself, so only the compression is taken from them (<c>--compress=X</c>,
/// <c>--compress X</c>, or dracut's shorthands <c>--gzip</c>, <c>--zstd</c>, <c>--xz</c>, <c>--lz4</c>,
/// <c>--lzma</c>, <c>--bzip2</c>, <c>--lzo</c>); every other option is reported as ignored.
/// </summary>
internal static class DracutArgs
{
    /// <summary>The compression the options ask for (null when none), and the options nkdump ignores.</summary>
    public static InitramfsCompression? Read(string value, Func<string, Exception> error, out IReadOnlyList<string> ignored)
    {
        var words = SplitShellWords(value, error);
        var rest = new List<string>();
        InitramfsCompression? compression = null;
        string? compressorOptions = null;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            string? compressor = null;
            if (word.StartsWith("--compress=", StringComparison.Ordinal))
            {
                compressor = word["--compress=".Length..];
            }
            else if (word == "--compress")
            {
                compressor = i + 1 < words.Count ? words[++i] : throw error("'--compress' needs a compressor, e.g. --compress=zstd");
            }
            else if (word.StartsWith("--", StringComparison.Ordinal) && InitramfsCompressionNames.TryParse(word[2..], out var shorthand) && word[2..] == InitramfsCompressionNames.Of(shorthand))
            {
                compressor = word[2..];
            }

            if (compressor is null)
            {
                rest.Add(word);
                continue;
            }

            // dracut takes a whole command ("xz -9"); nkdump picks its own options for the program.
            var program = compressor.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            if (!InitramfsCompressionNames.TryParse(program, out var parsed))
            {
                throw error($"compressor '{compressor}' is not one nkdump knows ({InitramfsCompressionNames.List})");
            }

            if (compression is { } earlier && earlier != parsed)
            {
                throw error($"two compressions: {InitramfsCompressionNames.Of(earlier)} and {InitramfsCompressionNames.Of(parsed)}");
            }

            if (program != compressor.Trim())
            {
                compressorOptions = $"(the options in '{compressor}')";
            }

            compression = parsed;
        }

        if (compressorOptions is not null)
        {
            rest.Add(compressorOptions);
        }

        ignored = rest;
        return compression;
    }

    /// <summary>Splits like a shell: blanks separate words, single and double quotes group them.</summary>
    private static List<string> SplitShellWords(string value, Func<string, Exception> error)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in value)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (c is ' ' or '\t')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            throw error("a quote is not closed");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
