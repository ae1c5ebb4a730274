namespace Aegis.Storage;

/// <summary>Driver exceptions often hide the useful sentence ("Connection refused") in an inner exception; this flattens the chain.</summary>
internal static class ErrorText
{
    public static string Flatten(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            string message = e.Message.Trim();
            if (message.Length > 0 && !parts.Exists(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return string.Join(": ", parts);
    }
}
