using Aegis.Core.Consensus;
using Aegis.Core.Consensus.Messages;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;
using Aegis.Network;
using Aegis.Node.StateSync;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

// Messages from peers: verified on the connection's reader (in parallel), then posted to the loop.
public sealed partial class NodeRuntime
{
    public async ValueTask HandleAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct)
    {
        if (_joiner is { } joiner && from.Validator >= 0 && message is SnapshotOffer or SnapshotPart or SyncResponse)
        {
            joiner.Post(from.Validator, message);
            return;
        }

        switch (message)
        {
            case SnapshotOfferRequest or SnapshotPartRequest:
                await ServeSnapshotAsync(from, message, ct);
                break;

            case ConsensusEnvelope c:
                if (from.Validator < 0 || _session is not { } session)
                {
                    return;
                }

                VerifiedMessage? verified = _verifier.Verify(c.Message, out string? error);
                if (verified is null)
                {
                    _metrics.Failure("invalid_message");
                    LogRejected(from.Id, error!);
                    return;
                }

                if (c.Message is StatusMessage status && status.CommittedHeight > _highestPeerHeight)
                {
                    _highestPeerHeight = status.CommittedHeight;
                }

                await PostAsync(session, new PeerConsensusInput(verified), ct);
                break;

            case TransactionsGossip g:
                if (_session is not { } gossipSession || g.Transactions.Count == 0)
                {
                    return;
                }

                TxHistory history;
                try
                {
                    history = await LookUpAsync(gossipSession, g.Transactions, ct);
                }
                catch (Exception ex) when (IsStorageFailure(ex))
                {
                    return;
                }

                await PostAsync(gossipSession, new TransactionBatchInput(g.Transactions, null, FromPeer: true, history), ct);
                break;

            case SyncRequest r:
                // A damaged store is never sent: the peer asks another (each block read is also checked against its hash).
                if (r.FromHeight == 0 || _options.StoreServable?.Invoke() == false)
                {
                    return;
                }

                IReadOnlyList<StoredBlock> blocks;
                try
                {
                    blocks = await _store.GetBlocksAsync(r.FromHeight, Math.Clamp(r.MaxBlocks, 1, PeerMessage.MaxSyncBlocks), ct);
                }
                catch (Exception ex) when (IsStorageFailure(ex))
                {
                    return;
                }

                // Bounded by bytes as well as count: 256 full blocks would not fit in one frame.
                var chunk = new List<CommittedBlock>();
                long bytes = 0;
                foreach (StoredBlock b in blocks)
                {
                    bytes += b.Block.EncodedSize + b.Certificate.EncodedSize;
                    if (chunk.Count > 0 && bytes > PeerMessage.MaxSyncChunkBytes)
                    {
                        break;
                    }

                    chunk.Add(new CommittedBlock(b.Block, b.Certificate));
                }

                // A store that joined by snapshot holds no blocks below its first: an answer that starts above the asked
                // height is no answer (the asker would only ask again); another peer holds them.
                if (chunk.Count > 0 && chunk[0].Height == r.FromHeight)
                {
                    from.Reply(new SyncResponse(chunk));
                }

                break;

            case SyncResponse s:
                if (from.Validator >= 0 && _backfill is { } backfill && backfill.Wants(s))
                {
                    backfill.Post(from.Validator, s);
                }
                else if (from.Validator >= 0 && s.Blocks.Count > 0 && _session is { } syncSession)
                {
                    // Checked here, on this connection's reader, in parallel with the loop and the other peers' answers;
                    // blocks the writer already stored are committed, so their checks are skipped.
                    ulong written = syncSession.WrittenHeight;
                    IReadOnlyList<CommittedBlock> answer = s.Blocks[^1].Height <= written ? []
                        : s.Blocks[0].Height > written ? s.Blocks
                        : [.. s.Blocks.Where(b => b.Height > written)];
                    if (answer.Count == 0)
                    {
                        return;
                    }

                    VerifiedChunk? checkedChunk = VerifiedChunk.Verify(_genesis, answer, out string? problem);
                    if (problem is not null)
                    {
                        LogSyncRejected(from.Validator, checkedChunk is null ? answer[0].Height : checkedChunk.To + 1, problem);
                        ReportRejected(from.Validator, checkedChunk is null ? answer[0].Height : checkedChunk.To + 1, problem);
                    }

                    if (checkedChunk is not null)
                    {
                        await PostAsync(syncSession, new SyncBlocksInput(from.Validator, checkedChunk), ct);
                    }
                }

                break;
        }
    }

    /// <summary>Answers a joiner from what the store holds: the tip's block as the offer, parts of the tree under any root still held.</summary>
    private async Task ServeSnapshotAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct)
    {
        try
        {
            if (message is SnapshotOfferRequest offer)
            {
                // The tip's header commits to the state after tip − pipeline_depth, whose tree the store still holds.
                ChainTip tip = await _store.GetTipAsync(ct);
                StoredBlock? block = tip.Height > (ulong)_genesis.Parameters.PipelineDepth ? await _store.GetBlockAsync(tip.Height, ct) : null;
                from.Reply(new SnapshotOffer(offer.RequestId, block is null ? null : new CommittedBlock(block.Block, block.Certificate)));
            }
            else if (message is SnapshotPartRequest part)
            {
                from.Reply(SnapshotServer.Answer(_store.StateNodes, part));
            }
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            // Not answering is safe: the joiner asks another peer.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "rejected a consensus message from {Peer}: {Reason}")]
    private partial void LogRejected(string peer, string reason);
}
