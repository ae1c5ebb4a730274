using Aegis.Core.Crypto;
using Aegis.Core.State.Commitment;
using Aegis.Network;

namespace Aegis.Node.StateSync;

/// <summary>
/// Which parts of a snapshot a joiner still needs, who is asked for what, and what it has verified: a pure object (no
/// I/O, no clock) that the joiner's driver feeds with peers, answers and expiries. It descends the state tree from the
/// certified root: every subtree it asks for has a hash it already trusts (the root, or a child named by a verified
/// split), so an answer is checked the moment it arrives — a chunk by <see cref="SnapshotChunk.Verify"/> against the
/// root, a split by hashing its two children to the subtree's hash. A refused answer is asked again of another peer.
/// </summary>
public sealed class SnapshotFetch
{
    private readonly Queue<Want> _wanted = new();
    private readonly Dictionary<ulong, Asked> _asked = [];
    private readonly Dictionary<int, int> _inFlight = [];
    private readonly List<KeyValuePair<byte[], byte[]>> _entries = [];
    private readonly int _maxInFlightPerPeer;
    private ulong _nextRequestId;
    private int _nextPeer;

    public SnapshotFetch(Hash32 root, ulong firstRequestId, int maxInFlightPerPeer = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlightPerPeer, 1);
        Root = root;
        _nextRequestId = firstRequestId;
        _maxInFlightPerPeer = maxInFlightPerPeer;
        if (!root.IsZero)
        {
            _wanted.Enqueue(new Want(new ChunkLocation(Hash32.Zero, 0), root, []));
        }
    }

    /// <summary>The certified state root every part is checked against.</summary>
    public Hash32 Root { get; }

    /// <summary>Nothing wanted, nothing in flight: every entry of the state is here.</summary>
    public bool IsComplete => _wanted.Count == 0 && _asked.Count == 0;

    public int EntryCount => _entries.Count;

    /// <summary>Answers refused so far (each part refused was wanted again).</summary>
    public int Refused { get; private set; }

    public int InFlight => _asked.Count;

    /// <summary>The verified entries, in the order they arrived.</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Entries => _entries;

    /// <summary>
    /// Hands wanted parts to <paramref name="peers"/> (round robin, up to the per-peer limit, never to a peer that
    /// already failed this part while another has not); the caller sends each request.
    /// </summary>
    public IReadOnlyList<(int Peer, SnapshotPartRequest Request)> Assign(IReadOnlyList<int> peers, long now)
    {
        var sends = new List<(int, SnapshotPartRequest)>();
        if (peers.Count == 0)
        {
            return sends;
        }

        while (_wanted.Count > 0)
        {
            Want want = _wanted.Peek();
            int? peer = Choose(peers, want);
            if (peer is null)
            {
                // Every peer is busy (or failed this part): wait for answers.
                break;
            }

            _wanted.Dequeue();
            ulong id = _nextRequestId++;
            _asked[id] = new Asked(peer.Value, want, now);
            _inFlight[peer.Value] = _inFlight.GetValueOrDefault(peer.Value) + 1;
            sends.Add((peer.Value, new SnapshotPartRequest(id, Root, want.Location)));
        }

        return sends;
    }

    /// <summary>
    /// Takes an answer. Null when it was accepted (or was not ours to take: an unknown or late request id, or from
    /// another peer than the one asked); otherwise why it was refused — the part is wanted again.
    /// </summary>
    public string? Receive(int peer, SnapshotPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (!_asked.TryGetValue(part.RequestId, out Asked asked) || asked.Peer != peer)
        {
            return null;
        }

        _asked.Remove(part.RequestId);
        _inFlight[peer]--;
        string? refusal = Check(asked.Want, part);
        if (refusal is not null)
        {
            Refused++;
            _wanted.Enqueue(asked.Want with { FailedPeers = [.. asked.Want.FailedPeers, peer] });
            return refusal;
        }

        if (part.Answer == SnapshotPartKind.Chunk)
        {
            _entries.AddRange(part.Chunk!.Entries);
            return null;
        }

        ChunkLocation at = asked.Want.Location;
        if (!part.Left.IsZero)
        {
            _wanted.Enqueue(new Want(new ChunkLocation(at.Path, at.Depth + 1), part.Left, []));
        }

        if (!part.Right.IsZero)
        {
            _wanted.Enqueue(new Want(new ChunkLocation(StateHashing.WithBit(at.Path, at.Depth), at.Depth + 1), part.Right, []));
        }

        return null;
    }

    /// <summary>Parts asked before <paramref name="before"/> and not answered are wanted again (the peer is slow or gone); returns how many.</summary>
    public int Expire(long before)
    {
        var late = _asked.Where(a => a.Value.At < before).Select(a => a.Key).ToList();
        foreach (ulong id in late)
        {
            Asked asked = _asked[id];
            _asked.Remove(id);
            _inFlight[asked.Peer]--;
            _wanted.Enqueue(asked.Want with { FailedPeers = [.. asked.Want.FailedPeers, asked.Peer] });
        }

        return late.Count;
    }

    private string? Check(Want want, SnapshotPart part)
    {
        ChunkLocation at = want.Location;
        switch (part.Answer)
        {
            case SnapshotPartKind.Unavailable:
                return $"unavailable: {part.Reason}";
            case SnapshotPartKind.Chunk:
                SnapshotChunk chunk = part.Chunk!;
                if (chunk.Path != at.Path || chunk.Depth != at.Depth)
                {
                    return $"chunk for depth {chunk.Depth} at {chunk.Path.ToShortString()}, asked for depth {at.Depth} at {at.Path.ToShortString()}";
                }

                return chunk.Verify(Root);
            case SnapshotPartKind.Split:
                if (at.Depth + 1 >= StateHashing.MaxDepth)
                {
                    return $"split at depth {at.Depth}: no subtree lies below it";
                }

                Hash32 node = StateHashing.Node(part.Left, part.Right);
                return node == want.Hash ? null : $"split: its children hash to {node.ToShortString()}, not the subtree's {want.Hash.ToShortString()}";
            default:
                return $"unknown answer {part.Answer}";
        }
    }

    private int? Choose(IReadOnlyList<int> peers, Want want)
    {
        bool anyUntried = peers.Any(p => !want.FailedPeers.Contains(p));
        for (int i = 0; i < peers.Count; i++)
        {
            int peer = peers[(_nextPeer + i) % peers.Count];
            if (_inFlight.GetValueOrDefault(peer) < _maxInFlightPerPeer && (!anyUntried || !want.FailedPeers.Contains(peer)))
            {
                _nextPeer = (_nextPeer + i + 1) % peers.Count;
                return peer;
            }
        }

        return null;
    }

    private readonly record struct Want(ChunkLocation Location, Hash32 Hash, IReadOnlyList<int> FailedPeers);

    private readonly record struct Asked(int Peer, Want Want, long At);
}
