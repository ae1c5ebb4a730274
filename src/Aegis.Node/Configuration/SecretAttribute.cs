namespace Aegis.Node.Configuration;

/// <summary>
/// Marks a setting whose value must never reach a problem line, a log or <c>config check</c> output. Redaction reads
/// this attribute, so a new secret is protected everywhere by marking it once.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute
{
    /// <summary>
    /// True for connection strings: only the password inside is hidden, because host, port and database are what an
    /// operator needs to see when a connection fails.
    /// </summary>
    public bool PasswordOnly { get; init; }
}
