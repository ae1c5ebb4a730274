using System.Diagnostics;
using Aegis.Core.Consensus;
using Aegis.Core.Crypto;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;
using Aegis.Core.State;
using Aegis.Network;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

// The event loop: drain a batch of inputs, step the replica, carry out its outputs.
public sealed partial class NodeRuntime
{
    /// <summary>What one batch of replica outputs asks for, in the order the host must honour.</summary>
    private sealed class Effects
    {
        public List<ConsensusRecordEntry> Persist { get; } = [];

        /// <summary>Consensus messages: they leave only after this batch (and every batch before it) is durable.</summary>
        public List<ReplicaOutput> Sends { get; } = [];

        /// <summary>Blocks executed in this batch, written together (group commit) before anything is sent or acknowledged.</summary>
        public List<BlockWrite> Blocks { get; } = [];

        public ulong TruncateBelow { get; set; }

        /// <summary>The replica's state at the end of the batch, published once the batch is durable.</summary>
        public ReplicaStatus? Status { get; set; }
    }

    private async Task RunLoopAsync(CancellationToken ct)
    {
        var batch = new List<NodeInput>(MaxBatch);
        try
        {
            while (await _inbox.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _inbox.Reader.TryRead(out NodeInput? input))
                {
                    batch.Add(input);
                }

                var effects = new Effects();
                await StopOnFailureAsync(
                    async () =>
                    {
                        await StepAsync(batch, effects, ct);
                        effects.Status = _replica!.Status;

                        // The loop does not wait for the disk: the writer makes this batch durable (together with any
                        // others queued behind it) and only then sends its messages, while the loop steps the next batch.
                        await _writes.Writer.WriteAsync(effects, ct);
                    },
                    ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _writes.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Runs one step of the loop or the writer. Storage or state failing under us is not survivable safely: the node
    /// stops consensus rather than act on a state it could not save.
    /// </summary>
    private async Task StopOnFailureAsync(Func<Task> step, CancellationToken ct)
    {
        try
        {
            await step();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            LogLoopFailed(ex);
            await _stopping.CancelAsync();
            throw;
        }
    }

    private async Task StepAsync(List<NodeInput> batch, Effects effects, CancellationToken ct)
    {
        Replica replica = _replica!;
        List<Transaction>? txs = null;
        List<Action<SubmitStatus[]>>? replies = null;
        var gossip = new List<Transaction>();
        foreach (NodeInput input in batch)
        {
            switch (input)
            {
                case TransactionInput t:
                    int offset = txs?.Count ?? 0;
                    (txs ??= []).Add(t.Transaction);
                    (replies ??= []).Add(statuses =>
                    {
                        // A correct primary proposes what it accepts, and a faulty one would not gossip anyway: only
                        // backups pass client transactions on (to the primary, and to whoever is primary next).
                        if (statuses[offset] == SubmitStatus.Accepted && !t.FromPeer && !replica.IsPrimary)
                        {
                            gossip.Add(t.Transaction);
                        }

                        t.Reply?.TrySetResult(statuses[offset]);
                    });
                    break;
                case TransactionBatchInput b:
                    int start = txs?.Count ?? 0;
                    (txs ??= []).AddRange(b.Transactions);
                    (replies ??= []).Add(statuses =>
                    {
                        SubmitStatus[] mine = statuses[start..(start + b.Transactions.Count)];
                        for (int i = 0; i < mine.Length; i++)
                        {
                            if (mine[i] == SubmitStatus.Accepted && !replica.IsPrimary)
                            {
                                gossip.Add(b.Transactions[i]);
                            }
                        }

                        b.Reply.TrySetResult(mine);
                    });
                    break;
                case PeerConsensusInput m:
                    await ApplyAsync(replica.Receive(m.Message), effects, ct);
                    break;
                case TickInput:
                    await ApplyAsync(replica.Tick(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), effects, ct);
                    break;
                case SyncBlocksInput s:
                    await ApplySyncAsync(s, effects, ct);
                    break;
            }
        }

        if (txs is not null)
        {
            // One mempool call for the whole batch: this is where client load is absorbed.
            var results = new List<MempoolAddResult>(txs.Count);
            await ApplyAsync(replica.SubmitTransactions(txs, results), effects, ct);
            var statuses = new SubmitStatus[txs.Count];
            for (int i = 0; i < statuses.Length; i++)
            {
                statuses[i] = results[i] switch
                {
                    MempoolAddResult.Added => SubmitStatus.Accepted,
                    MempoolAddResult.Duplicate => SubmitStatus.Duplicate,
                    _ => SubmitStatus.MempoolFull,
                };
                if (statuses[i] == SubmitStatus.MempoolFull)
                {
                    _submittedAt.TryRemove(txs[i].Hash, out _);
                }
            }

            foreach (Action<SubmitStatus[]> reply in replies!)
            {
                reply(statuses);
            }

            Gossip(gossip);
        }
    }

    /// <summary>Mempool gossip promises nothing, so it need not wait for the batch to be durable.</summary>
    private void Gossip(List<Transaction> txs)
    {
        for (int i = 0; i < txs.Count; i += PeerMessage.MaxGossipTxs)
        {
            _network.Broadcast(new TransactionsGossip(txs.GetRange(i, Math.Min(PeerMessage.MaxGossipTxs, txs.Count - i))));
        }
    }

    private async Task ApplySyncAsync(SyncBlocksInput s, Effects effects, CancellationToken ct)
    {
        Replica replica = _replica!;
        ulong before = replica.CommittedHeight;
        foreach (CommittedBlock b in s.Blocks)
        {
            if (b.Height <= replica.CommittedHeight)
            {
                continue;
            }

            await ApplyAsync(replica.SyncedBlock(b.Block, b.Certificate), effects, ct);
            if (replica.CommittedHeight != b.Height)
            {
                // Not a valid continuation (a bad chunk, or a lying peer): stop here.
                LogSyncRejected(s.Peer, b.Height);
                break;
            }
        }

        // A chunk that moved us forward means there may be more: ask right away instead of waiting for the next
        // status (at the peer's tip the extra request is simply not answered).
        // Reads on the peer's side promise nothing on ours, so the request need not wait for this chunk to be durable.
        if (replica.CommittedHeight > before && _highestPeerHeight > replica.CommittedHeight)
        {
            _network.Send(s.Peer, new SyncRequest(replica.CommittedHeight + 1, PeerMessage.MaxSyncBlocks));
        }
    }

    private async Task ApplyAsync(IReadOnlyList<ReplicaOutput> outputs, Effects effects, CancellationToken ct)
    {
        foreach (ReplicaOutput output in outputs)
        {
            switch (output)
            {
                case PersistRecord p:
                    effects.Persist.Add(new ConsensusRecordEntry(p.Entry.Height, p.Entry.ToBytes()));
                    break;
                case TruncateRecord t:
                    effects.TruncateBelow = Math.Max(effects.TruncateBelow, t.BelowHeight);
                    break;
                case Send or Broadcast:
                    effects.Sends.Add(output);
                    break;
                case RequestSync r:
                    _network.Send(r.Peer, new SyncRequest(r.FromHeight, PeerMessage.MaxSyncBlocks));
                    break;
                case CommitBlock c:
                    Hash32 root = await ExecuteAsync(c.Block, c.Certificate, effects, ct);
                    await ApplyAsync(_replica!.Executed(c.Block.Height, root), effects, ct);
                    break;
                case ViewChanged v:
                    if (!_replica!.IsPrimary)
                    {
                        // What we held (perhaps as the old primary, which gossips nothing) must reach the new primary.
                        Gossip(_replica.Mempool.Snapshot());
                    }

                    _metrics.ViewChanges.Add(1);
                    LogViewChanged(v.View, _genesis.Validators[v.Primary].Id);
                    break;
                case EvidenceFound e:
                    _metrics.Failures.Add(1, new KeyValuePair<string, object?>("kind", e.Evidence.Kind.ToString()));
                    LogEvidence(e.Evidence.Kind, e.Evidence.Validator, e.Evidence.Height, e.Evidence.View, e.Evidence.Description);
                    break;
                case ReplicaTrace t:
                    LogTrace(t.Message);
                    break;
            }
        }
    }

    /// <summary>
    /// Executes a committed block (pure, in memory) and queues it for the writer. The replica may go on at once;
    /// nothing leaves the node and no client hears of the block until the writer has stored it.
    /// </summary>
    private async Task<Hash32> ExecuteAsync(Block block, CommitCertificate certificate, Effects effects, CancellationToken ct)
    {
        ForgetWrittenBlocks();
        IStateView stored = await _store.LoadStateViewAsync(block, ct);
        ExecutionResult result = BlockExecutor.Execute(block, _stateRoot, new UnwrittenStateView(stored, _appliedUnwritten));
        var applied = new List<Hash32>();
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            if (result.Outcomes[i] == TxOutcome.Applied)
            {
                Hash32 hash = block.Transactions[i].Hash;
                _appliedUnwritten.Add(hash);
                applied.Add(hash);
            }
        }

        _unwrittenBlocks.Enqueue((block.Height, applied));
        effects.Blocks.Add(new BlockWrite(block, certificate, result));
        _stateRoot = result.StateRoot;
        return result.StateRoot;
    }

    /// <summary>Drops what the writer has stored from the loop's view of unwritten blocks: the store answers for those now.</summary>
    private void ForgetWrittenBlocks()
    {
        ulong written = Volatile.Read(ref _writtenHeight);
        while (_unwrittenBlocks.TryPeek(out (ulong Height, List<Hash32> Applied) b) && b.Height <= written)
        {
            _unwrittenBlocks.Dequeue();
            foreach (Hash32 hash in b.Applied)
            {
                _appliedUnwritten.Remove(hash);
            }
        }
    }

    /// <summary>After the group is durable: metrics, waiting clients, event subscribers.</summary>
    private void Announce(BlockWrite written)
    {
        Block block = written.Block;
        _metrics.TxsCommitted.Add(block.Transactions.Count);
        Interlocked.Add(ref _txsCommitted, block.Transactions.Count);
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            Hash32 hash = block.Transactions[i].Hash;
            if (_submittedAt.TryRemove(hash, out long submitted))
            {
                _metrics.CommitLatency.Record(Stopwatch.GetElapsedTime(submitted, now).TotalSeconds);
            }

            _waiters.Complete(hash, block.Height, block.Hash);
        }

        var evt = new BlockEvent(block.Height, block.Hash, block.Transactions.Count, written.Certificate.View, block.Header.TimestampMs);
        foreach (var subscriber in _subscribers.Values)
        {
            subscriber.Writer.TryWrite(evt);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogCommitted(block.Height, written.Certificate.View, block.Transactions.Count, block.Hash.ToShortString());
        }
    }

    /// <summary>The store's answer plus what executed blocks not yet written applied: exactly "applied by a block below this one".</summary>
    private sealed class UnwrittenStateView(IStateView stored, HashSet<Hash32> appliedUnwritten) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => appliedUnwritten.Contains(txHash) || stored.IsTxApplied(txHash);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "committed height {Height} in view {View}: {TxCount} txs, block {BlockHash}")]
    private partial void LogCommitted(ulong height, ulong view, int txCount, string blockHash);

    [LoggerMessage(Level = LogLevel.Information, Message = "installed view {View}, primary {Primary}")]
    private partial void LogViewChanged(ulong view, string primary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "evidence {Kind} against validator {Validator} at height {Height} view {View}: {Description}")]
    private partial void LogEvidence(EvidenceKind kind, int validator, ulong height, ulong view, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "consensus: {Trace}")]
    private partial void LogTrace(string trace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sync chunk from validator {Peer} rejected at height {Height}")]
    private partial void LogSyncRejected(int peer, ulong height);

    [LoggerMessage(Level = LogLevel.Critical, Message = "consensus stopped: storage or state failure")]
    private partial void LogLoopFailed(Exception ex);
}
