namespace Nkdump.Formats.IO;

/// <summary>Hands a freshly opened resource to the code that builds on it, without leaking it when that code throws.</summary>
internal static class Ownership
{
    /// <summary>
    /// Returns <paramref name="build"/>(<paramref name="resource"/>), which takes the resource over;
    /// when it throws, the resource is disposed and the exception goes on.
    /// </summary>
    public static T Take<TResource, T>(TResource resource, Func<TResource, T> build)
        where TResource : IDisposable
    {
        try
        {
            return build(resource);
        }
        catch
        {
            resource.Dispose();
            throw;
        }
    }
}
