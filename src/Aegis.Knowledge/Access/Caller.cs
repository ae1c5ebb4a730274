using System.Security.Claims;

namespace Aegis.Knowledge.Access;

/// <summary>
/// Who is asking: the JWT subject and the areas (teams) the token says they belong to (claim <c>areas</c>: a JSON
/// array of ids or one comma-separated string). With authentication off every request is the one caller "anonymous".
/// </summary>
public sealed record Caller(string Subject, IReadOnlySet<string> Areas)
{
    public const string AreasClaim = "areas";

    public static Caller Anonymous { get; } = new("anonymous", new HashSet<string>(StringComparer.Ordinal));

    public bool IsMemberOf(string area) => Areas.Contains(area);

    public static Caller From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Anonymous;
        }

        string subject = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "anonymous";
        var areas = new HashSet<string>(StringComparer.Ordinal);
        foreach (Claim c in user.FindAll(AreasClaim))
        {
            foreach (string a in c.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                areas.Add(a);
            }
        }

        return new Caller(subject, areas);
    }
}
