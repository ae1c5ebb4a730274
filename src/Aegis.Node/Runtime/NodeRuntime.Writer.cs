using System.Diagnostics;
using System.Threading.Channels;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Network;
using Aegis.Storage;

namespace Aegis.Node.Runtime;

// The writer: makes the loop's batches durable, then lets their messages out and tells clients.
public sealed partial class NodeRuntime
{
    // Bounded so a disk slower than consensus pushes back on the loop instead of queueing without limit.
    private const int MaxQueuedBatches = 256;

    private readonly Channel<Effects> _writes = Channel.CreateBounded<Effects>(new BoundedChannelOptions(MaxQueuedBatches) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    // Loop-owned: transactions applied by executed blocks the writer has not stored yet, so executing the next block
    // sees exactly what the blocks below it applied even while they are still on their way to disk.
    private readonly HashSet<Hash32> _appliedUnwritten = [];
    private readonly Queue<(ulong Height, List<Hash32> Applied)> _unwrittenBlocks = new();

    // Highest block the writer has made durable; written by the writer, read by the loop.
    private ulong _writtenHeight;

    /// <summary>
    /// Takes every batch the loop has queued, writes them as one group (one transaction, one fsync), then carries out
    /// their sends and acknowledgements in batch order. A crash before the write loses only batches nothing was sent
    /// for; the persist-before-send contract holds across batches because they are released strictly in order.
    /// </summary>
    private async Task RunWriterAsync(CancellationToken ct)
    {
        var group = new List<Effects>();
        try
        {
            while (await _writes.Reader.WaitToReadAsync(ct))
            {
                group.Clear();
                while (_writes.Reader.TryPeek(out Effects? next))
                {
                    // A truncation ends a group: record entries appended after it must not be caught by it.
                    if (group.Count > 0 && group[^1].TruncateBelow > 0)
                    {
                        break;
                    }

                    _writes.Reader.TryRead(out _);
                    group.Add(next);
                }

                await StopOnFailureAsync(
                    async () =>
                    {
                        await WriteAsync(group, ct);
                        Release(group);
                    },
                    ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(List<Effects> group, CancellationToken ct)
    {
        var blocks = new List<BlockWrite>();
        var record = new List<ConsensusRecordEntry>();
        ulong truncate = 0;
        foreach (Effects e in group)
        {
            blocks.AddRange(e.Blocks);
            record.AddRange(e.Persist);
            truncate = Math.Max(truncate, e.TruncateBelow);
        }

        var write = new WriteGroup(blocks, record, truncate);
        if (write.IsEmpty)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        await _store.WriteGroupAsync(write, ct);
        _metrics.StorageCommit.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        if (blocks.Count > 0)
        {
            Volatile.Write(ref _writtenHeight, blocks[^1].Block.Height);
        }
    }

    private void Release(List<Effects> group)
    {
        foreach (Effects e in group)
        {
            foreach (BlockWrite written in e.Blocks)
            {
                Announce(written);
            }

            foreach (ReplicaOutput output in e.Sends)
            {
                switch (output)
                {
                    case Send s:
                        _network.Send(s.To, new ConsensusEnvelope(s.Message));
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
}
