namespace Aegis.Node.Configuration;

/// <summary>The web dashboard at <c>/</c> (src/Aegis.Node/Dashboard).</summary>
public sealed class DashboardSection
{
    /// <summary>False: no page at <c>/</c> and no dashboard endpoints (the rest of the API is unchanged).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// API base URLs of the other nodes (<c>http://127.0.0.1:26611</c>). This node polls their <c>/status</c> and
    /// <c>/ready</c> itself, so the page needs no cross-origin requests and shows every validator's height, view,
    /// peers and health. Empty: other validators are shown from what this node sees of them over P2P only.
    /// </summary>
    public List<string> PeerApiUrls { get; set; } = [];

    /// <summary>A PEM CA certificate that peers' https API URLs must chain to (a testnet written with --tls: its ca.crt). Empty: the system's trust store.</summary>
    public string PeerCaFile { get; set; } = "";
}
