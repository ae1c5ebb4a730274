namespace Aegis.Node.Configuration;

public static partial class ConfigValidator
{
    private static void CheckDashboard(DashboardSection d, ProblemList p)
    {
        for (int i = 0; i < d.PeerApiUrls.Count; i++)
        {
            string url = d.PeerApiUrls[i];
            bool ok = Uri.TryCreate(url, UriKind.Absolute, out Uri? uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.PathAndQuery == "/" && string.IsNullOrEmpty(uri.UserInfo);
            p.Check(ok, $"dashboard.peer_api_urls[{i}]", url, "expected a node's API base URL such as http://127.0.0.1:26611 (no path, no credentials)");
        }

        p.Check(string.IsNullOrEmpty(d.PeerCaFile) || File.Exists(d.PeerCaFile), "dashboard.peer_ca_file", d.PeerCaFile, "no such file (expected a PEM CA certificate)");
    }
}
