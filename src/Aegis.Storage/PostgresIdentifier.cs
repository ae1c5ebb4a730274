namespace Aegis.Storage;

/// <summary>
/// Schema names are spliced into DDL (identifiers cannot be bound as parameters), so only plain lower-case
/// identifiers are accepted: nothing that needs quoting, nothing that could inject SQL.
/// </summary>
internal static class PostgresIdentifier
{
    private const int MaxLength = 63;

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
