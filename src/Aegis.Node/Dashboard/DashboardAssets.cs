using System.Security.Cryptography;

namespace Aegis.Node.Dashboard;

/// <summary>One embedded file of the page, with its content type and a strong ETag.</summary>
public sealed record DashboardAsset(string Path, string ContentType, byte[] Content, string ETag);

/// <summary>
/// The page's files, embedded in this assembly (Dashboard/Assets): the node serves its dashboard with nothing to
/// install, and the page loads nothing from anywhere else (the Content-Security-Policy says so to the browser).
/// </summary>
public static class DashboardAssets
{
    /// <summary>Nothing but this node: scripts, styles and requests from its own origin, no frames, no plugins.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Url, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/verify.js", "verify.js", "text/javascript; charset=utf-8"),
        ("/dashboard/charts.js", "charts.js", "text/javascript; charset=utf-8"),
        ("/dashboard/app.css", "app.css", "text/css; charset=utf-8"),
        ("/dashboard/favicon.svg", "favicon.svg", "image/svg+xml"),
    ];

    public static IReadOnlyList<DashboardAsset> All { get; } = [.. Files.Select(f => Load(f.Url, f.Resource, f.ContentType))];

    private static DashboardAsset Load(string url, string resource, string contentType)
    {
        string name = $"Aegis.Node.Dashboard.Assets.{resource}";
        using Stream stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded dashboard asset {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        byte[] content = copy.ToArray();
        return new DashboardAsset(url, contentType, content, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }
}
