using Npgsql;

namespace Aegis.Storage.Postgres;

/// <summary>
/// Accepts what operators have at hand: an Npgsql connection string ("Host=…;Username=…") or the
/// <c>postgresql://user:password@host:port/database?sslmode=require</c> URL most platforms put in DATABASE_URL.
/// </summary>
internal static class PostgresConnectionString
{
    public static NpgsqlConnectionStringBuilder Parse(string value)
    {
        string trimmed = value.Trim();
        try
        {
            return trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
                ? FromUrl(new Uri(trimmed))
                : new NpgsqlConnectionStringBuilder(trimmed);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException or InvalidCastException)
        {
            // The driver's message names the keyword, never the value, so it is safe to repeat.
            throw new StorageException($"postgresql store: storage.connection_string is neither an Npgsql connection string nor a postgresql:// URL: {ex.Message}", ex);
        }
    }

    /// <summary>Host, port, database and user — everything that identifies the target except the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder b, string? schema)
    {
        string target = $"postgresql store {b.Host ?? "localhost"}:{b.Port}/{b.Database ?? b.Username ?? "(default database)"}";
        string user = b.Username is null ? "" : $"user {b.Username}";
        string inSchema = schema is null ? "" : $"schema {schema}";
        string details = string.Join(", ", new[] { user, inSchema }.Where(s => s.Length > 0));
        return details.Length == 0 ? target : $"{target} ({details})";
    }

    private static NpgsqlConnectionStringBuilder FromUrl(Uri url)
    {
        var b = new NpgsqlConnectionStringBuilder { Host = url.Host.Trim('[', ']') };
        if (url.Port > 0)
        {
            b.Port = url.Port;
        }

        string database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            b.Database = database;
        }

        if (url.UserInfo.Length > 0)
        {
            string[] parts = url.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (string pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]);
            string value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            b[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
        }

        return b;
    }
}
