using System.Text;
using System.Text.RegularExpressions;
using Aegis.Node.Dashboard;

namespace Aegis.Node.Tests.Dashboard;

public sealed partial class DashboardAssetsTests
{
    [Fact]
    public void Every_asset_is_embedded_and_the_page_is_served_at_the_root()
    {
        Assert.Contains(DashboardAssets.All, a => a.Path == "/" && a.ContentType.StartsWith("text/html", StringComparison.Ordinal));
        Assert.All(DashboardAssets.All, a => Assert.NotEmpty(a.Content));
        Assert.Equal(DashboardAssets.All.Count, DashboardAssets.All.Select(a => a.ETag).Distinct().Count());
    }

    [Fact]
    public void The_page_references_only_its_own_files_and_nothing_on_another_origin()
    {
        string html = Encoding.UTF8.GetString(DashboardAssets.All.Single(a => a.Path == "/").Content);
        var served = DashboardAssets.All.Select(a => a.Path).ToHashSet(StringComparer.Ordinal);
        foreach (Match m in Reference().Matches(html))
        {
            string target = m.Groups["url"].Value;
            Assert.True(served.Contains(target) || target.StartsWith("/v1/", StringComparison.Ordinal) || target == "/metrics", $"index.html refers to {target}, which the node does not serve");
        }

        // No absolute URL to anywhere in any asset (the SVG namespace is a name, not a request).
        foreach (DashboardAsset a in DashboardAssets.All)
        {
            string text = Encoding.UTF8.GetString(a.Content).Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal);
            Assert.DoesNotMatch(AbsoluteUrl(), text);
        }
    }

    [Fact]
    public void The_content_security_policy_allows_this_origin_only() =>
        Assert.Equal(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            DashboardAssets.ContentSecurityPolicy);

    [GeneratedRegex("""(?:src|href)="(?<url>[^"]+)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Reference();

    [GeneratedRegex("""(?:https?:)?//[a-z0-9]""", RegexOptions.IgnoreCase)]
    private static partial Regex AbsoluteUrl();
}
