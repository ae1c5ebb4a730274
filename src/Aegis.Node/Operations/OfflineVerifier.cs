using Aegis.Core.Consensus;
using Aegis.Storage;
using Aegis.Storage.Export;

namespace Aegis.Node.Operations;

/// <summary>What <c>aegis verify</c> found: the blocks checked, or the first bad height and why.</summary>
public sealed record VerifyResult(ulong BlocksVerified, long Transactions, int StateEntries, ChainCorruptException? Corruption)
{
    public bool Ok => Corruption is null;

    /// <summary>The first block checked: 1 (the chain replayed from genesis), or a snapshot-joined store's first block (<see cref="JoinedStoreVerifier"/>).</summary>
    public ulong HistoryFrom { get; init; } = 1;
}

/// <summary>
/// Re-checks a whole store from genesis through one snapshot: every block with <see cref="ChainReplay"/>, the tip row,
/// then the stored key-value state and tx index against what the replay says they must hold. A row that does not even
/// decode, or a database that reports damage, is named as the first height it stops the walk at.
/// </summary>
public static class OfflineVerifier
{
    private const int Batch = 256;

    public static async Task<VerifyResult> VerifyAsync(IStoreSnapshot snapshot, Genesis genesis, Action<ulong, ulong>? progress, CancellationToken ct)
    {
        ChainTip tip = snapshot.Tip;
        StoredBlock? first = null;
        try
        {
            await foreach (StoredBlock b in snapshot.ReadBlocksAsync(1, ulong.MaxValue >> 1, ct))
            {
                first = b;
                break;
            }
        }
        catch (StorageException)
        {
            // The replay below names the height the damage stops it at.
        }

        if (first is { Height: > 1 })
        {
            // Joined by snapshot, history not (yet) backfilled: nothing to replay from; check from its first block.
            return await JoinedStoreVerifier.VerifyAsync(snapshot, genesis, first, progress, ct).ConfigureAwait(false);
        }

        var replay = new ChainReplay(genesis);
        try
        {
            var batch = new List<StoredBlock>(Batch);
            await using (IAsyncEnumerator<StoredBlock> blocks = snapshot.ReadBlocksAsync(1, ulong.MaxValue >> 1, ct).GetAsyncEnumerator(ct))
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
                        Check(replay, batch);
                        throw new ChainCorruptException(replay.Height + 1, ex.Message);
                    }

                    if (more)
                    {
                        batch.Add(blocks.Current);
                    }

                    if (batch.Count == Batch || (!more && batch.Count > 0))
                    {
                        Check(replay, batch);
                        progress?.Invoke(replay.Height, tip.Height);
                    }

                    if (!more)
                    {
                        break;
                    }
                }
            }

            if (replay.Height != tip.Height || (tip.Height > 0 && (replay.TipHash != tip.BlockHash || replay.StateRoot != tip.StateRoot)))
            {
                ulong at = Math.Min(replay.Height + 1, Math.Max(tip.Height, 1));
                throw new ChainCorruptException(at, replay.Height < tip.Height
                    ? $"block {replay.Height + 1} is missing (the tip row says {tip.Height})"
                    : $"the tip row (height {tip.Height}, {tip.BlockHash.ToShortString()}) does not match the last block (height {replay.Height}, {replay.TipHash.ToShortString()})");
            }

            (ulong Height, string Reason)? bad = await Guard(replay.CompareStateAsync(snapshot.ReadStateAsync(ct), ct), replay.Height, "state").ConfigureAwait(false)
                ?? await Guard(replay.CompareTxIndexAsync(snapshot.ReadTxIndexAsync(ct), ct), replay.Height, "tx index").ConfigureAwait(false)
                ?? await Guard(CheckRecordAsync(snapshot.ReadConsensusRecordAsync(ct), ct), replay.Height, "consensus record").ConfigureAwait(false);
            if (bad is { } b)
            {
                throw new ChainCorruptException(b.Height, b.Reason);
            }

            return new VerifyResult(replay.Height, replay.Transactions, replay.StateCount, null);
        }
        catch (ChainCorruptException ex)
        {
            return new VerifyResult(replay.Height, replay.Transactions, replay.StateCount, ex);
        }
    }

    private static void Check(ChainReplay replay, List<StoredBlock> batch)
    {
        string?[] certificates = replay.VerifyCertificates(batch);
        for (int i = 0; i < batch.Count; i++)
        {
            if (replay.Append(batch[i], certificates[i]).Problem is { } problem)
            {
                throw new ChainCorruptException(batch[i].Height, problem);
            }
        }

        batch.Clear();
    }

    /// <summary>Every consensus record entry must decode: the node replays them at start, before it votes.</summary>
    private static async Task<(ulong Height, string Reason)?> CheckRecordAsync(IAsyncEnumerable<ConsensusRecordEntry> entries, CancellationToken ct)
    {
        long n = 0;
        await foreach (ConsensusRecordEntry e in entries.WithCancellation(ct))
        {
            n++;
            try
            {
                RecordEntry.FromBytes(e.Data);
            }
            catch (Aegis.Core.Encoding.CodecException ex)
            {
                return (e.Height, $"consensus record entry {n} does not decode ({ex.Message})");
            }
        }

        return null;
    }

    private static async Task<(ulong Height, string Reason)?> Guard(Task<(ulong Height, string Reason)?> compare, ulong tip, string what)
    {
        try
        {
            return await compare.ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            return (tip, $"the stored {what} cannot be read: {ex.Message}");
        }
    }
}
