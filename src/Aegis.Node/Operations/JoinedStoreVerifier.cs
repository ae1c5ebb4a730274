using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.State.Commitment;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Node.Operations;

/// <summary>
/// <c>aegis verify</c> on a store that joined by snapshot and does not hold the history below it (storage.keep_history
/// false, or the backfill not finished): there is no state to replay from, so it checks what can be checked from the
/// first stored block on, anchored by that block's certificate — every block's certificate against the genesis
/// validators, heights, hash links and tx roots (<see cref="ChainAudit"/>), each header's state root against the root
/// stored with the block pipeline_depth below it, the tip row — then the key-value table against the tip's state root
/// (rebuilt as a tree), and every tx-index row against the stored block it names. Blocks are not re-executed (their
/// state before the first block is not held), which the report says.
/// </summary>
internal static class JoinedStoreVerifier
{
    private const int Batch = 256;

    public static async Task<VerifyResult> VerifyAsync(IStoreSnapshot snapshot, Genesis genesis, StoredBlock first, Action<ulong, ulong>? progress, CancellationToken ct)
    {
        ChainTip tip = snapshot.Tip;
        ulong depth = (ulong)genesis.Parameters.PipelineDepth;
        string? certificateProblem = null;
        var audit = new ChainAudit(genesis, (_, _) => certificateProblem is null ? null : $"commit certificate: {certificateProblem}");
        audit.StartAfter(first.Height - 1, first.Block.Header.PreviousHash);
        var rootAfter = new Dictionary<ulong, Hash32>();
        var locations = new Dictionary<Hash32, (ulong Height, Hash32 Block, int Index)>();
        StoredBlock? last = null;
        int stateEntries = 0;
        try
        {
            var batch = new List<StoredBlock>(Batch);
            await using (IAsyncEnumerator<StoredBlock> blocks = snapshot.ReadBlocksAsync(first.Height, ulong.MaxValue >> 1, ct).GetAsyncEnumerator(ct))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await blocks.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (StorageException ex)
                    {
                        throw new ChainCorruptException(audit.Height + 1, ex.Message);
                    }

                    if (more)
                    {
                        batch.Add(blocks.Current);
                    }

                    if (batch.Count == Batch || (!more && batch.Count > 0))
                    {
                        string?[] certificates = ChainReplay.VerifyCertificates(genesis, batch);
                        for (int i = 0; i < batch.Count; i++)
                        {
                            StoredBlock b = batch[i];
                            certificateProblem = certificates[i];
                            string? problem = audit.Append(b.Block, b.Certificate);
                            if (problem is null && b.Height >= first.Height + depth && rootAfter.TryGetValue(b.Height - depth, out Hash32 expected) && b.Block.Header.StateRoot != expected)
                            {
                                problem = $"header.state_root {b.Block.Header.StateRoot.ToShortString()} is not the state root stored after block {b.Height - depth} ({expected.ToShortString()})";
                            }

                            if (problem is not null)
                            {
                                throw new ChainCorruptException(b.Height, problem);
                            }

                            rootAfter[b.Height] = b.StateRootAfter;
                            rootAfter.Remove(b.Height - Math.Min(b.Height, depth + 1));
                            for (int t = 0; t < b.Block.Transactions.Count; t++)
                            {
                                locations.TryAdd(b.Block.Transactions[t].Hash, (b.Height, b.Block.Hash, t));
                            }

                            last = b;
                        }

                        batch.Clear();
                        progress?.Invoke(audit.Height, tip.Height);
                    }

                    if (!more)
                    {
                        break;
                    }
                }
            }

            if (last is null || audit.Height != tip.Height || audit.TipHash != tip.BlockHash || last.StateRootAfter != tip.StateRoot)
            {
                throw new ChainCorruptException(Math.Max(audit.Height, 1), $"the tip row (height {tip.Height}, {tip.BlockHash.ToShortString()}) does not match the last block (height {audit.Height}, {audit.TipHash.ToShortString()})");
            }

            var entries = new List<KeyValuePair<byte[], byte[]>>();
            await foreach (KvEntry e in snapshot.ReadStateAsync(ct))
            {
                entries.Add(new(e.Key, e.Value));
            }

            stateEntries = entries.Count;
            Hash32 rebuilt = StateTree.Build(entries).Root;
            if (rebuilt != tip.StateRoot)
            {
                throw new ChainCorruptException(tip.Height, $"the key-value table hashes to state root {rebuilt.ToShortString()}, but the tip (height {tip.Height}) says {tip.StateRoot.ToShortString()}");
            }

            await foreach (TxLocation row in snapshot.ReadTxIndexAsync(ct))
            {
                if (!locations.TryGetValue(row.TxHash, out (ulong Height, Hash32 Block, int Index) at))
                {
                    throw new ChainCorruptException(row.Height, $"the tx index holds {row.TxHash.ToShortString()}, which no stored block carries");
                }

                if (at.Height != row.Height || at.Block != row.BlockHash || at.Index != row.Index)
                {
                    throw new ChainCorruptException(at.Height, $"the tx index puts {row.TxHash.ToShortString()} at height {row.Height} index {row.Index}, the chain at height {at.Height} index {at.Index}");
                }
            }

            return new VerifyResult(audit.Height - first.Height + 1, audit.TransactionCount, stateEntries, null) { HistoryFrom = first.Height };
        }
        catch (ChainCorruptException ex)
        {
            return new VerifyResult(audit.Height - Math.Min(audit.Height, first.Height - 1), audit.TransactionCount, stateEntries, ex) { HistoryFrom = first.Height };
        }
    }
}
