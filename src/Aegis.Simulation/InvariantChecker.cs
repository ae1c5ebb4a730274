using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Storage;

namespace Aegis.Simulation;

/// <summary>
/// The properties a run must keep, checked as things happen, against what the production host actually did:
/// <list type="bullet">
/// <item>every node's disk holds a valid chain (<see cref="ChainAudit"/>: linkage, certificates, no transaction twice, ever);</item>
/// <item>agreement: honest disks hold the same block and the same state root at every height;</item>
/// <item>validity: only transactions clients submitted;</item>
/// <item>persist-before-send: a node sends a proposal, vote, view change or new view only once its disk holds it;</item>
/// <item>signed once: no node ever signs two different proposals or votes for one view and height (across restarts);</item>
/// <item>a client is told "committed" only for a block the node's disk holds;</item>
/// <item>no evidence against an honest validator, no valid sync chunk rejected, no node stopped by a broken invariant;</item>
/// <item>liveness: once faults heal, every transaction commits on every honest node within the bound.</item>
/// </list>
/// </summary>
public sealed class InvariantChecker
{
    private readonly Genesis _genesis;
    private readonly bool[] _byzantine;
    private readonly bool[] _amnesiac;
    private readonly NodeState[] _nodes;
    private readonly Dictionary<ulong, (Hash32 Hash, int Node)> _blockAt = [];
    private readonly Dictionary<ulong, (Hash32 Root, int Node)> _rootAt = [];
    private readonly Dictionary<(int Node, MessageType Kind, ulong View, ulong Height), Hash32> _signed = [];
    private readonly HashSet<Hash32> _verifiedCertificates = [];
    private readonly Dictionary<Hash32, TimeSpan> _submittedAt = [];
    private readonly Dictionary<Hash32, TimeSpan> _ackedAt = [];

    /// <summary>Where honest disks hold each transaction (the height is the same on every honest disk, or agreement fails).</summary>
    private readonly Dictionary<Hash32, ulong> _heightOf = [];

    public InvariantChecker(Genesis genesis, bool[] byzantine)
    {
        _genesis = genesis;
        _byzantine = byzantine;
        _amnesiac = new bool[byzantine.Length];
        _nodes = [.. byzantine.Select(_ => new NodeState(NewAudit()))];
    }

    public List<string> Violations { get; } = [];

    public int EvidenceReports { get; private set; }

    public int SyncRejections { get; private set; }

    public int Recoveries { get; private set; }

    public int Submitted => _submittedAt.Count;

    public int Acknowledged => _ackedAt.Count;

    public TimeSpan WorstTimeToCommit => _ackedAt.Count == 0 ? TimeSpan.Zero : _ackedAt.Max(kv => kv.Value - _submittedAt[kv.Key]);

    public bool IsHonest(int node) => !_byzantine[node];

    public ulong Height(int node) => _nodes[node].Audit.Height;

    /// <summary>Whether node <paramref name="node"/>'s disk holds transaction <paramref name="tx"/>.</summary>
    public bool Holds(int node, Hash32 tx) =>
        _nodes[node].Locations.ContainsKey(tx) || (_heightOf.TryGetValue(tx, out ulong height) && height <= _nodes[node].SnapshotBase);

    /// <summary>Blocks backfilled below a snapshot on any disk (storage.keep_history).</summary>
    public int HistoryBackfilled { get; private set; }

    /// <summary>Snapshots installed on any disk (a wiped node that joined by snapshot instead of replaying).</summary>
    public int SnapshotInstalls { get; private set; }

    public void OnSubmitted(Hash32 tx, TimeSpan at) => _submittedAt.TryAdd(tx, at);

