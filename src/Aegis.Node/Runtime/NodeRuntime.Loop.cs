using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
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
    private async Task RunLoopAsync(Session s)
    {
        CancellationToken ct = s.Stop.Token;
        var batch = new List<NodeInput>(MaxBatch);
        try
        {
            while (await s.Inbox.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && s.Inbox.Reader.TryRead(out NodeInput? input))
                {
                    batch.Add(input);
                }

                await StepAsync(s, batch, ct);
                s.Pending.Status = s.Replica.Status;

                // The loop does not wait for the disk: the writer makes this batch durable (together with any others
                // queued behind it) and only then sends its messages, while the loop steps the next batch.
                await FlushAsync(s, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Storage or state failing under us is not survivable in place: the session stops rather than act on a
            // state it could not save or check.
            s.Fail(ex);
        }
        finally
        {
            s.Writes.Writer.TryComplete();
            s.Inbox.Writer.TryComplete();

            // What the failed step did not answer yet (answered ones keep their answer) and what never got a turn.
            foreach (NodeInput stepped in batch)
            {
                Refuse(stepped);
            }

            while (s.Inbox.Reader.TryRead(out NodeInput? left))
            {
                Refuse(left);
            }
        }
    }

    /// <summary>An input the session will never step: whoever waits for an answer hears "unavailable, try again".</summary>
    private static void Refuse(NodeInput input)
    {
        if (input is TransactionBatchInput { Reply: { } reply } b)
        {
            reply.TrySetResult(Unavailable(b.Transactions.Count));
        }
    }

    /// <summary>Hands the pending batch to the writer, unless it asks for nothing at all.</summary>
    private static async ValueTask FlushAsync(Session s, CancellationToken ct)
    {
        Effects e = s.Pending;
        if (e.Status is not null && e.Status == s.LastStatus && e.Persist.Count == 0 && e.Sends.Count == 0 && e.Blocks.Count == 0 && e.TruncateBelow == 0)
        {
            e.Status = null;
        }

        if (e.IsEmpty)
        {
            return;
        }

        s.LastStatus = e.Status ?? s.LastStatus;
        e.Seq = ++s.NextSeq;
        s.Pending = new Effects();
        await s.Writes.Writer.WriteAsync(e, ct);
    }

    /// <summary>
    /// Keeps the writer within <see cref="Session.MaxUnwrittenHeights"/> of the replica's tip, so a tx-index answer read
    /// now is exact up to where the replica's window starts. Waits at most for the groups already queued.
    /// </summary>
    private static async ValueTask KeepWriterCloseAsync(Session s, CancellationToken ct)
    {
        while (true)
        {
            Task written = s.WrittenSignal;
            if (s.Replica.CommittedHeight <= s.WrittenHeight + s.MaxUnwrittenHeights)
            {
                return;
            }

            await FlushAsync(s, ct);
            await written.WaitHereAsync(ct);
        }
    }

    private async Task StepAsync(Session s, List<NodeInput> batch, CancellationToken ct)
    {
        Replica replica = s.Replica;
        List<Transaction>? txs = null;
        List<(TransactionBatchInput Input, int Start)>? submitted = null;
        ulong historyThrough = ulong.MaxValue;
        HashSet<Hash32>? historyCommitted = null;
        foreach (NodeInput input in batch)
        {
            switch (input)
            {
                case TransactionBatchInput b:
                    (submitted ??= []).Add((b, txs?.Count ?? 0));
                    (txs ??= []).AddRange(b.Transactions);

                    // One answer for the whole batch: each part is exact up to its own height, so the union is exact up
                    // to the lowest of them.
                    historyThrough = Math.Min(historyThrough, b.History.IndexedThrough);
                    if (b.History.Committed.Count > 0)
                    {
                        (historyCommitted ??= []).UnionWith(b.History.Committed);
                    }

                    break;
                case PeerConsensusInput m:
                    await KeepWriterCloseAsync(s, ct);
                    TxHistory history = m.Message.Message is PrePrepare pp && pp.Height > replica.CommittedHeight && pp.View >= replica.View
                        ? await LookUpAsync(s, pp.Block.Transactions, ct)
                        : TxHistory.None;
                    await ApplyAsync(s, replica.Receive(m.Message, history), ct);
                    break;
                case TickInput:
                    await KeepWriterCloseAsync(s, ct);
                    await ApplyAsync(s, replica.Tick(_time.GetUtcNow().ToUnixTimeMilliseconds()), ct);
                    break;
                case SyncBlocksInput sync:
                    await KeepWriterCloseAsync(s, ct);
                    await ApplySyncAsync(s, sync, ct);
                    break;
            }
        }

        if (txs is not null)
        {
            // One mempool call for the whole batch: this is where client load is absorbed.
            var results = new List<MempoolAddResult>(txs.Count);
            var history = new TxHistory(historyThrough, historyCommitted ?? TxHistory.None.Committed);
            await ApplyAsync(s, replica.SubmitTransactions(txs, history, results), ct);
            var gossip = new List<Transaction>();
            foreach ((TransactionBatchInput b, int start) in submitted!)
            {
                var mine = new SubmitStatus[b.Transactions.Count];
                for (int i = 0; i < mine.Length; i++)
                {
                    mine[i] = results[start + i] switch
                    {
                        MempoolAddResult.Added => SubmitStatus.Accepted,
                        MempoolAddResult.Duplicate => SubmitStatus.Duplicate,
                        MempoolAddResult.Stale => SubmitStatus.Unavailable,
                        _ => SubmitStatus.MempoolFull,
                    };

                    // A correct primary proposes what it accepts, and a faulty one would not gossip anyway: only
                    // backups pass client transactions on (to the primary, and to whoever is primary next).
                    if (mine[i] == SubmitStatus.Accepted && !b.FromPeer && !replica.IsPrimary)
                    {
                        gossip.Add(b.Transactions[i]);
                    }
                    else if (mine[i] is SubmitStatus.MempoolFull or SubmitStatus.Unavailable)
                    {
                        _submittedAt.TryRemove(b.Transactions[i].Hash, out _);
                    }
                }

                b.Reply?.TrySetResult(mine);
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

    private async Task ApplySyncAsync(Session s, SyncBlocksInput sync, CancellationToken ct)
    {
        Replica replica = s.Replica;
        ulong before = replica.CommittedHeight;
        foreach (CommittedBlock b in sync.Blocks)
        {
            if (b.Height <= replica.CommittedHeight)
            {
                // Already committed, from consensus messages or an earlier chunk.
                continue;
            }

            if (b.Height > replica.CommittedHeight + 1)
            {
                // Not an answer to anything we asked (it starts above our tip): perhaps to a request of an earlier
                // process of ours. Nothing wrong with it; ask for what we do need.
                _network.Send(sync.Peer, new SyncRequest(replica.CommittedHeight + 1, PeerMessage.MaxSyncBlocks));
                break;
            }

            await ApplyAsync(s, replica.SyncedBlock(b.Block, b.Certificate), ct);
            if (replica.CommittedHeight < b.Height)
            {
                // Not a valid continuation (a bad chunk, or a lying peer): stop here. (Committing past it is fine: the
                // block let held certificates above it commit too.)
                string reason = replica.CheckSyncedBlock(b.Block, b.Certificate) ?? "not committed";
                LogSyncRejected(sync.Peer, b.Height, reason);
                _metrics.Failure("sync_rejected");
                _observer?.OnSyncRejected(sync.Peer, b.Height, reason);
                break;
            }
        }

        // A chunk that moved us forward means there may be more: ask right away instead of waiting for the next
        // status (at the peer's tip the extra request is simply not answered).
        // Reads on the peer's side promise nothing on ours, so the request need not wait for this chunk to be durable.
        if (replica.CommittedHeight > before && _highestPeerHeight > replica.CommittedHeight)
        {
            _network.Send(sync.Peer, new SyncRequest(replica.CommittedHeight + 1, PeerMessage.MaxSyncBlocks));
        }
    }

    /// <summary>
    /// Carries out outputs in order. What the replica answers to <see cref="Replica.Executed"/> joins the end of the
    /// queue: it may commit the next heights, and those must wait for the commits already queued before them.
    /// </summary>
    private async Task ApplyAsync(Session s, IReadOnlyList<ReplicaOutput> outputs, CancellationToken ct)
    {
        Effects effects = s.Pending;
        var work = new Queue<ReplicaOutput>(outputs);
        while (work.TryDequeue(out ReplicaOutput? output))
        {
            switch (output)
            {
                case PersistRecord p:
                    effects.Persist.Add(new ConsensusRecordEntry(p.Entry.Height, p.Entry.ToBytes()));
                    break;
                case TruncateRecord t:
                    effects.TruncateBelow = Math.Max(effects.TruncateBelow, t.BelowHeight);
                    effects.PruneStateNodesUpTo = Math.Max(effects.PruneStateNodesUpTo, StatePruneHeight(s.StableCheckpoint, _genesis.Parameters.PipelineDepth));
                    s.StableCheckpoint = Math.Max(s.StableCheckpoint, t.BelowHeight);
                    break;
                case Send or Broadcast:
                    effects.Sends.Add(output);
                    break;
                case RequestSync r:
                    _network.Send(r.Peer, new SyncRequest(r.FromHeight, PeerMessage.MaxSyncBlocks));
                    break;
                case CommitBlock c:
                    Hash32 root = await ExecuteAsync(s, c.Block, c.Certificate, ct);
                    foreach (ReplicaOutput next in s.Replica.Executed(c.Block.Height, root))
                    {
                        work.Enqueue(next);
                    }

                    break;
                case ViewChanged v:
                    if (!s.Replica.IsPrimary)
                    {
                        // What we held (perhaps as the old primary, which gossips nothing) must reach the new primary.
                        Gossip(s.Replica.Mempool.Snapshot());
                    }

                    _metrics.ViewChanges.Add(1);
                    LogViewChanged(v.View, _genesis.Validators[v.Primary].Id);
                    break;
                case EvidenceFound e:
                    _metrics.Failure(e.Evidence.Kind.ToString());
                    LogEvidence(e.Evidence.Kind, e.Evidence.Validator, e.Evidence.Height, e.Evidence.View, e.Evidence.Description);
                    _observer?.OnEvidence(e.Evidence);
                    break;
                case ReplicaTrace t:
                    LogTrace(t.Message);
                    _observer?.OnTrace(t.Message);
                    break;
            }
        }
    }

    /// <summary>
    /// Executes a committed block (pure, in memory) and queues it for the writer. The replica may go on at once;
    /// nothing leaves the node and no client hears of the block until the writer has stored it.
    /// </summary>
    private async Task<Hash32> ExecuteAsync(Session s, Block block, CommitCertificate certificate, CancellationToken ct)
    {
        InvariantViolationException.Assert(
            block.Height == s.ExecutedHeight + 1 && (block.Height == 1 ? block.Header.PreviousHash == _genesis.Hash : block.Header.PreviousHash == s.ExecutedHash),
            () => $"commit order: the replica committed block {block.Height} ({block.Hash.ToShortString()}, previous {block.Header.PreviousHash.ToShortString()}) after block {s.ExecutedHeight} ({s.ExecutedHash.ToShortString()})");
        ForgetWrittenBlocks(s);
        IStateView stored = await _store.LoadStateViewAsync(block, ct);
        ExecutionResult result = BlockExecutor.Execute(block, s.StateRoot, new UnwrittenStateView(stored, s.AppliedUnwritten), s.Tree);
        s.Tree.Add(block.Height, result.Tree);
        var applied = new List<Hash32>();
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            if (result.Outcomes[i] == TxOutcome.Applied)
            {
                Hash32 hash = block.Transactions[i].Hash;
                s.AppliedUnwritten.Add(hash);
                applied.Add(hash);
            }
        }

        s.UnwrittenBlocks.Enqueue((block.Height, applied));
        s.Pending.Blocks.Add(new BlockWrite(block, certificate, result));
        s.StateRoot = result.StateRoot;
        s.ExecutedHeight = block.Height;
        s.ExecutedHash = block.Hash;
        return result.StateRoot;
    }

    /// <summary>
    /// The prune version when a new stable checkpoint arrives: the previous stable checkpoint's header commits to the
    /// state after <c>previous − depth</c>, and every root from that version on stays complete (0: prune nothing).
    /// </summary>
    internal static ulong StatePruneHeight(ulong previousStableCheckpoint, int pipelineDepth) =>
        previousStableCheckpoint > (ulong)pipelineDepth ? previousStableCheckpoint - (ulong)pipelineDepth : 0;

    /// <summary>Drops what the writer has stored from the loop's view of unwritten blocks: the store answers for those now.</summary>
    private static void ForgetWrittenBlocks(Session s)
    {
        ulong written = s.WrittenHeight;
        s.Tree.ForgetUpTo(written);
        while (s.UnwrittenBlocks.TryPeek(out (ulong Height, List<Hash32> Applied) b) && b.Height <= written)
        {
            s.UnwrittenBlocks.Dequeue();
            foreach (Hash32 hash in b.Applied)
            {
                s.AppliedUnwritten.Remove(hash);
            }
        }
    }

    /// <summary>The store's answer plus what executed blocks not yet written applied: exactly "applied by a block below this one".</summary>
    private sealed class UnwrittenStateView(IStateView stored, HashSet<Hash32> appliedUnwritten) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => appliedUnwritten.Contains(txHash) || stored.IsTxApplied(txHash);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "installed view {View}, primary {Primary}")]
    private partial void LogViewChanged(ulong view, string primary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "evidence {Kind} against validator {Validator} at height {Height} view {View}: {Description}")]
    private partial void LogEvidence(EvidenceKind kind, int validator, ulong height, ulong view, string description);

    [LoggerMessage(Level = LogLevel.Debug, Message = "consensus: {Trace}")]
    private partial void LogTrace(string trace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sync chunk from validator {Peer} rejected at height {Height}: {Reason}")]
    private partial void LogSyncRejected(int peer, ulong height, string reason);
}
