namespace Aegis.Node.Security;

/// <summary>
/// The roles a token carries in its <c>role</c> claim (a string or an array). Each policy lists every role that satisfies
/// it: admin can do what write can, write what read can.
/// </summary>
public static class ApiRoles
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    /// <summary>The JWT claim that holds the roles.</summary>
    public const string ClaimType = "role";

    public static IReadOnlyList<string> All { get; } = [Read, Write, Admin];

    /// <summary>The roles that satisfy <paramref name="policy"/>.</summary>
    public static string[] Satisfying(string policy) => policy switch
    {
        Read => [Read, Write, Admin],
        Write => [Write, Admin],
        Admin => [Admin],
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "not a role"),
    };
}
