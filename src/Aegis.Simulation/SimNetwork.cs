using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Network;

namespace Aegis.Simulation;

/// <summary>
/// The links between simulated validators. Every message crosses as bytes (<see cref="PeerMessage.ToBytes"/> at the
/// sender, decoded once for all its receivers), so the wire codec runs on every hop; each link applies the seed's
/// loss, latency, duplication and reordering, and the partitions in force. A Byzantine sender's traffic is corrupted
/// on its way out (<see cref="ByzantineWire"/>) after the checker has seen what its honest host meant to send.
/// </summary>
public sealed class SimNetwork
{
    private readonly SimScheduler _scheduler;
    private readonly SimRandom _rng;
    private readonly FaultProfile _profile;
    private readonly Endpoint?[] _endpoints;
    private readonly bool[,] _cut;
    private readonly Dictionary<Hash32, PeerMessage> _decoded = [];

    public SimNetwork(SimScheduler scheduler, SimRandom rng, FaultProfile profile, int nodes)
    {
        _scheduler = scheduler;
        _rng = rng;
        _profile = profile;
        _endpoints = new Endpoint?[nodes];
        _cut = new bool[nodes, nodes];
    }

    /// <summary>While true, links drop, delay, duplicate and reorder as the profile says; afterwards they are reliable.</summary>
    public bool Faulty { get; set; } = true;

    /// <summary>Sees every consensus message a node's host sends, before any Byzantine corruption (the checker's persist-before-send and signed-once checks).</summary>
    public Action<int, ConsensusMessage>? OnSend { get; set; }

    /// <summary>For tests: return null to drop a consensus message on its way from → to, or another message to tamper with it.</summary>
    public Func<int, int, ConsensusMessage, ConsensusMessage?>? Filter { get; set; }

    /// <summary>How a Byzantine node's outgoing traffic is corrupted; null for honest nodes.</summary>
    public ByzantineWire?[] Byzantine { get; set; } = [];

    public long Delivered { get; private set; }

    public long Dropped { get; private set; }

    public long Malformed { get; private set; }

    public int Nodes => _endpoints.Length;

    public bool IsCut(int from, int to) => _cut[from, to];

    /// <summary>A new process of <paramref name="node"/> joins the network (its previous one, if any, is gone).</summary>
    public IPeerNetwork Attach(int node)
    {
        var endpoint = new Endpoint(this, node);
        _endpoints[node] = endpoint;
        return endpoint;
    }

    /// <summary>The node's process died: it sends and receives nothing any more.</summary>
    public void Detach(int node) => _endpoints[node] = null;

    public void Cut(int from, int to) => _cut[from, to] = true;

    public void HealPartitions() => Array.Clear(_cut);

    /// <summary>Puts <paramref name="message"/> on the link from → to as if <paramref name="from"/> had sent it (tests, Byzantine extras).</summary>
    public void Inject(int from, int to, PeerMessage message)
    {
        byte[] wire = message.ToBytes();
        Transmit(from, to, wire, Decode(wire));
    }

    /// <summary>Puts bytes on the link <paramref name="from"/> → <paramref name="to"/>, decoded once into <paramref name="decoded"/> (null: decode at delivery, for corrupted bytes).</summary>
    internal void Transmit(int from, int to, byte[] bytes, PeerMessage? decoded)
    {
        if (_cut[from, to] || (Faulty && _profile.LossRate > 0 && _rng.Chance(_profile.LossRate)))
        {
            Dropped++;
            return;
        }

        // Like a TCP connection: what is on its way to a process reaches that process or nobody (not its successor).
        Endpoint? target = _endpoints[to];
        if (target is null)
        {
            Dropped++;
            return;
        }

        Schedule(from, target, bytes, decoded, Latency());
        if (Faulty && _profile.DuplicateRate > 0 && _rng.Chance(_profile.DuplicateRate))
        {
            Schedule(from, target, bytes, decoded, Latency() + Latency());
        }
    }

