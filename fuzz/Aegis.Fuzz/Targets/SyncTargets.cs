using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State;
using Aegis.Core.State.Commitment;
using Aegis.Network;

namespace Aegis.Fuzz.Targets;

/// <summary>
/// A state-sync chunk from a peer, end to end: decoded as the body of a SyncResponse, then checked as the node runtime checks it
/// (VerifiedChunk on the reader) and fed to a fresh replica at genesis (SyncedChunk, store and execute what it commits,
/// Executed). A lying chunk must be refused from its first bad block on; nothing in it may throw.
/// </summary>
public static class SyncTargets
{
    public static IEnumerable<FuzzTarget> All =>
    [
        new("sync-chunk", "sync", "SyncResponse body → VerifiedChunk → Replica.SyncedChunk", SyncChunk),
    ];

    private static void SyncChunk(ReadOnlySpan<byte> input) => AcceptedBlocks(input);

    /// <summary>Runs one chunk body; returns how many of its blocks the replica accepted (-1 when it does not decode).</summary>
    public static int AcceptedBlocks(ReadOnlySpan<byte> input)
    {
        byte[] frame = new byte[input.Length + 1];
        frame[0] = (byte)PeerMessageKind.SyncResponse;
        input.CopyTo(frame.AsSpan(1));
        if (Canonical.Decode(frame, b => (SyncResponse)PeerMessage.FromBytes(b), c => c.ToBytes(), _ => "sync chunk") is not { } chunk)
        {
            return -1;
        }

        var replica = new Replica(FuzzChain.Genesis, FuzzChain.Signer(1), new ReplicaOptions());
        var store = new ChunkLedger();
        VerifiedChunk? verified = chunk.Blocks.Count == 0 ? null : VerifiedChunk.Verify(FuzzChain.Genesis, chunk.Blocks, out _);
        if (verified is null)
        {
            return 0;
        }

        Apply(replica, store, replica.SyncedChunk(verified, out _));
        int accepted = (int)replica.CommittedHeight;

        // Accepted blocks must be exactly what their certificates prove, in an unbroken chain from genesis.
        Hash32 previous = FuzzChain.Genesis.Hash;
        for (int i = 0; i < accepted; i++)
        {
            CommittedBlock b = chunk.Blocks[i];
            if (b.Height != (ulong)i + 1 || b.Block.Header.PreviousHash != previous || b.Verify(FuzzChain.Genesis.Validators, FuzzChain.ChainId) is not null)
            {
                throw new FuzzOracleException($"sync chunk: the replica accepted block {b.Height}, which is not a certified continuation of the chain");
            }

            previous = b.Block.Hash;
        }

        return accepted;
    }

    private static void Apply(Replica replica, ChunkLedger store, IReadOnlyList<ReplicaOutput> outputs)
    {
        var work = new Queue<ReplicaOutput>(outputs);
        while (work.TryDequeue(out ReplicaOutput? output))
        {
            if (output is CommitBlock c)
            {
                foreach (ReplicaOutput more in replica.Executed(c.Block.Height, store.Commit(c.Block)))
                {
                    work.Enqueue(more);
                }
            }
        }
    }

    /// <summary>What executing the accepted blocks needs: the tx index and the state root they chain from.</summary>
    private sealed class ChunkLedger : IStateView
    {
        private readonly HashSet<Hash32> _applied = [];
        private readonly InMemoryTreeNodeStore _tree = new();
        private Hash32 _root = BlockExecutor.GenesisStateRoot;

        public bool IsTxApplied(Hash32 txHash) => _applied.Contains(txHash);

        public Hash32 Commit(Block block)
        {
            ExecutionResult result = BlockExecutor.Execute(block, _root, this, _tree);
            _tree.Apply(result.Tree, block.Height);
            _root = result.StateRoot;
            foreach (Transaction tx in block.Transactions)
            {
                _applied.Add(tx.Hash);
            }

            return _root;
        }
    }
}