    /// <summary>Everything is acknowledged and every honest disk holds every transaction.</summary>
    public bool AllCommitted()
    {
        if (_ackedAt.Count < _submittedAt.Count)
        {
            return false;
        }

        for (int i = 0; i < _nodes.Length; i++)
        {
            if (IsHonest(i) && _nodes[i].Committed + BelowSnapshot(_nodes[i]) < _submittedAt.Count)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Submitted transactions committed below the snapshot a node's disk began from (0 for a disk that began at genesis).</summary>
    private int BelowSnapshot(NodeState state) => state.SnapshotBase == 0 ? 0 : _heightOf.Values.Count(h => h <= state.SnapshotBase);

    /// <summary>The node's disk was replaced: it starts an empty chain, and may not remember what it signed.</summary>
    public void OnWiped(int node)
    {
        _amnesiac[node] = true;
        _nodes[node] = new NodeState(NewAudit());
    }

    /// <summary>The node's disk was restored from a backup of itself: the same chain, but it may not remember what it signed.</summary>
    public void OnRestored(int node) => _amnesiac[node] = true;

    /// <summary>A write group became durable on <paramref name="node"/>'s disk.</summary>
    public void OnDurable(int node, WriteGroup group)
    {
        NodeState state = _nodes[node];
        if (group.FromSnapshot && group.Blocks.Count > 0)
        {
            // The disk begins at the snapshot's first block: the audit starts there, and the transactions below it count
            // as held (the snapshot's state carries their effects; its blocks agree with the other nodes' below).
            Block first = group.Blocks[0].Block;
            state.Audit.StartAfter(first.Height - 1, first.Header.PreviousHash);
            state.SnapshotBase = first.Height - 1;
            SnapshotInstalls++;
        }

        foreach (BlockWrite h in group.History)
        {
            // Backfilled below the snapshot: the store linked it to its first block; it must be the block every honest
            // disk holds at that height, with its transactions nowhere else on this disk.
            Block block = h.Block;
            HistoryBackfilled++;
            if (VerifyOnce(block, h.Certificate) is { } bad)
            {
                Fail($"chain: node {node}'s disk took backfilled block {block.Height} with a certificate that does not verify: {bad}");
            }

            Agree(_blockAt, block.Height, block.Hash, node, (first, hash) => $"history: node {node} backfilled {block.Hash.ToShortString()} at height {block.Height}, node {first} committed {hash.ToShortString()}");
            foreach (Transaction tx in block.Transactions)
            {
                if (state.Locations.TryGetValue(tx.Hash, out (ulong Height, Hash32 Block) at) && at.Height != block.Height)
                {
                    Fail($"chain: node {node}'s disk holds transaction {tx.Hash.ToShortString()} at height {at.Height} and, backfilled, at {block.Height}");
                }

                state.Locations[tx.Hash] = (block.Height, block.Hash);
            }
        }

        foreach (BlockWrite b in group.Blocks)
        {
            Block block = b.Block;
            string? problem = state.Audit.Append(block, b.Certificate);
            if (problem is not null)
            {
                Fail($"chain: node {node}'s disk took block {block.Height} ({block.Hash.ToShortString()}): {problem}");
                continue;
            }

            foreach (Transaction tx in block.Transactions)
            {
                if (!_submittedAt.ContainsKey(tx.Hash))
                {
                    Fail($"validity: node {node} committed transaction {tx.Hash.ToShortString()} at height {block.Height} that no client submitted");
                }
                else
                {
                    state.Committed++;
                }

                state.Locations[tx.Hash] = (block.Height, block.Hash);
                if (IsHonest(node))
                {
                    _heightOf.TryAdd(tx.Hash, block.Height);
                }
            }

            if (IsHonest(node))
            {
                Agree(_blockAt, block.Height, block.Hash, node, (first, h) => $"agreement: node {first} committed {h.ToShortString()} and node {node} committed {block.Hash.ToShortString()} at height {block.Height}");
                Agree(_rootAt, block.Height, b.Result.StateRoot, node, (first, _) => $"state: node {first} and node {node} reached different state roots after height {block.Height}");
            }
        }

        foreach (ConsensusRecordEntry entry in group.Record)
        {
            RecordEntry decoded = RecordEntry.FromBytes(entry.Data);
            if (decoded.Message is { } m && Key(m) is { } key)
            {
                state.DurablySigned.Add(key);
            }
        }
    }

    /// <summary>A node's host put a consensus message on the wire (before any Byzantine corruption).</summary>
    public void OnSend(int node, ConsensusMessage message)
    {
        if (message.Sender != node || Key(message) is not { } key)
        {
            return;
        }

        if (!_nodes[node].DurablySigned.Contains(key))
        {
            Fail($"persist-before-send: node {node} sent {message.Type} (view {key.View}, height {key.Height}) before its disk held it");
        }

        if (message is PrePrepare or Vote && !_amnesiac[node])
        {
            (int, MessageType, ulong, ulong) slot = (node, message.Type, key.View, key.Height);
            if (_signed.TryGetValue(slot, out Hash32 first))
            {
                if (first != key.Hash)
                {
                    Fail($"signed once: node {node} signed two different {message.Type} messages for view {key.View} and height {key.Height} ({first.ToShortString()} and {key.Hash.ToShortString()})");
                }
            }
            else
            {
                _signed[slot] = key.Hash;
            }
        }
    }

    /// <summary>A client was told by <paramref name="node"/> that <paramref name="tx"/> committed.</summary>
    public void OnAcknowledged(int node, Hash32 tx, ulong height, Hash32 blockHash, TimeSpan at)
    {
        if (!_nodes[node].Locations.TryGetValue(tx, out (ulong Height, Hash32 Block) where) || where != (height, blockHash))
        {
            Fail($"durability: node {node} told a client transaction {tx.ToShortString()} committed at height {height} ({blockHash.ToShortString()}), but its disk does not hold that");
        }

        _ackedAt.TryAdd(tx, at);
    }

    public void OnEvidence(int reporter, Evidence evidence)
    {
        EvidenceReports++;
        int accused = evidence.Validator;
        if (IsHonest(reporter) && accused >= 0 && accused < _byzantine.Length && IsHonest(accused) && !_amnesiac[accused])
        {
            Fail($"evidence: node {reporter} reported {evidence.Kind} against honest node {accused} at height {evidence.Height}: {evidence.Description}");
        }
    }

    public void OnSyncRejected(int node, int peer, ulong height, string reason)
    {
        SyncRejections++;
        if (peer >= 0 && peer < _byzantine.Length && IsHonest(peer))
        {
            Fail($"sync: node {node} rejected a chunk from honest node {peer} at height {height}: {reason}");
        }
    }

    public void OnRecovering() => Recoveries++;

    public void OnStopped(int node, Exception failure) => Fail($"fail-stop: node {node} stopped consensus: {failure.Message}");

    public void Fail(string message)
    {
        if (Violations.Count < 20)
        {
            Violations.Add(message);
        }
    }

    public string LivenessReport(TimeSpan healedAt, TimeSpan bound)
    {
        int unacked = _submittedAt.Count - _ackedAt.Count;
        string heights = string.Join(", ", Enumerable.Range(0, _nodes.Length).Select(i => $"{i}{(IsHonest(i) ? "" : "*")}:{_nodes[i].Audit.Height}/{_nodes[i].Committed}"));
        return $"liveness: {bound.TotalSeconds:F0} s after faults healed (at {healedAt.TotalSeconds:F1} s), {unacked} of {_submittedAt.Count} transactions were not acknowledged and not every honest node holds every one (node:height/txs: {heights})";
    }

    private static (MessageType Kind, ulong View, ulong Height, Hash32 Hash)? Key(ConsensusMessage m) => m switch
    {
        PrePrepare pp => (m.Type, pp.View, pp.Height, pp.Block.Hash),
        Vote v => (m.Type, v.View, v.Height, v.BlockHash),
        ViewChange vc => (m.Type, vc.NewViewNumber, 0, default),
        NewView nv => (m.Type, nv.View, 0, default),
        _ => null,
    };

    private ChainAudit NewAudit() => new(_genesis, VerifyOnce);

    /// <summary>Each distinct certificate is verified once for all the disks that hold it.</summary>
    private string? VerifyOnce(Block block, CommitCertificate certificate)
    {
        Hash32 key = Hash32.Compute([.. certificate.ToBytes(), .. block.Hash.ToArray()]);
        if (_verifiedCertificates.Contains(key))
        {
            return null;
        }

        string? problem = certificate.Verify(_genesis.Validators, _genesis.ChainId, block);
        if (problem is null)
        {
            _verifiedCertificates.Add(key);
        }

        return problem;
    }

    private void Agree(Dictionary<ulong, (Hash32 Value, int Node)> seen, ulong height, Hash32 value, int node, Func<int, Hash32, string> describe)
    {
        if (seen.TryGetValue(height, out (Hash32 Value, int Node) first))
        {
            if (first.Value != value)
            {
                Fail(describe(first.Node, first.Value));
            }
        }
        else
        {
            seen[height] = (value, node);
        }
    }

    private sealed class NodeState(ChainAudit audit)
    {
        public ChainAudit Audit { get; } = audit;

        /// <summary>Submitted transactions this disk holds.</summary>
        public int Committed { get; set; }

        public Dictionary<Hash32, (ulong Height, Hash32 Block)> Locations { get; } = [];

        /// <summary>The height below the first block of an installed snapshot (0: the disk began at genesis).</summary>
        public ulong SnapshotBase { get; set; }

        public HashSet<(MessageType Kind, ulong View, ulong Height, Hash32 Hash)> DurablySigned { get; } = [];
    }
}
