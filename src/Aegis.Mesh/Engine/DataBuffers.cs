using Aegis.Mesh.Packets;

namespace Aegis.Mesh.Engine;

/// <summary>
/// Scratch space of one thread on the data path: the engine seals, opens and wraps packets in these instead of
/// allocating per packet. Each thread that calls into the engine (TUN reader, UDP reader, each link, the control loop)
/// owns one.
/// </summary>
public sealed class DataBuffers
{
    private const int Size = Wire.MaxPacketSize + 128;

    public byte[] Seal { get; } = new byte[Size];

    public byte[] Open { get; } = new byte[Size];

    public byte[] Relay { get; } = new byte[Size];

    public byte[] RelaySeal { get; } = new byte[Size];

    /// <summary>For the inner packet of a relayed delivery, opened while <see cref="Open"/> still holds the outer one.</summary>
    public byte[] InnerOpen { get; } = new byte[Size];
}
