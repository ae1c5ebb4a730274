using System.Net;
using Aegis.Network;
using Aegis.Node.Monitoring;
using Microsoft.AspNetCore.Connections;

namespace Aegis.Node.Hosting;

/// <summary>
/// At most N open connections per client IP (an IPv6 /64), across the API and metrics listeners: one address cannot
/// hold the node's file descriptors with idle or slow connections. A connection beyond the cap is closed before a
/// byte is read. The counting is the P2P listener's (<see cref="ConnectionsPerAddress"/>).
/// </summary>
internal sealed class ConnectionCap(int perIp, ApiMetrics metrics)
{
    private readonly ConnectionsPerAddress _open = new(perIp);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        IPAddress? ip = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (ip is null)
        {
            await next(connection);
            return;
        }

        if (!_open.TryAcquire(ip, out IDisposable? slot))
        {
            metrics.ConnectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", "per_ip_cap"));
            connection.Abort(new ConnectionAbortedException($"more than {perIp} open connections from {ConnectionsPerAddress.KeyOf(ip)}"));
            return;
        }

        using (slot)
        {
            await next(connection);
        }
    };
}
