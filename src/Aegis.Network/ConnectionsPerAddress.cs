using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Aegis.Network;

/// <summary>
/// Open connections per client address, capped: the one per-IP counter of the P2P and API listeners. IPv4-mapped
/// IPv6 counts as the IPv4 address, and an IPv6 address counts as its /64 (one subscriber's prefix: one machine can
/// take any address in it). The map holds only addresses with open connections, so it is bounded by the open count.
/// </summary>
public sealed class ConnectionsPerAddress(int limit)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "expected at least 1");

    /// <summary>The address a connection is counted under.</summary>
    public static IPAddress KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Counts one more connection from <paramref name="address"/> unless it already has <see cref="Limit"/>; the lease
    /// (disposing it more than once is harmless) gives the slot back.
    /// </summary>
    public bool TryAcquire(IPAddress address, out IDisposable? lease)
    {
        IPAddress key = KeyOf(address);
        if (_open.AddOrUpdate(key, 1, (_, n) => n + 1) > Limit)
        {
            Release(key);
            lease = null;
            return false;
        }

        lease = new Slot(this, key);
        return true;
    }

    /// <summary>Open connections counted under <paramref name="address"/>'s key now (for tests and diagnostics).</summary>
    public int OpenFrom(IPAddress address) => _open.TryGetValue(KeyOf(address), out int n) ? n : 0;

    private void Release(IPAddress key)
    {
        while (true)
        {
            int n = _open[key];
            if (n == 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(key, 1)) : _open.TryUpdate(key, n - 1, n))
            {
                return;
            }
        }
    }

    private sealed class Slot(ConnectionsPerAddress owner, IPAddress key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}
