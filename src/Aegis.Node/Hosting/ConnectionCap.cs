using System.Collections.Concurrent;
using System.Net;
using Aegis.Node.Monitoring;
using Microsoft.AspNetCore.Connections;

namespace Aegis.Node.Hosting;

/// <summary>
/// At most N open connections per client IP, across the API and metrics listeners: one address cannot hold the
/// node's file descriptors with idle or slow connections. A connection beyond the cap is closed before a byte is read.
/// </summary>
internal sealed class ConnectionCap(int perIp, ApiMetrics metrics)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        IPAddress? ip = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (ip is null)
        {
            await next(connection);
            return;
        }

        ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        if (_open.AddOrUpdate(ip, 1, (_, n) => n + 1) > perIp)
        {
            Release(ip);
            metrics.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", "per_ip_cap"));
            connection.Abort(new ConnectionAbortedException($"more than {perIp} open connections from {ip}"));
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Release(ip);
        }
    };

    /// <summary>Open connections from <paramref name="ip"/> now (for tests and diagnostics).</summary>
    public int OpenFrom(IPAddress ip) => _open.TryGetValue(ip, out int n) ? n : 0;

    private void Release(IPAddress ip)
    {
        // Drop the entry at zero so the map holds only addresses with open connections (bounded by the open count).
        while (true)
        {
            int n = _open[ip];
            if (n == 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(ip, 1)) : _open.TryUpdate(ip, n - 1, n))
            {
                return;
            }
        }
    }
}
