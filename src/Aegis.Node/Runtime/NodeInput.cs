using Aegis.Core.Consensus;
using Aegis.Core.Ledger;
using Aegis.Core.Mempool;

namespace Aegis.Node.Runtime;

/// <summary>Everything that reaches the event loop. Network readers, the ticker and the API only post these.</summary>
internal abstract record NodeInput;

internal sealed record PeerConsensusInput(VerifiedMessage Message) : NodeInput;

/// <summary>A client's or a peer's transaction, with what the tx index said about it just before it was posted.</summary>
internal sealed record TransactionInput(Transaction Transaction, TaskCompletionSource<SubmitStatus>? Reply, bool FromPeer, TxHistory History) : NodeInput;

/// <summary>Many transactions with one reply: the batch endpoint's and gossip's path, one channel write for thousands of transactions.</summary>
internal sealed record TransactionBatchInput(IReadOnlyList<Transaction> Transactions, TaskCompletionSource<SubmitStatus[]>? Reply, bool FromPeer, TxHistory History) : NodeInput;

internal sealed record TickInput : NodeInput
{
    public static readonly TickInput Instance = new();
}

/// <summary>A sync answer whose blocks passed their state-independent checks on the connection's reader.</summary>
internal sealed record SyncBlocksInput(int Peer, VerifiedChunk Chunk) : NodeInput;
