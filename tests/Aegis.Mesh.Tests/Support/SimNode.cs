using Aegis.Mesh.Engine;
using Aegis.Mesh.Hosting;
using Aegis.Mesh.Pki;

namespace Aegis.Mesh.Tests.Support;

/// <summary>One node of a <see cref="SimulatedMesh"/>: its engine's UDP socket, link dialer and TUN device.</summary>
internal sealed class SimNode(SimulatedMesh mesh, string name, uint underlay, bool behindNat) : IUdpSender, ILinkDialer, ITunWriter
{
    private readonly DataBuffers _buffers = new();
    private readonly HashSet<UdpEndpoint> _natOpened = [];

    public string Name { get; } = name;

    public uint Underlay { get; } = underlay;

    public MeshEngine Engine { get; set; } = null!;

    public MeshMetrics Metrics { get; set; } = null!;

    public bool Running { get; set; } = true;

    /// <summary>Packets the engine wrote to its TUN device.</summary>
    public List<byte[]> Delivered { get; } = [];

    public uint MeshAddress => Engine.Address;

    public UdpEndpoint UdpEndpoint => new(Underlay, SimulatedMesh.UdpPort);

    /// <summary>What an application on this node sends into the mesh.</summary>
    public void SendIp(byte[] packet) => Engine.OnTunPacket(packet, _buffers);

    public void Send(UdpEndpoint to, ReadOnlySpan<byte> packet)
    {
        if (!Running || !mesh.CanReach(Underlay, to.Address, udp: true))
        {
            return;
        }

        _natOpened.Add(to);
        byte[] copy = packet.ToArray();
        UdpEndpoint from = UdpEndpoint;
        mesh.Schedule(() =>
        {
            if (mesh.NodeAt(to.Address) is { } target && to.Port == SimulatedMesh.UdpPort && target.NatAdmits(from))
            {
                target.Engine.OnUnderlayPacket(copy, PacketSource.FromUdp(from), target._buffers);
            }
        });
    }

    public void Flush()
    {
    }

    public void Dial(UdpEndpoint tcpEndpoint)
    {
        mesh.Schedule(() =>
        {
            if (mesh.NodeAt(tcpEndpoint.Address) is { } target && Running && mesh.CanReach(Underlay, tcpEndpoint.Address, udp: false) && !target.BehindNat)
            {
                var ours = new SimLink(mesh, mesh.NextLinkId(), tcpEndpoint);
                var theirs = new SimLink(mesh, mesh.NextLinkId(), new UdpEndpoint(Underlay, 50000));
                ours.Other = theirs;
                theirs.Other = ours;
                ours.Owner = this;
                theirs.Owner = target;
                target.Engine.OnLinkUp(theirs, null);
                Engine.OnLinkUp(ours, tcpEndpoint);
            }
            else
            {
                Engine.OnLinkFailed(tcpEndpoint);
            }
        }, 2);
    }

    public void Write(ReadOnlySpan<byte> packet) => Delivered.Add(packet.ToArray());

    public bool BehindNat => behindNat;

    internal DataBuffers Buffers => _buffers;

    /// <summary>A NAT lets in only what answers an endpoint this node already sent to.</summary>
    private bool NatAdmits(UdpEndpoint from) => !behindNat || _natOpened.Contains(from);
}

internal sealed class SimLink(SimulatedMesh mesh, long id, UdpEndpoint remote) : ILink
{
    public long Id { get; } = id;

    public UdpEndpoint Remote { get; } = remote;

    public bool IsOpen { get; private set; } = true;

    public SimLink? Other { get; set; }

    public SimNode Owner { get; set; } = null!;

    public bool Send(ReadOnlySpan<byte> packet)
    {
        if (!IsOpen || Other is not { } other)
        {
            return false;
        }

        if (!mesh.CanReach(Owner.Underlay, other.Owner.Underlay, udp: false))
        {
            return true;
        }

        byte[] copy = packet.ToArray();
        mesh.Schedule(() =>
        {
            if (other.IsOpen && other.Owner.Running)
            {
                other.Owner.Engine.OnUnderlayPacket(copy, PacketSource.FromLink(other), other.Owner.Buffers);
            }
        });
        return true;
    }

    public void Close()
    {
        if (IsOpen)
        {
            IsOpen = false;
            Owner.Engine.OnLinkDown(this);
            Other?.Close();
        }
    }
}
