namespace Aegis.Node.Configuration;

public static partial class ConfigValidator
{
    private const string PortExpected = "expected a port 1-65535";

    private static void CheckNetwork(AegisConfig c, ProblemList p)
    {
        p.Check(ListenAddresses.IsHost(c.P2p.Host), "p2p.host", c.P2p.Host, "expected an IP address or host name");
        p.Check(IsPort(c.P2p.Port), "p2p.port", c.P2p.Port, PortExpected);
        p.Check(c.P2p.MaxPeers is >= 1 and <= 1000, "p2p.max_peers", c.P2p.MaxPeers, "expected 1-1000");
        p.Check(c.P2p.MaxObservers is >= 0 and <= 1000, "p2p.max_observers", c.P2p.MaxObservers, "expected 0-1000");
        p.Check(c.P2p.MaxConnectionsPerIp is >= 1 and <= 10_000, "p2p.max_connections_per_ip", c.P2p.MaxConnectionsPerIp, "expected 1-10000");
        p.Check(c.P2p.HandshakesPerSecondPerIp is >= 1 and <= 100_000, "p2p.handshakes_per_second_per_ip", c.P2p.HandshakesPerSecondPerIp, "expected 1-100000");
        p.Check(c.P2p.MaxPendingHandshakes is >= 1 and <= 100_000, "p2p.max_pending_handshakes", c.P2p.MaxPendingHandshakes, "expected 1-100000");
        p.Check(c.P2p.HandshakeTimeoutMs is >= 100 and <= 600_000, "p2p.handshake_timeout_ms", c.P2p.HandshakeTimeoutMs, "expected 100-600000");
        for (int i = 0; i < c.P2p.BootstrapNodes.Count; i++)
        {
            p.Check(ListenAddresses.IsHostPort(c.P2p.BootstrapNodes[i]), $"p2p.bootstrap_nodes[{i}]", c.P2p.BootstrapNodes[i], "expected host:port");
        }

        p.Check(ListenAddresses.IsHost(c.Api.Host), "api.host", c.Api.Host, "expected an IP address or host name");
        p.Check(IsPort(c.Api.Port), "api.port", c.Api.Port, PortExpected);
        p.Check(c.Api.MaxBodyBytes is >= 1024 and <= 64 * 1024 * 1024, "api.max_body_bytes", c.Api.MaxBodyBytes, "expected 1024-67108864");

        // 0 is the documented way to run without the separate metrics listener (/metrics stays on the API port).
        p.Check(c.Monitoring.MetricsPort == 0 || IsPort(c.Monitoring.MetricsPort), "monitoring.metrics_port", c.Monitoring.MetricsPort, PortExpected + " (or 0 for no separate metrics listener)");
        CheckDistinctPorts(c, p);
    }

    // Two listeners may share a port only on hosts that cannot overlap; otherwise the second bind fails at start-up.
    private static void CheckDistinctPorts(AegisConfig c, ProblemList p)
    {
        string metricsHost = ListenAddresses.MetricsHost(c);
        if (c.Api.Port == c.P2p.Port && ListenAddresses.Overlap(c.Api.Host, c.P2p.Host))
        {
            p.Add("api.port", c.Api.Port, $"expected a port other than p2p.port (api.host {c.Api.Host} and p2p.host {c.P2p.Host} overlap)");
        }

        if (c.Monitoring.MetricsPort == 0)
        {
            return;
        }

        if (c.Monitoring.MetricsPort == c.Api.Port)
        {
            p.Add("monitoring.metrics_port", c.Monitoring.MetricsPort, "expected a port other than api.port (metrics listen on the API's host)");
        }

        if (c.Monitoring.MetricsPort == c.P2p.Port && ListenAddresses.Overlap(metricsHost, c.P2p.Host))
        {
            p.Add("monitoring.metrics_port", c.Monitoring.MetricsPort, $"expected a port other than p2p.port (metrics on {metricsHost} and p2p.host {c.P2p.Host} overlap)");
        }
    }

    private static bool IsPort(int port) => port is >= 1 and <= 65535;
}
