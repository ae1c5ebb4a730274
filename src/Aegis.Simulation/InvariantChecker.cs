using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;

namespace Aegis.Simulation;

/// <summary>
/// The safety and liveness properties, checked as each commit and each evidence report happens:
/// agreement (no two honest replicas commit different blocks at a height), validity (only client transactions, each
/// at most once per chain), verifiable certificates, an unbroken hash chain, equal state roots, and no evidence
/// against an honest validator. Liveness is checked at the end.
/// </summary>
public sealed class InvariantChecker(Genesis genesis, bool[] honest)
{
    private readonly Dictionary<ulong, (Hash32 Hash, int Node)> _blockAt = [];
    private readonly Dictionary<ulong, (Hash32 Root, int Node)> _rootAt = [];
    private readonly Dictionary<Hash32, HashSet<int>> _committedBy = [];
    private readonly Dictionary<int, HashSet<Hash32>> _txsPerNode = [];
    private readonly HashSet<Hash32> _verifiedCertificates = [];

    public HashSet<Hash32> Submitted { get; } = [];

    public List<string> Violations { get; } = [];

    public int EvidenceReports { get; private set; }

    public int CommittedTxCount => _committedBy.Count;

    public void OnCommit(int node, SimStorage storage, Block block, CommitCertificate certificate)
    {
        Hash32 expectedParent = storage.Height == 0 ? genesis.Hash : storage.Chain[^1].Block.Hash;
        if (block.Height != storage.Height + 1 || block.Header.PreviousHash != expectedParent)
        {
            Fail($"node {node} committed block {block.Height} that does not extend its chain at {storage.Height}");
        }

        Hash32 certKey = Hash32.Compute([.. certificate.ToBytes(), .. block.Hash.ToArray()]);
        if (!_verifiedCertificates.Contains(certKey))
        {
            string? problem = certificate.Verify(genesis.Validators, genesis.ChainId, block);
            if (problem is not null)
            {
                Fail($"node {node} committed block {block.Height} with a bad certificate: {problem}");
            }

            _verifiedCertificates.Add(certKey);
        }

        if (!honest[node])
        {
            return;
        }

        if (_blockAt.TryGetValue(block.Height, out (Hash32 Hash, int Node) first))
        {
            if (first.Hash != block.Hash)
            {
                Fail($"agreement: node {first.Node} committed {first.Hash.ToShortString()} and node {node} committed {block.Hash.ToShortString()} at height {block.Height}");
            }
        }
        else
        {
            _blockAt[block.Height] = (block.Hash, node);
        }

        if (!_txsPerNode.TryGetValue(node, out HashSet<Hash32>? mine))
        {
            mine = [];
            _txsPerNode[node] = mine;
        }

        foreach (Transaction tx in block.Transactions)
        {
            if (!Submitted.Contains(tx.Hash))
            {
                Fail($"validity: node {node} committed transaction {tx.Hash.ToShortString()} at height {block.Height} that no client submitted");
            }

            if (!mine.Add(tx.Hash))
            {
                Fail($"validity: node {node} committed transaction {tx.Hash.ToShortString()} twice (again at height {block.Height})");
            }

            if (!_committedBy.TryGetValue(tx.Hash, out HashSet<int>? nodes))
            {
                nodes = [];
                _committedBy[tx.Hash] = nodes;
            }

            nodes.Add(node);
        }
    }

    public void OnExecuted(int node, ulong height, Hash32 root)
    {
        if (!honest[node])
        {
            return;
        }

        if (_rootAt.TryGetValue(height, out (Hash32 Root, int Node) first))
        {
            if (first.Root != root)
            {
                Fail($"state: node {first.Node} and node {node} reached different state roots after height {height}");
            }
        }
        else
        {
            _rootAt[height] = (root, node);
        }
    }

    public void OnEvidence(int reporter, Evidence evidence)
    {
        EvidenceReports++;
        if (honest[reporter] && evidence.Validator >= 0 && evidence.Validator < honest.Length && honest[evidence.Validator])
        {
            Fail($"node {reporter} reported {evidence.Kind} against honest node {evidence.Validator} at height {evidence.Height}: {evidence.Description}");
        }
    }

    /// <summary>f+1 honest replicas committed it: a client waiting for f+1 matching replies would be answered.</summary>
    public bool CommittedOnWeakQuorum(Hash32 tx) =>
        _committedBy.TryGetValue(tx, out HashSet<int>? nodes) && nodes.Count >= Math.Min(genesis.Validators.Quorum.Weak, honest.Count(h => h));

    public bool AllCommittedEverywhere()
    {
        int honestCount = honest.Count(h => h);
        if (_committedBy.Count < Submitted.Count)
        {
            return false;
        }

        foreach (HashSet<int> nodes in _committedBy.Values)
        {
            if (nodes.Count < honestCount)
            {
                return false;
            }
        }

        return true;
    }

    public string LivenessReport(IEnumerable<SimStorage> honestStorages, long tick)
    {
        int missing = Submitted.Count(tx => !_committedBy.ContainsKey(tx));
        string heights = string.Join(", ", honestStorages.Select(s => s.Height));
        return $"liveness: by tick {tick}, {missing} of {Submitted.Count} transactions never committed and not every honest node has all committed ones (honest heights: {heights})";
    }

    private void Fail(string message)
    {
        if (Violations.Count < 20)
        {
            Violations.Add(message);
        }
    }
}
