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
    private static ValueTask KeepWriterCloseAsync(Session s, CancellationToken ct) => KeepWriterWithinAsync(s, s.MaxUnwrittenHeights, ct);

    /// <summary>
    /// Before a sync chunk: the writer may be one chunk behind (it writes chunk N while the loop executes N + 1), which
    /// is more than <see cref="Session.MaxUnwrittenHeights"/>: a chunk reads no tx-index answer the replica relies on
    /// (its executions read their own, exact ones: <c>PrefetchAppliedAsync</c>), and the next input that does waits for
    /// the writer again. Waiting here for the whole previous chunk, as before, made execution and writing take turns.
    /// </summary>
    private static ValueTask KeepWriterWithinChunkAsync(Session s, CancellationToken ct) => KeepWriterWithinAsync(s, (ulong)PeerMessage.MaxSyncBlocks, ct);

    private static async ValueTask KeepWriterWithinAsync(Session s, ulong maxUnwritten, CancellationToken ct)
    {
        while (true)
        {
            Task written = s.WrittenSignal;
            if (s.Replica.CommittedHeight <= s.WrittenHeight + maxUnwritten)
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
                    // Only a proposal the replica will look at reads the tx index, so only it waits for the writer (the
                    // answer must reach the replica's window). Votes and out-of-window proposals used to wait too: a
                    // node catching up under load got live consensus traffic between its sync chunks, and each message
                    // made the loop wait for the writer to store the whole chunk before executing the next.
                    TxHistory history = TxHistory.None;
                    if (m.Message.Message is PrePrepare pp && replica.ConsidersProposal(pp.Height, pp.View))
                    {
                        await KeepWriterCloseAsync(s, ct);
                        history = await LookUpAsync(s, pp.Block.Transactions, ct);
                    }

                    await ApplyAsync(s, replica.Receive(m.Message, history), ct);
                    break;
                case TickInput:
                    s.Sync.Ticks++;
                    if (s.Sync.InFlight > 0)
                    {
                        PlanSync(s, -1, _highestPeerHeight);
                    }

                    await KeepWriterCloseAsync(s, ct);
                    await ApplyAsync(s, replica.Tick(_time.GetUtcNow().ToUnixTimeMilliseconds()), ct);
                    break;
                case SyncBlocksInput sync:
                    await KeepWriterWithinChunkAsync(s, ct);
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

    /// <summary>
    /// A checked sync answer: applied now if it reaches the tip (then every waiting answer that follows it), kept if it
    /// answers a request above the tip, and the pipeline refilled (<see cref="PlanSync"/>).
    /// </summary>
    private async Task ApplySyncAsync(Session s, SyncBlocksInput sync, CancellationToken ct)
    {
        Replica replica = s.Replica;
        (int Peer, VerifiedChunk Chunk)? next = s.Sync.Answered(sync.Peer, sync.Chunk, replica.CommittedHeight) ? (sync.Peer, sync.Chunk) : null;
        int preferred = sync.Peer;
        while (next is { } ready)
        {
            await ApplyChunkAsync(s, ready.Peer, ready.Chunk, ct);
            next = s.Sync.NextReady(replica.CommittedHeight);
            if (next is not null)
            {
                await KeepWriterWithinChunkAsync(s, ct);
            }
        }

        // Reads on the peers' side promise nothing on ours, so the requests need not wait for this chunk to be durable.
        PlanSync(s, preferred, _highestPeerHeight);
    }

    private async Task ApplyChunkAsync(Session s, int peer, VerifiedChunk chunk, CancellationToken ct)
    {
        Replica replica = s.Replica;
        if (chunk.To <= replica.CommittedHeight)
        {
            // Already committed, from consensus messages or an earlier chunk.
            return;
        }

        // One tx-index read for the whole chunk instead of one per block (see PrefetchAppliedAsync).
        await PrefetchAppliedAsync(s, chunk, ct);
        try
        {
            await ApplyAsync(s, replica.SyncedChunk(chunk, out string? refused), ct);
            if (refused is not null)
            {
                // Certified blocks that do not extend our tip (a lying peer, or a chain we cannot follow): ask another.
                LogSyncRejected(peer, chunk.From, refused);
                _metrics.Failure("sync_rejected");
                _observer?.OnSyncRejected(peer, chunk.From, refused);
            }
        }
        finally
        {
            s.Prefetched = null;
        }
    }

    /// <summary>
    /// Sends what the sync pipeline plans: chunk requests for the heights above the tip, up to <paramref name="target"/>,
    /// that nobody is asked for yet. Called when an answer arrives, when the replica asks (a peer's status shows it
    /// behind) and on ticks while requests are out, so a lost answer is asked again.
    /// </summary>
    private void PlanSync(Session s, int preferred, ulong target)
    {
        if (target <= s.Replica.CommittedHeight)
        {
            return;
        }

        int[] peers = [.. _network.Peers.Where(p => p.Validator >= 0).Select(p => p.Validator).Distinct().Order()];
        foreach ((int peer, ulong from, int count) in s.Sync.Plan(s.Replica.CommittedHeight, target, peers, preferred, PeerMessage.MaxSyncBlocks))
        {
            LogSyncRequest(peer, count, from);
            _network.Send(peer, new SyncRequest(from, count));
        }
    }

    /// <summary>
    /// Reads, in one query, which of a sync chunk's transactions the store holds as applied; <see cref="ExecuteAsync"/>
    /// then answers each block of the chunk from this set plus the executed-but-unwritten blocks' applied set, which it
    /// leaves whole until the chunk is done. That union is exactly "applied by a block below this one": the store held
    /// at least every block the unwritten set had dropped when it was read, nothing above the chunk's blocks (the writer
    /// stores only executed blocks), and the unwritten set gains each block of the chunk as it executes. Measured
    /// before: one store read per block, 1 % of a replay's CPU plus an await per block in the loop.
    /// </summary>
    private async Task PrefetchAppliedAsync(Session s, VerifiedChunk chunk, CancellationToken ct)
    {
        ForgetWrittenBlocks(s);
        var hashes = new List<Hash32>();
        foreach (CommittedBlock b in chunk.Blocks)
        {
            if (b.Height > s.ExecutedHeight)
            {
                foreach (Transaction tx in b.Block.Transactions)
                {
                    hashes.Add(tx.Hash);
                }
            }
        }

        s.Prefetched = new PrefetchedApplied(chunk.From, chunk.To, await _store.FindAppliedTxsAsync(hashes, ct));
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
                    PlanSync(s, r.Peer, Math.Max(r.FromHeight, _highestPeerHeight));
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
        IStateView stored;
        if (s.Prefetched is { } prefetched && block.Height >= prefetched.From && block.Height <= prefetched.To)
        {
            // The unwritten set must stay whole while the chunk's prefetched answer is used (PrefetchAppliedAsync).
            stored = prefetched;
        }
        else
        {
            ForgetWrittenBlocks(s);
            stored = await _store.LoadStateViewAsync(block, ct);
        }

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

    /// <summary>The store's applied transactions among a sync chunk's, read once for the chunk's heights.</summary>
    private sealed record PrefetchedApplied(ulong From, ulong To, IReadOnlySet<Hash32> Applied) : IStateView
    {
        public bool IsTxApplied(Hash32 txHash) => Applied.Contains(txHash);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "sync: asked validator {Peer} for {Count} blocks from height {From}")]
    private partial void LogSyncRequest(int peer, int count, ulong from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sync chunk from validator {Peer} rejected at height {Height}: {Reason}")]
    private partial void LogSyncRejected(int peer, ulong height, string reason);
}
