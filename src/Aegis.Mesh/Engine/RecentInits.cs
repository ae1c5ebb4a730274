using Aegis.Core.Crypto;

namespace Aegis.Mesh.Engine;

/// <summary>
/// The responses to the last few initiations, by the initiation's hash. An initiation is sent on several paths at once
/// (UDP and TLS while UDP is in doubt); when a copy arrives on a second path, the same response goes back on that path
/// too, so a path that only works one way cannot starve the handshake.
/// </summary>
internal sealed class RecentInits(int capacity)
{
    private readonly Dictionary<Hash32, byte[]> _responses = [];
    private readonly Queue<Hash32> _order = new();

    public bool TryGet(Hash32 init, out byte[] response) => _responses.TryGetValue(init, out response!);

    public void Add(Hash32 init, byte[] response)
    {
        if (_responses.TryAdd(init, response))
        {
            _order.Enqueue(init);
            if (_order.Count > capacity)
            {
                _responses.Remove(_order.Dequeue());
            }
        }
    }
}
