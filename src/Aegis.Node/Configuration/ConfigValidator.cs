using System.Net;

namespace Aegis.Node.Configuration;

/// <summary>Every rule at once, one line per problem: "field: value — what was expected". Secrets are never echoed.</summary>
public static class ConfigValidator
{
    public static List<string> Validate(AegisConfig c)
    {
        var p = new List<string>();
        void Check(bool ok, string field, object? value, string expected)
        {
            if (!ok)
            {
                p.Add($"{field}: {value} — {expected}");
            }
        }

        Check(c.Node.Environment is "development" or "testing" or "production", "node.environment", c.Node.Environment, "expected development, testing or production");
        Check(!string.IsNullOrWhiteSpace(c.Node.DataDir), "node.data_dir", "(empty)", "expected a directory");
        Check(!string.IsNullOrWhiteSpace(c.Node.KeyFile), "node.key_file", "(empty)", "expected the path of the node's key file");
        Check(!string.IsNullOrWhiteSpace(c.GenesisFile), "genesis_file", "(empty)", "expected the path of genesis.json");
        Check(IsHost(c.P2p.Host), "p2p.host", c.P2p.Host, "expected an IP address or host name");
        Check(c.P2p.Port is >= 1 and <= 65535, "p2p.port", c.P2p.Port, "expected a port 1-65535");
        Check(c.Api.Port is >= 1 and <= 65535, "api.port", c.Api.Port, "expected a port 1-65535");
        Check(c.Monitoring.MetricsPort is >= 0 and <= 65535, "monitoring.metrics_port", c.Monitoring.MetricsPort, "expected a port 1-65535 (0 turns the separate metrics listener off)");
        Check(c.P2p.Port != c.Api.Port, "api.port", c.Api.Port, "must differ from p2p.port");
        Check(c.Monitoring.MetricsPort != c.Api.Port && c.Monitoring.MetricsPort != c.P2p.Port, "monitoring.metrics_port", c.Monitoring.MetricsPort, "must differ from api.port and p2p.port");
        Check(c.P2p.MaxPeers is >= 1 and <= 1000, "p2p.max_peers", c.P2p.MaxPeers, "expected 1-1000");
        foreach (string b in c.P2p.BootstrapNodes)
        {
            Check(IsHostPort(b), "p2p.bootstrap_nodes", b, "expected host:port");
        }

        Check(c.Consensus.Algorithm == "pbft", "consensus.algorithm", c.Consensus.Algorithm, "expected pbft");
        Check(c.Consensus.TickMs is >= 1 and <= 10_000, "consensus.tick_ms", c.Consensus.TickMs, "expected 1-10000");
        Check(c.Consensus.ViewChangeTimeoutMs >= 2 * c.Consensus.TickMs && c.Consensus.ViewChangeTimeoutMs <= 600_000, "consensus.view_change_timeout_ms", c.Consensus.ViewChangeTimeoutMs, $"expected {2 * c.Consensus.TickMs}-600000 (at least two ticks)");
        Check(c.Consensus.MaxBlockTxs is >= 1 and <= Aegis.Core.Ledger.LedgerLimits.MaxBlockTxs, "consensus.max_block_txs", c.Consensus.MaxBlockTxs, $"expected 1-{Aegis.Core.Ledger.LedgerLimits.MaxBlockTxs}");
        // The storage engine owns its own rules.
        p.AddRange(new Aegis.Storage.StorageOptions
        {
            Type = c.Storage.Type,
            DataDirectory = c.Node.DataDir,
            ConnectionString = c.Storage.ConnectionString,
            Schema = string.IsNullOrEmpty(c.Storage.Schema) ? null : c.Storage.Schema,
        }.Validate());
        Check(IsHost(c.Api.Host), "api.host", c.Api.Host, "expected an IP address or host name");
        Check(c.Api.MaxBodyBytes is >= 1024 and <= 64 * 1024 * 1024, "api.max_body_bytes", c.Api.MaxBodyBytes, "expected 1024-67108864");
        Check(c.Security.RateLimitPerMinute > 0, "security.rate_limit_per_minute", c.Security.RateLimitPerMinute, "expected a positive number");
        if (c.Security.Authentication)
        {
            Check(System.Text.Encoding.UTF8.GetByteCount(c.Security.JwtSecret) >= 32 || !string.IsNullOrEmpty(c.Security.JwtPublicKeyFile), "security.jwt_secret", "(redacted)", "authentication needs a jwt_secret of at least 32 bytes (or AEGIS_JWT_SECRET)");
        }

        if (c.Node.Environment == "production")
        {
            Check(c.Security.Authentication, "security.authentication", false, "production requires authentication: true");
        }

        Check(c.Logging.Level.ToUpperInvariant() is "DEBUG" or "INFO" or "WARNING" or "ERROR", "logging.level", c.Logging.Level, "expected DEBUG, INFO, WARNING or ERROR");
        Check(c.Logging.Format is "text" or "json", "logging.format", c.Logging.Format, "expected text or json");
        Check(c.Mempool.MaxTxs > 0, "mempool.max_txs", c.Mempool.MaxTxs, "expected a positive number");
        Check(c.Mempool.MaxBytes > 0, "mempool.max_bytes", c.Mempool.MaxBytes, "expected a positive number");
        return p;
    }

    private static bool IsHost(string host) => !string.IsNullOrWhiteSpace(host) && (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Unknown);

    private static bool IsHostPort(string s)
    {
        int colon = s.LastIndexOf(':');
        return colon > 0 && IsHost(s[..colon]) && int.TryParse(s.AsSpan(colon + 1), out int port) && port is >= 1 and <= 65535;
    }
}