    private TimeSpan Latency()
    {
        double ms = 0.2 + (_rng.Next(1000) / 1000.0);
        if (Faulty)
        {
            ms += _profile.MaxDelayMs * (_rng.Next(1000) / 1000.0);
            if (_profile.ReorderRate > 0 && _rng.Chance(_profile.ReorderRate))
            {
                ms += (3 * Math.Max(_profile.MaxDelayMs, 5)) * (_rng.Next(1000) / 1000.0);
            }
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    private void Schedule(int from, Endpoint target, byte[] bytes, PeerMessage? decoded, TimeSpan latency) =>
        _scheduler.At(latency, () => Deliver(from, target, bytes, decoded));

    private void Deliver(int from, Endpoint endpoint, byte[] bytes, PeerMessage? decoded)
    {
        int to = endpoint.Node;
        if (_endpoints[to] != endpoint || endpoint.Handler is not { } handler)
        {
            Dropped++;
            return;
        }

        if (to < Byzantine.Length && Byzantine[to] is { } spy)
        {
            spy.Saw(bytes);
        }

        if (decoded is null)
        {
            try
            {
                decoded = PeerMessage.FromBytes(bytes);
            }
            catch (CodecException)
            {
                // What PeerNetwork does with a malformed frame: count it and read on.
                Malformed++;
                return;
            }
        }

        Delivered++;
        var info = new PeerConnectionInfo(from, $"node-{from}", $"sim:{from}", reply => endpoint.Reply(from, reply));
        ValueTask handled = handler.HandleAsync(info, decoded, CancellationToken.None);
        if (!handled.IsCompleted)
        {
            _ = ObserveAsync(handled);
        }
        else
        {
            handled.GetAwaiter().GetResult();
        }
    }

    private static async Task ObserveAsync(ValueTask handled) => await handled;

    /// <summary>
    /// Decodes what a sender put on the wire, once per distinct payload: a retransmission decodes to the object its
    /// first copy did, so its signatures are checked once (<see cref="CachingVerifier"/>) however often it is resent.
    /// </summary>
    private PeerMessage Decode(byte[] wire)
    {
        Hash32 key = Hash32.Compute(wire);
        if (!_decoded.TryGetValue(key, out PeerMessage? decoded))
        {
            decoded = PeerMessage.FromBytes(wire);
            _decoded[key] = decoded;
        }

        return decoded;
    }

    /// <summary>One process's attachment: what its runtime sees as <see cref="IPeerNetwork"/>.</summary>
    private sealed class Endpoint(SimNetwork network, int node) : IPeerNetwork
    {
        public int Node => node;

        public IPeerMessageHandler? Handler { get; private set; }

        public IReadOnlyList<PeerInfo> Peers =>
            [.. Enumerable.Range(0, network.Nodes).Where(i => i != node && network._endpoints[i] is not null && !network._cut[node, i]).Select(i => new PeerInfo($"node-{i}", i, $"sim:{i}", "validator", i > node, null, 0, 0))];

        private bool Attached => network._endpoints[node] == this;

        public void Start(IPeerMessageHandler handler) => Handler = handler;

        public void Send(int validator, PeerMessage message)
        {
            if (validator != node && Attached)
            {
                Out(message, [validator]);
            }
        }

        public void Broadcast(PeerMessage message)
        {
            if (Attached)
            {
                Out(message, [.. Enumerable.Range(0, network.Nodes).Where(i => i != node)]);
            }
        }

        public void Reply(int to, PeerMessage message)
        {
            if (Attached)
            {
                Out(message, [to]);
            }
        }

        private void Out(PeerMessage message, int[] to)
        {
            if (message is ConsensusEnvelope c)
            {
                network.OnSend?.Invoke(node, c.Message);
            }

            ByzantineWire? byzantine = node < network.Byzantine.Length ? network.Byzantine[node] : null;
            if (byzantine is not null)
            {
                foreach (int peer in to)
                {
                    foreach (byte[] bytes in byzantine.Corrupt(message, peer))
                    {
                        network.Transmit(node, peer, bytes, null);
                    }
                }

                return;
            }

            byte[] wire = message.ToBytes();
            PeerMessage decoded = network.Decode(wire);
            foreach (int peer in to)
            {
                if (network.Filter is { } filter && message is ConsensusEnvelope envelope)
                {
                    ConsensusMessage? kept = filter(node, peer, envelope.Message);
                    if (kept is null)
                    {
                        network.Dropped++;
                        continue;
                    }

                    if (!ReferenceEquals(kept, envelope.Message))
                    {
                        network.Inject(node, peer, new ConsensusEnvelope(kept));
                        continue;
                    }
                }

                network.Transmit(node, peer, wire, decoded);
            }
        }
    }
}
