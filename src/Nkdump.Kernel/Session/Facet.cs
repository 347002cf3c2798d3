using Nkdump.Formats;

namespace Nkdump.Kernel;

/// <summary>A value built on first use, or the reason it could not be (the message of the <see cref="NkdumpException"/>).</summary>
internal sealed record Facet<T>(T? Value, string? Problem)
    where T : class
{
    public static Facet<T> Try(Func<T> build)
    {
        try
        {
            return new Facet<T>(build(), null);
        }
        catch (NkdumpException e)
        {
            return new Facet<T>(null, e.Message);
        }
    }

    /// <summary>The value, or the problem thrown again.</summary>
    public T Need() => Value ?? throw new NkdumpException(Problem ?? "not available");
}
