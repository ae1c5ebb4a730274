using Aegis.Core.Consensus;
using Aegis.Core.Encoding;
using Aegis.Network;
using Aegis.Storage;
using Microsoft.Extensions.Logging;

namespace Aegis.Node.Runtime;

// Messages from peers: verified on the connection's reader thread (in parallel), then posted to the loop.
public sealed partial class NodeRuntime
{
    public async ValueTask HandleAsync(PeerConnectionInfo from, PeerMessage message, CancellationToken ct)
    {
        switch (message)
        {
            case ConsensusEnvelope c:
                if (from.Validator < 0)
                {
                    return;
                }

                VerifiedMessage? verified = _verifier.Verify(c.Message, out string? error);
                if (verified is null)
                {
                    _metrics.Failures.Add(1, new KeyValuePair<string, object?>("kind", "invalid_message"));
                    LogRejected(from.Id, error!);
                    return;
                }

                if (c.Message is Aegis.Core.Consensus.Messages.StatusMessage status && status.CommittedHeight > _highestPeerHeight)
                {
                    _highestPeerHeight = status.CommittedHeight;
                }

                await _inbox.Writer.WriteAsync(new PeerConsensusInput(verified), ct);
                break;

            case TransactionsGossip g:
                foreach (Aegis.Core.Ledger.Transaction tx in g.Transactions)
                {
                    await _inbox.Writer.WriteAsync(new TransactionInput(tx, null, FromPeer: true), ct);
                }

                break;

            case SyncRequest r:
                if (r.FromHeight == 0)
                {
                    return;
                }

                IReadOnlyList<StoredBlock> blocks = await _store.GetBlocksAsync(r.FromHeight, Math.Clamp(r.MaxBlocks, 1, PeerMessage.MaxSyncBlocks), ct);

                // Bounded by bytes as well as count: 256 full blocks would not fit in one frame.
                var chunk = new List<Aegis.Core.Ledger.CommittedBlock>();
                long bytes = 0;
                foreach (StoredBlock b in blocks)
                {
                    bytes += b.Block.EncodedSize + b.Certificate.EncodedSize;
                    if (chunk.Count > 0 && bytes > PeerMessage.MaxSyncChunkBytes)
                    {
                        break;
                    }

                    chunk.Add(new Aegis.Core.Ledger.CommittedBlock(b.Block, b.Certificate));
                }

                if (chunk.Count > 0)
                {
                    from.Reply(new SyncResponse(chunk));
                }

                break;

            case SyncResponse s:
                if (from.Validator >= 0 || s.Blocks.Count > 0)
                {
                    await _inbox.Writer.WriteAsync(new SyncBlocksInput(from.Validator, s.Blocks), ct);
                }

                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "rejected a consensus message from {Peer}: {Reason}")]
    private partial void LogRejected(string peer, string reason);
}
