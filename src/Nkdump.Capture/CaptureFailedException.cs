namespace Nkdump.Capture;

/// <summary>A step of the capture failed for a reason the console message names (target missing, mount refused…).</summary>
internal sealed class CaptureFailedException(string message, Exception? inner = null) : Exception(message, inner);
