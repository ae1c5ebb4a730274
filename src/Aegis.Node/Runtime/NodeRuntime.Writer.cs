using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Network;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

// The writer: makes the loop's batches durable, then lets their messages out and tells clients.
public sealed partial class NodeRuntime
{
    /// <summary>
    /// Takes every batch the loop has queued, writes them as one group (one transaction, one fsync), then carries out
    /// their sends and acknowledgements in batch order. A crash before the write loses only batches nothing was sent
    /// for; the persist-before-send contract holds across batches because they are released strictly in order.
    /// </summary>
    private async Task RunWriterAsync(Session s)
    {
        CancellationToken ct = s.Stop.Token;
        var group = new List<Effects>();
        try
        {
            ChannelReader<Effects> queue = s.Writes.Reader;
            while (await queue.WaitToReadAsync(ct))
            {
                group.Clear();
                while (queue.TryPeek(out Effects? next))
                {
                    // A truncation ends a group: record entries appended after it must not be caught by it.
                    if (group.Count > 0 && group[^1].TruncateBelow > 0)
                    {
                        break;
                    }

                    queue.TryRead(out _);
                    group.Add(next);
                }

                await WriteAsync(s, group, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            s.Fail(ex);
        }
    }

    private async Task WriteAsync(Session s, List<Effects> group, CancellationToken ct)
    {
        var blocks = new List<BlockWrite>();
        var record = new List<ConsensusRecordEntry>();
        ulong truncate = 0;
        ulong prune = 0;
        foreach (Effects e in group)
        {
            blocks.AddRange(e.Blocks);
            record.AddRange(e.Persist);
            truncate = Math.Max(truncate, e.TruncateBelow);
            prune = Math.Max(prune, e.PruneStateNodesUpTo);
        }

        var write = new WriteGroup(blocks, record, truncate) { PruneStateNodesUpTo = prune };
        long last = group[^1].Seq;
        if (!write.IsEmpty)
        {
            long start = _time.GetTimestamp();
            Task written = _store.WriteGroupAsync(write, ct);
            if (_options.UnsafeReleaseBeforeDurable)
            {
                // The planted bug (simulator only): the group counts as durable as soon as the store has it.
                s.MarkDurable(last);
                Release(s, group);
            }

            await written;
            s.Stored = true;
            _metrics.StorageCommit.Record(_time.GetElapsedTime(start).TotalSeconds);
            if (blocks.Count > 0)
            {
                s.MarkWritten(blocks[^1].Block.Height);
            }

            if (_options.UnsafeReleaseBeforeDurable)
            {
                s.MarkDurable(last);
                return;
            }
        }

        s.MarkDurable(last);
        Release(s, group);
    }

    private void Release(Session s, List<Effects> group)
    {
        foreach (Effects e in group)
        {
            // Persist-before-send: nothing of a batch leaves before the batch, and every one before it, is durable.
            InvariantViolationException.Assert(e.Seq <= s.DurableSeq, () => $"persist-before-send: batch {e.Seq} is about to be released, but only batches up to {s.DurableSeq} are durable");
            foreach (BlockWrite written in e.Blocks)
            {
                Announce(written);
            }

            foreach (ReplicaOutput output in e.Sends)
            {
                switch (output)
                {
                    case Send send:
                        _network.Send(send.To, new ConsensusEnvelope(send.Message));
                        break;
                    case Broadcast b:
                        _network.Broadcast(new ConsensusEnvelope(b.Message));
                        break;
                }
            }
        }

        if (group[^1].Status is { } status)
        {
            PublishSnapshot(status);
        }
    }

    /// <summary>After the group is durable: metrics, waiting clients, event subscribers.</summary>
    private void Announce(BlockWrite written)
    {
        Block block = written.Block;
        _metrics.TxsCommitted.Add(block.Transactions.Count);
        Interlocked.Add(ref _txsCommitted, block.Transactions.Count);
        long now = _time.GetTimestamp();
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            Hash32 hash = block.Transactions[i].Hash;
            if (_submittedAt.TryRemove(hash, out long submitted))
            {
                _metrics.CommitLatency.Record(_time.GetElapsedTime(submitted, now).TotalSeconds);
            }

            _waiters.Complete(hash, block.Height, block.Hash);
        }

        _blocks.Publish(new BlockEvent(block.Height, block.Hash, block.Transactions.Count, written.Certificate.View, block.Header.TimestampMs));

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogCommitted(block.Height, written.Certificate.View, block.Transactions.Count, block.Hash.ToShortString());
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "committed height {Height} in view {View}: {TxCount} txs, block {BlockHash}")]
    private partial void LogCommitted(ulong height, ulong view, int txCount, string blockHash);
}
